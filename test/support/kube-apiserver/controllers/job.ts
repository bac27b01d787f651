// Job controller (batch/v1, NonIndexed): runs up to `parallelism` Pods until `completions` succeeded, counts
// succeeded/failed from Pod phases, replaces failed Pods until more than `backoffLimit` failed, and ends with the
// conditions kstatus and `kubectl wait --for=condition=complete` read (SuccessCriteriaMet+Complete, or
// FailureTarget+Failed with reason BackoffLimitExceeded).
import { nowRfc3339, type KubeObject } from '../types.js';
import { arr, labelsOf, MANAGER, o, ownedBy, ownerRef, podReady, R, type Ctx, type Obj } from './context.js';

function cond(type: string, reason: string, message: string, at: string): Obj {
  return { type, status: 'True', lastProbeTime: at, lastTransitionTime: at, reason, message };
}

export function reconcileJob(ctx: Ctx, namespace: string, name: string, requeue: (ms: number) => void): void {
  const job = ctx.store.get(R.jobs, namespace, name);
  if (!job) return;
  const spec = o(job.spec);
  const prev = o(job.status);
  const conditions = arr(prev.conditions);
  const finished = conditions.some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  const pods = ctx.store.list(R.pods, namespace, ownedBy(job));
  const phase = (p: KubeObject) => o(p.status).phase;
  const succeeded = pods.filter((p) => phase(p) === 'Succeeded').length;
  const failed = pods.filter((p) => phase(p) === 'Failed').length;
  let active = pods.filter((p) => phase(p) !== 'Succeeded' && phase(p) !== 'Failed');
  const completions = typeof spec.completions === 'number' ? spec.completions : 1;
  const parallelism = typeof spec.parallelism === 'number' ? spec.parallelism : 1;
  const backoffLimit = typeof spec.backoffLimit === 'number' ? spec.backoffLimit : 6;
  const now = nowRfc3339();
  const startTime = typeof prev.startTime === 'string' ? prev.startTime : now;
  const status: Obj = { ...prev, startTime };

  if (!finished && spec.suspend !== true) {
    if (failed > backoffLimit) {
      for (const p of active) ctx.api.delete(R.pods, namespace, p.metadata.name!, {});
      active = [];
      const msg = 'Job has reached the specified backoff limit';
      status.conditions = [
        ...conditions,
        cond('FailureTarget', 'BackoffLimitExceeded', msg, now),
        cond('Failed', 'BackoffLimitExceeded', msg, now),
      ];
      ctx.record(job, 'Warning', 'BackoffLimitExceeded', msg, 'job-controller');
    } else if (succeeded >= completions) {
      for (const p of active) ctx.api.delete(R.pods, namespace, p.metadata.name!, {});
      active = [];
      status.conditions = [
        ...conditions,
        cond('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods', now),
        cond('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods', now),
      ];
      status.completionTime = now;
      ctx.record(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
    } else {
      const want = Math.min(parallelism, completions - succeeded) - active.length;
      // A short back-off after failures (10s·2ⁿ on a real cluster).
      const lastFailure = Math.max(
        0,
        ...pods
          .filter((p) => phase(p) === 'Failed')
          .map((p) => Date.parse(String(p.metadata.creationTimestamp))),
      );
      const wait = failed > 0 ? lastFailure + 200 * failed - Date.now() : 0;
      if (want > 0 && wait > 0) requeue(wait + 10);
      else {
        const template = o(spec.template);
        for (let i = 0; i < want; i++) {
          const created = ctx.api.create(
            R.pods,
            namespace,
            {
              metadata: {
                generateName: `${name}-`,
                namespace,
                labels: { ...labelsOf(o(template.metadata).labels) },
                ...(o(template.metadata).annotations
                  ? { annotations: labelsOf(o(template.metadata).annotations) }
                  : {}),
                ownerReferences: [ownerRef(job)],
              },
              spec: { ...o(template.spec) },
            },
            MANAGER,
          );
          active.push(created);
          ctx.record(
            job,
            'Normal',
            'SuccessfulCreate',
            `Created pod: ${created.metadata.name}`,
            'job-controller',
          );
        }
      }
    }
  }
  status.active = active.length;
  status.ready = active.filter(podReady).length;
  status.terminating = 0;
  status.uncountedTerminatedPods = {};
  if (succeeded) status.succeeded = succeeded;
  if (failed) status.failed = failed;
  for (const k of ['active', 'succeeded', 'failed']) if (status[k] === 0) delete status[k];
  ctx.setStatus(R.jobs, job, status);
}
