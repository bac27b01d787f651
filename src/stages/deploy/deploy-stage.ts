// Stage `deploy`: the Litmus Edge chart as a Helm release, safely. helm (>= 4.1.2) is checked first; the image is
// pinned by digest and the chart read before anything changes; then namespace, the deploy lock (a Lease per
// release), recovery of a release an interrupted run left pending, and `helm upgrade --install --wait=watcher`
// with progress, diagnosis and rollback (deploy-release.ts). Nothing is upgraded when chart version, values and
// image digest are what the release already runs. Plan mode shows the image change and the values diff.
import { STAGE_CATALOG } from '../../config/catalog.js';
import type { Helm } from '../../helm/helm.js';
import type { KubeClient } from '../../kube/kube-client.js';
import type { Logger } from '../../pipeline/logger.js';
import type { Stage, StageContext, StageOutcome } from '../../pipeline/stage.js';
import { ensureNamespace } from '../mirror/pull-secret.js';
import type { StageDeps } from '../stage-deps.js';
import { deployRelease, planRelease, type DeployOutcome, type DesiredChart } from './deploy-release.js';
import { resolveDeployImage } from './image.js';
import { takeDeployLock } from './lock.js';
import { defaultDeployPorts, type DeployPorts } from './ports.js';
import { secretStrings } from './redact.js';
import { deploySettings, type DeploySettings } from './settings.js';
import { shippedChartDir } from './shipped-chart.js';
import { desiredValues } from './values.js';

/** The release as this run wants it: image pinned by digest, chart read, values merged. */
export async function desiredRelease(
  p: DeployPorts,
  helm: Helm,
  s: DeploySettings,
  ctx: StageContext,
): Promise<DesiredChart> {
  const image = await resolveDeployImage(s, ctx.upstream.get('mirror')?.['image'], p.digestOf, ctx.signal);
  ctx.log.info(`image ${image.ref} (from ${image.from})`);
  const chartRef = s.chart ?? shippedChartDir();
  return { chartRef, chart: await helm.chartMeta(chartRef), values: desiredValues(s, image) };
}

/** The pods would pull without credentials: say so now rather than as an ImagePullBackOff later. */
async function pullSecretNote(kube: KubeClient, s: DeploySettings, log: Logger): Promise<string[]> {
  if (!s.pullSecret) return [];
  if (await kube.get({ apiVersion: 'v1', kind: 'Secret', namespace: s.namespace, name: s.pullSecret }))
    return [];
  const note = `pull Secret ${s.namespace}/${s.pullSecret} does not exist: the pods pull without credentials (the mirror stage writes it; pull-secret: none for a public registry)`;
  log.warn(note);
  return [note];
}

function outcomeOf(r: DeployOutcome, created: boolean, s: DeploySettings, notes: string[]): StageOutcome {
  return {
    changed: r.changed || created,
    changes: [...(created ? [`create namespace ${s.namespace}`] : []), ...r.changes],
    details: [`release ${s.release} revision ${r.revision} runs ${r.image}`, ...notes],
    outputs: {
      'release-revision': String(r.revision),
      'previous-revision': r.previousRevision === undefined ? '' : String(r.previousRevision),
      'deployed-image': r.image,
      'previous-image': r.previousImage ?? '',
    },
  };
}

async function apply(
  p: DeployPorts,
  s: DeploySettings,
  helm: Helm,
  ctx: StageContext,
): Promise<StageOutcome> {
  const desired = await desiredRelease(p, helm, s, ctx);
  const kube = await p.kube();
  const created = await ensureNamespace(kube, s.namespace);
  const notes = await pullSecretNote(kube, s, ctx.log);
  const lock = await takeDeployLock(kube, s, p.env, ctx, helm.kubeconfigPath);
  try {
    const signal = AbortSignal.any([ctx.signal, lock.lost]);
    const tools = { helm, kube, podLogs: p.podLogs };
    return outcomeOf(await deployRelease(tools, s, desired, { log: ctx.log, signal }), created, s, notes);
  } catch (e) {
    if (lock.lost.aborted && !ctx.signal.aborted)
      throw new Error(`${(lock.lost.reason as Error).message}; ${(e as Error).message}`, { cause: e });
    throw e;
  } finally {
    await lock.release();
  }
}

async function plan(p: DeployPorts, s: DeploySettings, helm: Helm, ctx: StageContext): Promise<StageOutcome> {
  const desired = await desiredRelease(p, helm, s, ctx);
  const kube = await p.kube();
  const changes = await planRelease({ helm, kube, podLogs: p.podLogs }, s, desired);
  // With mirror in the same run, the pull Secret is written before deploy runs.
  const notes = s.mirrorSelected ? [] : await pullSecretNote(kube, s, ctx.log);
  return { changed: changes.length > 0, changes, ...(notes.length ? { details: notes } : {}) };
}

export function createDeployStage(deps: StageDeps, ports?: DeployPorts): Stage {
  const s = deploySettings(deps.inputs);
  // A password put into `values` must not show up in a log line either (plans show it as "(secret)").
  for (const secret of secretStrings(s.userValues)) deps.mask(secret);
  const p = ports ?? defaultDeployPorts(deps, s);
  const run = async (ctx: StageContext, step: typeof apply): Promise<StageOutcome> => {
    const helm = await p.helm(ctx.cleanup, ctx);
    try {
      return await step(p, s, helm, ctx);
    } finally {
      await helm.close();
    }
  };
  return {
    name: 'deploy',
    needs: STAGE_CATALOG.deploy.needs,
    plan: (ctx) => run(ctx, plan),
    apply: (ctx) => run(ctx, apply),
  };
}
