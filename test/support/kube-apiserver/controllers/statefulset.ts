// StatefulSet controller: Pods <name>-<ordinal> with stable identity, created in order and each only once the one
// before is Running and Ready (OrderedReady; Parallel creates them together), PVCs from volumeClaimTemplates,
// RollingUpdate from the highest ordinal down to `partition`, and currentRevision/updateRevision in status.
import type { KubeObject } from '../types.js';
import {
  arr,
  labelsOf,
  MANAGER,
  o,
  ownerRef,
  podAvailable,
  podReady,
  R,
  replicasOf,
  templateHash,
  type Ctx,
  type Obj,
} from './context.js';
import { activePods } from './replicaset.js';

const REV = 'controller-revision-hash';

export function reconcileStatefulSet(ctx: Ctx, namespace: string, name: string): void {
  const sts = ctx.store.get(R.statefulsets, namespace, name);
  if (!sts) return;
  const spec = o(sts.spec);
  const replicas = replicasOf(sts);
  const template = o(spec.template);
  const updateRevision = `${name}-${templateHash(template)}`;
  const prev = o(sts.status);
  const currentRevision = typeof prev.currentRevision === 'string' ? prev.currentRevision : updateRevision;
  const parallel = spec.podManagementPolicy === 'Parallel';
  const strategy = o(spec.updateStrategy);
  const partition = Number(o(strategy.rollingUpdate).partition ?? 0);
  const minReady = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
  const ordinal = (p: KubeObject) => Number(/-(\d+)$/.exec(p.metadata.name!)?.[1] ?? -1);
  let pods = activePods(ctx, sts).sort((a, b) => ordinal(a) - ordinal(b));
  const byOrdinal = new Map(pods.map((p) => [ordinal(p), p]));

  const createPod = (i: number) => {
    const podName = `${name}-${i}`;
    if (ctx.store.get(R.pods, namespace, podName)) return undefined;
    const podSpec = { ...o(template.spec) };
    const volumes = arr(podSpec.volumes);
    for (const t of arr(spec.volumeClaimTemplates)) {
      const vol = String(o(t.metadata).name);
      const claim = `${vol}-${name}-${i}`;
      if (!ctx.store.get(R.pvcs, namespace, claim)) {
        ctx.api.create(
          R.pvcs,
          namespace,
          {
            metadata: {
              name: claim,
              namespace,
              labels: { ...labelsOf(o(spec.selector).matchLabels) },
            },
            spec: { ...o(t.spec) },
          },
          MANAGER,
        );
        ctx.record(
          sts,
          'Normal',
          'SuccessfulCreate',
          `create Claim ${claim} Pod ${podName} in StatefulSet ${name} success`,
          'statefulset-controller',
        );
      }
      const idx = volumes.findIndex((v) => v.name === vol);
      const entry: Obj = { name: vol, persistentVolumeClaim: { claimName: claim } };
      if (idx >= 0) volumes[idx] = entry;
      else volumes.push(entry);
    }
    if (volumes.length) podSpec.volumes = volumes;
    podSpec.hostname ??= podName;
    if (spec.serviceName) podSpec.subdomain ??= spec.serviceName;
    const created = ctx.api.create(
      R.pods,
      namespace,
      {
        metadata: {
          name: podName,
          namespace,
          labels: {
            ...labelsOf(o(template.metadata).labels),
            [REV]: updateRevision,
            'statefulset.kubernetes.io/pod-name': podName,
            'apps.kubernetes.io/pod-index': String(i),
          },
          ...(o(template.metadata).annotations
            ? { annotations: labelsOf(o(template.metadata).annotations) }
            : {}),
          ownerReferences: [ownerRef(sts)],
        },
        spec: podSpec,
      },
      MANAGER,
    );
    ctx.record(
      sts,
      'Normal',
      'SuccessfulCreate',
      `create Pod ${podName} in StatefulSet ${name} successful`,
      'statefulset-controller',
    );
    return created;
  };

  // Scale down: highest ordinal first, one at a time (OrderedReady), all at once (Parallel).
  const extra = pods.filter((p) => ordinal(p) >= replicas).reverse();
  for (const p of parallel ? extra : extra.slice(0, 1)) {
    ctx.api.delete(R.pods, namespace, p.metadata.name!, {});
    ctx.record(
      sts,
      'Normal',
      'SuccessfulDelete',
      `delete Pod ${p.metadata.name} in StatefulSet ${name} successful`,
      'statefulset-controller',
    );
  }
  let blocked = extra.length > 0 && !parallel;
  // Scale up in order.
  for (let i = 0; i < replicas && !blocked; i++) {
    const p = byOrdinal.get(i);
    if (!p) {
      const created = createPod(i);
      if (created) byOrdinal.set(i, created);
      if (!parallel) blocked = true;
    } else if (!parallel && !podReady(p)) blocked = true;
  }
  // Rolling update: the highest ordinal not yet at updateRevision goes, once everything else is ready.
  if (!blocked && strategy.type !== 'OnDelete') {
    const all = [...byOrdinal.values()].filter((p) => ordinal(p) < replicas);
    if (all.length === replicas && all.every(podReady)) {
      const stale = all
        .filter((p) => ordinal(p) >= partition && p.metadata.labels?.[REV] !== updateRevision)
        .sort((a, b) => ordinal(b) - ordinal(a))[0];
      if (stale) ctx.api.delete(R.pods, namespace, stale.metadata.name!, {});
    }
  }

  pods = activePods(ctx, sts);
  const ready = pods.filter(podReady).length;
  const updated = pods.filter((p) => p.metadata.labels?.[REV] === updateRevision).length;
  const current = pods.filter((p) => p.metadata.labels?.[REV] === currentRevision).length;
  const done = updated === replicas && ready === replicas && pods.length === replicas;
  const status: Obj = {
    observedGeneration: sts.metadata.generation,
    replicas: pods.length,
    readyReplicas: ready,
    currentReplicas: done ? updated : current,
    updatedReplicas: updated,
    availableReplicas: pods.filter((p) => podAvailable(p, minReady)).length,
    currentRevision: done ? updateRevision : currentRevision,
    updateRevision,
    collisionCount: 0,
  };
  for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas'])
    if (status[k] === 0) delete status[k];
  ctx.setStatus(R.statefulsets, sts, status);
}
