// The deploy lock of one release: a Lease `<release>-deploy-lock` in the release's namespace, held and renewed for
// the whole deploy so two workflow runs never deploy the same release at once. The holder is named by its
// workflow run (GITHUB_* variables) or, from the CLI, by user, host and process. The Lease is registered with the
// cleanup registry, so the post step frees it when this process could not (it was killed).
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { KubeClient } from '../../kube/kube-client.js';
import {
  acquireLease,
  LeaseTimeoutError,
  type HeldLease,
  type LeaseHolder,
  type LeaseView,
} from '../../kube/lease-lock.js';
import type { CleanupEntry } from '../../pipeline/cleanup.js';
import type { StageContext } from '../../pipeline/stage.js';

/** How long a lock outlives its holder's last renewal (it is renewed every third of this). */
export const LOCK_DURATION_S = 60;

export const lockName = (release: string): string => `${release}-deploy-lock`;

/** Who this run is, as the Lease records it and another run's message names it. */
export function lockHolder(env: NodeJS.ProcessEnv): LeaseHolder {
  const nonce = randomUUID().slice(0, 8);
  const run = env['GITHUB_RUN_ID'];
  if (run) {
    const attempt = env['GITHUB_RUN_ATTEMPT'] ?? '1';
    const url =
      env['GITHUB_SERVER_URL'] && env['GITHUB_REPOSITORY']
        ? ` ${env['GITHUB_SERVER_URL']}/${env['GITHUB_REPOSITORY']}/actions/runs/${run}`
        : '';
    return {
      identity: `github-run-${run}-${attempt}-${nonce}`,
      description: `workflow '${env['GITHUB_WORKFLOW'] ?? '?'}' run ${run} (attempt ${attempt}${env['GITHUB_JOB'] ? `, job ${env['GITHUB_JOB']}` : ''})${url}`,
    };
  }
  let user = env['USER'] ?? '';
  try {
    user ||= userInfo().username;
  } catch {
    user ||= 'unknown';
  }
  return {
    identity: `cli-${hostname()}-${process.pid}-${nonce}`,
    description: `the litmus-aio CLI of ${user}@${hostname()} (pid ${process.pid})`,
  };
}

export function lockTimeoutMessage(e: LeaseTimeoutError, c: { release: string; namespace: string }): string {
  const held: LeaseView = e.held;
  return `release ${c.release} in namespace ${c.namespace} is being deployed by ${held.description}: it holds the deploy lock (Lease ${c.namespace}/${lockName(c.release)})${held.since ? ` since ${held.since}` : ''}; waited ${Math.round(e.waitedMs / 1000)} s (lock-timeout), nothing was changed. Fix: let that run finish (or cancel it) and run again, or raise lock-timeout; a lock whose run was killed is freed by its post step, or expires ${LOCK_DURATION_S} s after its last renewal`;
}

export interface DeployLock extends HeldLease {
  holder: LeaseHolder;
}

/** Takes the release's deploy lock (waiting up to lock-timeout), registered for cleanup until released. */
export async function takeDeployLock(
  kube: KubeClient,
  c: { release: string; namespace: string; lockTimeoutS: number },
  env: NodeJS.ProcessEnv,
  ctx: Pick<StageContext, 'log' | 'cleanup' | 'signal'>,
  kubeconfigPath: string,
): Promise<DeployLock> {
  const holder = lockHolder(env);
  let held: HeldLease;
  try {
    held = await acquireLease(kube, {
      namespace: c.namespace,
      name: lockName(c.release),
      holder,
      durationS: LOCK_DURATION_S,
      timeoutMs: c.lockTimeoutS * 1000,
      signal: ctx.signal,
      labels: { 'app.kubernetes.io/managed-by': 'litmus-aio', 'app.kubernetes.io/instance': c.release },
      onWait: (h) =>
        ctx.log.info(
          `waiting for the deploy lock: held by ${h.description}${h.since ? ` since ${h.since}` : ''} (up to ${c.lockTimeoutS} s)`,
        ),
      onWarn: (m) => ctx.log.warn(m),
    });
  } catch (e) {
    if (e instanceof LeaseTimeoutError) throw new Error(lockTimeoutMessage(e, c), { cause: e });
    if (ctx.signal.aborted)
      throw new Error(
        `cancelled while waiting for the deploy lock of release ${c.release}; nothing was changed`,
        {
          cause: e,
        },
      );
    throw e;
  }
  const entry: CleanupEntry = {
    kind: 'lease',
    namespace: c.namespace,
    name: lockName(c.release),
    identity: holder.identity,
    kubeconfig: kubeconfigPath,
    label: `deploy lock of release ${c.release}`,
  };
  ctx.cleanup.add(entry);
  return {
    holder,
    lost: held.lost,
    /** Never throws (it runs in `finally`): a lock it could not free stays registered for the post step. */
    async release() {
      try {
        await held.release();
        ctx.cleanup.remove(entry);
      } catch (e) {
        ctx.log.warn(
          `could not free the deploy lock (Lease ${c.namespace}/${lockName(c.release)}): ${(e as Error).message}; the post step tries again, and it expires ${LOCK_DURATION_S} s after its last renewal`,
        );
      }
    },
  };
}
