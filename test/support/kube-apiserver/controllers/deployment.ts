// Deployment controller, after pkg/controller/deployment: one ReplicaSet per pod template (pod-template-hash),
// revisions in `deployment.kubernetes.io/revision`, RollingUpdate within maxSurge/maxUnavailable (25%/25%), Recreate
// (old Pods gone before the new ReplicaSet is scaled up), revisionHistoryLimit, and status + conditions as
// `kubectl rollout status` and kstatus (helm --wait) read them, including ProgressDeadlineExceeded once
// progressDeadlineSeconds pass without progress.
import { nowRfc3339, type KubeObject } from '../types.js';
import {
  arr,
  intOrPercent,
  labelsOf,
  MANAGER,
  o,
  ownedBy,
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

const REVISION = 'deployment.kubernetes.io/revision';
const NOT_COPIED = [
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
];

const revisionOf = (rs: KubeObject) => Number(rs.metadata.annotations?.[REVISION] ?? 0);

interface Counts {
  replicas: number;
  ready: number;
  available: number;
}

function condition(
  prev: Obj[],
  type: string,
  status: string,
  reason: string,
  message: string,
  touch = false,
) {
  const old = prev.find((c) => c.type === type);
  const now = nowRfc3339();
  const same = old?.status === status;
  const unchanged = same && old?.reason === reason && old?.message === message && !touch;
  return {
    type,
    status,
    lastUpdateTime: unchanged ? old.lastUpdateTime : now,
    lastTransitionTime: same ? old.lastTransitionTime : now,
    reason,
    message,
  };
}

export interface DeploymentOptions {
  /** failDeployment(): report ProgressDeadlineExceeded at once instead of after progressDeadlineSeconds. */
  failing: boolean;
  /** Reconcile again after `delayMs` (the progress deadline). */
  requeue(delayMs: number): void;
}

export function reconcileDeployment(
  ctx: Ctx,
  namespace: string,
  name: string,
  opts: DeploymentOptions,
): void {
  let d = ctx.store.get(R.deployments, namespace, name);
  if (!d) return;
  const spec = o(d.spec);
  const replicas = replicasOf(d);
  const template = o(spec.template);
  const hash = templateHash(template);
  const minReady = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
  const strategy = o(spec.strategy);
  const recreate = strategy.type === 'Recreate';
  const ru = o(strategy.rollingUpdate);
  let maxSurge = recreate ? 0 : intOrPercent(ru.maxSurge, replicas, true, '25%');
  let maxUnavailable = recreate ? 0 : intOrPercent(ru.maxUnavailable, replicas, false, '25%');
  if (!recreate && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  if (replicas === 0) maxSurge = maxUnavailable = 0;
  const paused = spec.paused === true;

  const owned = ctx.store.list(R.replicasets, namespace, ownedBy(d));
  let newRS = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
  const olds = () =>
    ctx.store
      .list(R.replicasets, namespace, ownedBy(d!))
      .filter((rs) => rs.metadata.uid !== newRS?.metadata.uid)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
  const maxOld = Math.max(0, ...owned.filter((rs) => rs !== newRS).map(revisionOf));
  const revision = String(newRS && revisionOf(newRS) > maxOld ? revisionOf(newRS) : maxOld + 1);
  const prevStatus = o(d.status);
  const prevConds = arr(prevStatus.conditions);
  const count = (rs: KubeObject | undefined): Counts => {
    if (!rs) return { replicas: 0, ready: 0, available: 0 };
    const pods = activePods(ctx, rs);
    return {
      replicas: pods.length,
      ready: pods.filter(podReady).length,
      available: pods.filter((p) => podAvailable(p, minReady)).length,
    };
  };
  const scale = (rs: KubeObject, to: number) => {
    const from = replicasOf(rs);
    if (from === to) return rs;
    const next = ctx.modify(R.replicasets, rs, (x) => {
      o(x.spec).replicas = to;
      x.metadata.annotations = {
        ...x.metadata.annotations,
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        'deployment.kubernetes.io/max-replicas': String(replicas + maxSurge),
      };
    });
    ctx.record(
      d!,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`,
      'deployment-controller',
    );
    return next ?? rs;
  };

  let created = false;
  const ensureNewRS = (initial: number) => {
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(d!.metadata.annotations ?? {})) {
      if (!NOT_COPIED.includes(k)) annotations[k] = v;
    }
    if (!newRS) {
      const podLabels = { ...labelsOf(o(template.metadata).labels), 'pod-template-hash': hash };
      newRS = ctx.api.create(
        R.replicasets,
        namespace,
        {
          metadata: {
            name: `${name}-${hash}`,
            namespace,
            labels: podLabels,
            annotations: {
              ...annotations,
              'deployment.kubernetes.io/desired-replicas': String(replicas),
              'deployment.kubernetes.io/max-replicas': String(replicas + maxSurge),
              [REVISION]: revision,
            },
            ownerReferences: [ownerRef(d!)],
          },
          spec: {
            replicas: 0,
            ...(minReady ? { minReadySeconds: minReady } : {}),
            selector: {
              ...o(spec.selector),
              matchLabels: { ...labelsOf(o(spec.selector).matchLabels), 'pod-template-hash': hash },
            },
            template: { ...template, metadata: { ...o(template.metadata), labels: podLabels } },
          },
        },
        MANAGER,
      );
      created = true;
      if (initial > 0) newRS = scale(newRS, initial);
    } else if (newRS.metadata.annotations?.[REVISION] !== revision) {
      const old = newRS.metadata.annotations?.[REVISION];
      newRS =
        ctx.modify(R.replicasets, newRS, (x) => {
          const history = x.metadata.annotations?.['deployment.kubernetes.io/revision-history'];
          x.metadata.annotations = {
            ...x.metadata.annotations,
            ...annotations,
            [REVISION]: revision,
            ...(old
              ? { 'deployment.kubernetes.io/revision-history': history ? `${history},${old}` : old }
              : {}),
          };
        }) ?? newRS;
    }
    return newRS;
  };

  if (!paused) {
    if (recreate) {
      for (const old of olds()) scale(old, 0);
      const oldPods = olds().reduce((n, rs) => n + activePods(ctx, rs).length, 0);
      if (oldPods === 0) scale(ensureNewRS(0), replicas);
    } else {
      const rs = ensureNewRS(0);
      const active = olds().filter((x) => replicasOf(x) > 0);
      if (active.length === 0) {
        scale(rs, replicas);
      } else {
        // Scale up the new ReplicaSet within maxSurge.
        const cur = replicasOf(rs);
        if (cur > replicas) scale(rs, replicas);
        else if (cur < replicas) {
          const total = replicasOf(rs) + active.reduce((n, x) => n + replicasOf(x), 0);
          const room = replicas + maxSurge - total;
          if (room > 0) newRS = scale(rs, cur + Math.min(room, replicas - cur));
        }
        // Scale down old ReplicaSets within maxUnavailable.
        const nrs = newRS!;
        const all = [nrs, ...olds()];
        const allPods = all.reduce((n, x) => n + replicasOf(x), 0);
        const minAvailable = replicas - maxUnavailable;
        const newCounts = count(nrs);
        const newUnavailable = replicasOf(nrs) - newCounts.available;
        let budget = allPods - minAvailable - newUnavailable;
        if (budget > 0) {
          // Unhealthy old replicas first.
          for (const old of olds()) {
            if (budget <= 0) break;
            const c = count(old);
            const unhealthy = Math.min(replicasOf(old) - c.available, budget);
            if (unhealthy > 0) {
              scale(old, replicasOf(old) - unhealthy);
              budget -= unhealthy;
            }
          }
          const available = [nrs, ...olds()].reduce((n, x) => n + count(x).available, 0);
          let down = Math.min(available - minAvailable, budget);
          for (const old of olds()) {
            if (down <= 0) break;
            const k = Math.min(replicasOf(old), down);
            if (k > 0) {
              scale(old, replicasOf(old) - k);
              down -= k;
            }
          }
        }
      }
    }
    // revisionHistoryLimit: drop the oldest idle ReplicaSets.
    const limit = typeof spec.revisionHistoryLimit === 'number' ? spec.revisionHistoryLimit : 10;
    const idle = olds().filter((x) => replicasOf(x) === 0 && activePods(ctx, x).length === 0);
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      ctx.api.delete(R.replicasets, namespace, rs.metadata.name!, {});
    }
  }

  if (newRS && d.metadata.annotations?.[REVISION] !== revision) {
    d =
      ctx.modify(R.deployments, d, (x) => {
        x.metadata.annotations = { ...x.metadata.annotations, [REVISION]: revision };
      }) ?? d;
  }

  // Status from the Pods themselves, so that it never runs ahead of them.
  const rss = ctx.store.list(R.replicasets, namespace, ownedBy(d));
  const totals = rss.map(count);
  const sum = (f: (c: Counts) => number) => totals.reduce((n, c) => n + f(c), 0);
  const updated = count(newRS).replicas;
  const specTotal = rss.reduce((n, x) => n + replicasOf(x), 0);
  const status: Obj = {
    observedGeneration: d.metadata.generation,
    replicas: sum((c) => c.replicas),
    updatedReplicas: updated,
    readyReplicas: sum((c) => c.ready),
    availableReplicas: sum((c) => c.available),
    unavailableReplicas: Math.max(0, specTotal - sum((c) => c.available)),
  };
  for (const k of [
    'replicas',
    'updatedReplicas',
    'readyReplicas',
    'availableReplicas',
    'unavailableReplicas',
  ]) {
    if (status[k] === 0) delete status[k];
  }
  const num = (s: Obj, k: string) => (typeof s[k] === 'number' ? s[k] : 0);
  const rsName = newRS?.metadata.name ?? name;
  const available = num(status, 'availableReplicas') >= replicas - maxUnavailable;
  const conds = [
    available
      ? condition(
          prevConds,
          'Available',
          'True',
          'MinimumReplicasAvailable',
          'Deployment has minimum availability.',
        )
      : condition(
          prevConds,
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
        ),
  ];
  let progressing = prevConds.find((c) => c.type === 'Progressing');
  const complete =
    num(status, 'updatedReplicas') === replicas &&
    num(status, 'replicas') === replicas &&
    num(status, 'availableReplicas') === replicas;
  const progressed =
    num(status, 'updatedReplicas') > num(prevStatus, 'updatedReplicas') ||
    num(status, 'readyReplicas') > num(prevStatus, 'readyReplicas') ||
    num(status, 'availableReplicas') > num(prevStatus, 'availableReplicas') ||
    num(status, 'replicas') - num(status, 'updatedReplicas') <
      num(prevStatus, 'replicas') - num(prevStatus, 'updatedReplicas');
  // failDeployment(): timed out as soon as the new Pods are seen backing off.
  const failingPods = () => {
    const pods = newRS ? activePods(ctx, newRS) : [];
    return (
      pods.length > 0 &&
      pods.every((p) =>
        arr(o(p.status).containerStatuses).some((c) => {
          const reason = o(o(c.state).waiting).reason;
          return typeof reason === 'string' && reason !== 'ContainerCreating';
        }),
      )
    );
  };
  const deadline =
    typeof spec.progressDeadlineSeconds === 'number' ? spec.progressDeadlineSeconds : undefined;
  if (paused) {
    progressing = condition(prevConds, 'Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused');
  } else if (opts.failing && failingPods()) {
    progressing = condition(
      prevConds,
      'Progressing',
      'False',
      'ProgressDeadlineExceeded',
      `ReplicaSet "${rsName}" has timed out progressing.`,
    );
  } else if (created) {
    progressing = condition(
      prevConds,
      'Progressing',
      'True',
      'NewReplicaSetCreated',
      `Created new replica set "${rsName}"`,
      true,
    );
  } else if (!progressing) {
    progressing = condition(
      prevConds,
      'Progressing',
      'True',
      'FoundNewReplicaSet',
      `Found new replica set "${rsName}"`,
    );
  } else if (!(
    num(status, 'replicas') === num(status, 'updatedReplicas') &&
    progressing.reason === 'NewReplicaSetAvailable'
  )) {
    if (complete) {
      progressing = condition(
        prevConds,
        'Progressing',
        'True',
        'NewReplicaSetAvailable',
        `ReplicaSet "${rsName}" has successfully progressed.`,
      );
    } else if (progressed) {
      progressing = condition(
        prevConds,
        'Progressing',
        'True',
        'ReplicaSetUpdated',
        `ReplicaSet "${rsName}" is progressing.`,
        true,
      );
    } else if (
      deadline !== undefined &&
      progressing.reason !== 'NewReplicaSetAvailable' &&
      (progressing.reason === 'ProgressDeadlineExceeded' ||
        Date.parse(String(progressing.lastUpdateTime)) + deadline * 1000 < Date.now())
    ) {
      progressing = condition(
        prevConds,
        'Progressing',
        'False',
        'ProgressDeadlineExceeded',
        `ReplicaSet "${rsName}" has timed out progressing.`,
      );
    }
  }
  conds.push(progressing as ReturnType<typeof condition>);
  status.conditions = conds;
  const written = ctx.setStatus(R.deployments, d, status);
  // Come back when the progress deadline would pass.
  const p = arr(o(written.status).conditions).find((c) => c.type === 'Progressing');
  if (deadline !== undefined && p && p.status === 'True' && p.reason !== 'NewReplicaSetAvailable') {
    const due = Date.parse(String(p.lastUpdateTime)) + deadline * 1000 + 1000 - Date.now();
    opts.requeue(Math.max(50, due));
  }
}
