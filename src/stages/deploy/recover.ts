// Getting a release back to its last working revision: after a failed rollout (rollbackRelease), and for a release
// an interrupted run left in pending-install/upgrade/rollback, which blocks every upgrade ("another operation is in
// progress"). `helm rollback` has no such check, so rolling back to the last deployed revision recovers it; a
// release that was never deployed is uninstalled (the chart keeps the data volume: helm.sh/resource-policy keep).
import type { HelmRevision } from '../../helm/helm-json.js';
import { helmErrorText, type Helm } from '../../helm/helm.js';
import type { Logger } from '../../pipeline/logger.js';
import type { DeployDecision } from './decide.js';

export interface RollbackContext {
  log: Logger;
  signal: AbortSignal;
}

/** The run was cancelled while helm worked: helm got SIGINT and marked the release failed. */
export class DeployCancelled extends Error {
  override name = 'DeployCancelled';
}

export function cancelledWhile(what: string, c: { release: string }): DeployCancelled {
  return new DeployCancelled(
    `cancelled while ${what}: helm was interrupted (SIGINT) and marks release ${c.release} failed; the next run continues from there (a release left pending is rolled back to its last deployed revision first)`,
  );
}

/**
 * Rolls `release` back to revision `to` (waiting for it to be ready), or with no revision to go back to,
 * uninstalls it. Returns what was done, as a change line; throws when helm fails.
 */
export async function rollbackRelease(
  helm: Helm,
  s: { release: string; namespace: string; deployTimeoutS: number },
  to: number | undefined,
  ctx: RollbackContext,
): Promise<string> {
  const o = {
    timeoutS: s.deployTimeoutS,
    signal: ctx.signal,
    onLine: (l: string) => ctx.log.debug(`helm: ${l}`),
  };
  const what =
    to === undefined
      ? `uninstalled release ${s.release} (no revision of it ever became ready; its data volume claim is kept)`
      : `rolled release ${s.release} back to revision ${to}`;
  ctx.log.info(
    to === undefined ? `uninstalling release ${s.release}` : `rolling ${s.release} back to revision ${to}`,
  );
  const r =
    to === undefined
      ? await helm.uninstall(s.release, s.namespace, o)
      : await helm.rollback(s.release, s.namespace, to, o);
  if (r.cancelled)
    throw cancelledWhile(to === undefined ? 'uninstalling' : `rolling back to revision ${to}`, s);
  if (r.code !== 0)
    throw new Error(
      `${to === undefined ? 'uninstalling' : `rolling back to revision ${to}`} failed too: ${helmErrorText(r)}`,
    );
  return what;
}

export function historyLines(history: readonly HelmRevision[]): string[] {
  return history.map(
    (r) =>
      `revision ${r.revision} ${r.status} ${r.updated} ${r.chart}${r.description ? `: ${r.description}` : ''}`,
  );
}

/** A release stuck pending: log its history, then roll back to the last deployed revision (or uninstall). */
export async function recoverPending(
  helm: Helm,
  s: { release: string; namespace: string; deployTimeoutS: number },
  d: Extract<DeployDecision, { action: 'recover' }>,
  history: readonly HelmRevision[],
  ctx: RollbackContext,
): Promise<string> {
  ctx.log.warn(
    `release ${s.release} is ${d.pending.status} (revision ${d.pending.revision}): an earlier run was interrupted before helm finished. Its history:`,
  );
  for (const line of historyLines(history)) ctx.log.info(`  ${line}`);
  try {
    const done = await rollbackRelease(helm, s, d.to?.revision, ctx);
    return `recovered release ${s.release} from ${d.pending.status} (revision ${d.pending.revision}): ${done}`;
  } catch (e) {
    if (e instanceof Error && e.name === 'DeployCancelled') throw e;
    throw new Error(
      `release ${s.release} is stuck in ${d.pending.status} and could not be recovered: ${(e as Error).message}. Fix: look at helm history ${s.release} -n ${s.namespace}; helm rollback ${s.release} <last deployed revision> -n ${s.namespace} unblocks it`,
      { cause: e },
    );
  }
}
