// ReplicaSet controller: keeps spec.replicas active Pods (creating from the template, deleting the least useful
// first) and reports replicas/readyReplicas/availableReplicas (minReadySeconds honoured) in status.
import type { KubeObject } from '../types.js';
import {
  labelsOf,
  MANAGER,
  o,
  ownedBy,
  ownerRef,
  podAvailable,
  podReady,
  podReadySince,
  podTerminal,
  R,
  replicasOf,
  type Ctx,
} from './context.js';

/** Active (non-terminal) Pods a controller owns. */
export function activePods(ctx: Ctx, owner: KubeObject): KubeObject[] {
  return ctx.store.list(R.pods, owner.metadata.namespace, ownedBy(owner)).filter((p) => !podTerminal(p));
}

/** Lower ranks go first when scaling down: unscheduled, pending, not ready, ready for the shortest time. */
function deletionRank(p: KubeObject): number[] {
  const scheduled = o(p.spec).nodeName ? 1 : 0;
  const running = o(p.status).phase === 'Running' ? 1 : 0;
  const ready = podReady(p) ? 1 : 0;
  return [scheduled, running, ready, -(podReadySince(p) ?? 0)];
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export function reconcileReplicaSet(ctx: Ctx, namespace: string, name: string): void {
  const rs = ctx.store.get(R.replicasets, namespace, name);
  if (!rs) return;
  const want = replicasOf(rs);
  const spec = o(rs.spec);
  const template = o(spec.template);
  let pods = activePods(ctx, rs);
  for (const p of ctx.store.list(R.pods, namespace, ownedBy(rs)).filter(podTerminal)) {
    ctx.api.delete(R.pods, namespace, p.metadata.name!, {});
  }
  if (pods.length > want) {
    const extra = [...pods]
      .sort((a, b) => compareRank(deletionRank(a), deletionRank(b)))
      .slice(0, pods.length - want);
    for (const p of extra) {
      ctx.api.delete(R.pods, namespace, p.metadata.name!, {});
      ctx.record(
        rs,
        'Normal',
        'SuccessfulDelete',
        `Deleted pod: ${p.metadata.name}`,
        'replicaset-controller',
      );
    }
    const gone = new Set(extra.map((p) => p.metadata.uid));
    pods = pods.filter((p) => !gone.has(p.metadata.uid));
  }
  for (let i = pods.length; i < want; i++) {
    const tmeta = o(template.metadata);
    const created = ctx.api.create(
      R.pods,
      namespace,
      {
        metadata: {
          generateName: `${name}-`,
          namespace,
          labels: { ...labelsOf(tmeta.labels) },
          ...(tmeta.annotations ? { annotations: { ...labelsOf(tmeta.annotations) } } : {}),
          ownerReferences: [ownerRef(rs)],
        },
        spec: { ...o(template.spec) },
      },
      MANAGER,
    );
    ctx.record(
      rs,
      'Normal',
      'SuccessfulCreate',
      `Created pod: ${created.metadata.name}`,
      'replicaset-controller',
    );
    pods.push(created);
  }
  const minReady = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
  const now = Date.now();
  const ready = pods.filter(podReady).length;
  const available = pods.filter((p) => podAvailable(p, minReady, now)).length;
  if (available < ready) {
    // Look again when the next ready Pod has been ready long enough.
    const due = Math.min(
      ...pods
        .filter((p) => podReady(p) && !podAvailable(p, minReady, now))
        .map((p) => podReadySince(p)! + minReady * 1000 - now),
    );
    ctx.schedule(
      `rs-available:${namespace}/${name}`,
      () => reconcileReplicaSet(ctx, namespace, name),
      due + 20,
    );
  }
  ctx.setStatus(R.replicasets, rs, {
    replicas: pods.length,
    ...(pods.length ? { fullyLabeledReplicas: pods.length } : {}),
    ...(ready ? { readyReplicas: ready } : {}),
    ...(available ? { availableReplicas: available } : {}),
    observedGeneration: rs.metadata.generation,
  });
}
