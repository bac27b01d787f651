// Deploying one release, the way the deploy stage (and the upgrade command) does it, once the deploy lock is held:
// observe -> recover a pending release -> decide -> `helm upgrade --install --wait=watcher` with progress -> on
// failure: diagnose FIRST (the rollback replaces the evidence), then roll back to the previous revision (or
// uninstall a first install that never worked) and fail with one error that says what happened and what to do.
import { helmErrorText, type Helm } from '../../helm/helm.js';
import type { HelmRevision } from '../../helm/helm-json.js';
import type { KubeClient } from '../../kube/kube-client.js';
import type { PodLogReader } from '../../kube/pod-logs.js';
import type { Logger } from '../../pipeline/logger.js';
import { decideDeploy, lastDeployed, type DeployDecision, type DesiredRelease } from './decide.js';
import { describeDeploy } from './describe.js';
import { diagnoseRollout, type Diagnosis } from './diagnose.js';
import { collectEvidence } from './evidence.js';
import { observeRelease } from './observe.js';
import { watchRollout } from './progress.js';
import { cancelledWhile, recoverPending, rollbackRelease } from './recover.js';
import type { DeploySettings } from './settings.js';
import { imageOfValues } from './values.js';

export { rollbackRelease } from './recover.js';

export interface ReleaseTools {
  helm: Helm;
  kube: KubeClient;
  podLogs(): Promise<PodLogReader>;
}

export interface DeployRunContext {
  log: Logger;
  signal: AbortSignal;
}

export type DesiredChart = DesiredRelease & {
  /** What helm installs: a chart directory, .tgz or oci:// reference. */
  chartRef: string;
};

export interface DeployOutcome {
  changed: boolean;
  changes: string[];
  /** The revision deployed now. */
  revision: number;
  /** The revision deployed before this run (undefined for a first install). */
  previousRevision?: number;
  /** What the release runs (repository:tag@digest). */
  image: string;
  /** What it ran before this run (undefined for a first install). */
  previousImage?: string;
}

type Settings = Pick<DeploySettings, 'release' | 'namespace' | 'deployTimeoutS' | 'pullSecret'>;

/** The rollout failed; `diagnosis` was worked out before the rollback, `done` says what the rollback did. */
export class DeployFailed extends Error {
  override name = 'DeployFailed';
  constructor(
    readonly diagnosis: Diagnosis,
    readonly done: string,
  ) {
    super(
      `${diagnosis.problem}. Fix: ${diagnosis.fix}. Then: ${done}.\nEvidence (collected before the rollback):\n${diagnosis.evidence.map((l) => `  - ${l}`).join('\n')}`,
    );
  }
}

/** Why the release's rollout is not ready: its pods, containers, logs, claims and events, as one diagnosis. */
export async function diagnoseRelease(t: ReleaseTools, s: Settings, helmError: string): Promise<Diagnosis> {
  const evidence = await collectEvidence(t.kube, await t.podLogs(), s);
  const d = diagnoseRollout(evidence, {
    release: s.release,
    namespace: s.namespace,
    ...(s.pullSecret ? { pullSecret: s.pullSecret } : {}),
    deployTimeoutS: s.deployTimeoutS,
    helmError,
  });
  return { ...d, evidence: [`helm: ${helmError}`, ...d.evidence] };
}

/** helm upgrade --install and wait; on failure diagnose, roll back to `previous` (or uninstall), throw. */
async function rollout(
  t: ReleaseTools,
  s: Settings,
  desired: DesiredChart,
  history: readonly HelmRevision[],
  ctx: DeployRunContext,
): Promise<void> {
  // A rollout the pods show cannot succeed ends helm's wait (as a cancel) rather than running out the timeout.
  const giveUp = new AbortController();
  let hopeless: string | undefined;
  const stopProgress = await watchRollout(t.kube, s, ctx.log, {
    onHopeless: (why) => {
      hopeless = why;
      ctx.log.warn(`the rollout cannot succeed: ${why}; not waiting the rest of deploy-timeout`);
      giveUp.abort();
    },
  });
  const r = await t.helm
    .upgradeInstall({
      release: s.release,
      namespace: s.namespace,
      chart: desired.chartRef,
      values: desired.values,
      timeoutS: s.deployTimeoutS,
      signal: AbortSignal.any([ctx.signal, giveUp.signal]),
      onLine: (l) => ctx.log.debug(`helm: ${l}`),
    })
    .finally(stopProgress);
  if (r.cancelled && (ctx.signal.aborted || !hopeless))
    throw cancelledWhile(`helm upgraded release ${s.release}`, s);
  if (r.code === 0 && !r.cancelled) return;
  const helmError = hopeless ? `stopped waiting for the rollout: ${hopeless}` : helmErrorText(r);
  // helm refused before writing a revision (bad values, schema, chart): nothing changed, nothing to roll back.
  const after = await t.helm.history(s.release, s.namespace);
  if ((after.at(-1)?.revision ?? 0) === (history.at(-1)?.revision ?? 0))
    throw new Error(
      `helm refused to deploy release ${s.release}, nothing was changed: ${helmError}. Fix: correct what helm names (values, or the chart)`,
    );
  const diagnosis = await diagnoseRelease(t, s, helmError);
  ctx.log.error(`the rollout failed: ${diagnosis.problem}`);
  let done: string;
  try {
    done = await rollbackRelease(t.helm, s, lastDeployed(history)?.revision, ctx);
  } catch (e) {
    if (e instanceof Error && e.name === 'DeployCancelled') throw e;
    done = `${(e as Error).message}; the release is left as helm reports it (helm history ${s.release} -n ${s.namespace})`;
  }
  throw new DeployFailed(diagnosis, done);
}

/** Brings a pending release back first; returns what was done and the release as it is then. */
async function recoverIfPending(
  t: ReleaseTools,
  s: Settings,
  desired: DesiredChart,
  ctx: DeployRunContext,
): Promise<{ changes: string[]; history: HelmRevision[]; d: DeployDecision; before?: string }> {
  let observed = await observeRelease(t.helm, t.kube, s);
  let d = decideDeploy(observed, desired);
  const before = imageOfValues(observed.values);
  if (d.action !== 'recover')
    return { changes: [], history: observed.history, d, ...(before ? { before } : {}) };
  const change = await recoverPending(t.helm, s, d, observed.history, ctx);
  observed = await observeRelease(t.helm, t.kube, s);
  d = decideDeploy(observed, desired);
  if (d.action === 'recover')
    throw new Error(
      `release ${s.release} is still ${d.pending.status} after the recovery; nothing else was changed`,
    );
  const recovered = imageOfValues(observed.values);
  return { changes: [change], history: observed.history, d, ...(recovered ? { before: recovered } : {}) };
}

/** Deploys `desired` as release `s.release` (the caller holds the deploy lock and made the namespace). */
export async function deployRelease(
  t: ReleaseTools,
  s: Settings,
  desired: DesiredChart,
  ctx: DeployRunContext,
): Promise<DeployOutcome> {
  const image = imageOfValues(desired.values) ?? '(chart default)';
  const { changes, history, d, before } = await recoverIfPending(t, s, desired, ctx);
  const previous = lastDeployed(history);
  const was = before ? { previousImage: before } : {};
  if (d.action === 'none')
    return {
      changed: changes.length > 0,
      changes,
      revision: d.revision.revision,
      previousRevision: d.revision.revision,
      image,
      ...was,
    };
  const lines = describeDeploy(d, desired, { ...s, namespaceExists: true });
  for (const l of lines) ctx.log.info(l);
  await rollout(t, s, desired, history, ctx);
  const now = await t.helm.status(s.release, s.namespace);
  return {
    changed: true,
    changes: [...changes, ...lines],
    revision: now?.revision ?? (history.at(-1)?.revision ?? 0) + 1,
    ...(previous ? { previousRevision: previous.revision } : {}),
    image,
    ...was,
  };
}

/** Plan mode: what deployRelease would do, changing nothing. */
export async function planRelease(t: ReleaseTools, s: Settings, desired: DesiredChart): Promise<string[]> {
  const observed = await observeRelease(t.helm, t.kube, s);
  const d = decideDeploy(observed, desired);
  const c = { ...s, namespaceExists: observed.namespaceExists };
  if (d.action !== 'recover') return describeDeploy(d, desired, c);
  // After the recovery the release is its last deployed revision (or gone): plan against that.
  const back = observed.history.filter((r) => r.revision <= (d.to?.revision ?? 0));
  const then = decideDeploy({ ...observed, history: back }, desired);
  return [...describeDeploy(d, desired, c), ...describeDeploy(then, desired, c)];
}
