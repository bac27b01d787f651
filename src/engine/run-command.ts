// Runs one command: availability and reachability checks first, then the pipeline. Shared by action and CLI.
import { STAGE_NAMES, type StageName } from '../config/catalog.js';
import { InputError } from '../config/input-error.js';
import type { Inputs } from '../config/input-specs.js';
import { ClusterAccessError, prepareClusterAccess } from '../kube/cluster-access.js';
import { probeCluster as defaultProbe, type ClusterProbeResult } from '../kube/cluster-probe.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { KubeconfigSource } from '../kube/kubeconfig-source.js';
import type { CleanupRegistry } from '../pipeline/cleanup.js';
import { runPipeline } from '../pipeline/engine.js';
import type { PipelineSummary, Reporter } from '../pipeline/reporter.js';
import type { Stage } from '../pipeline/stage.js';
import type { AzureEnvironment } from '../azure/azure-access.js';
import { STAGE_REGISTRY, type StageRegistry } from '../stages/registry.js';
import { preflight, PreflightError } from './preflight.js';
import { buildStageDeps } from './stage-deps-factory.js';
import { VERSION } from '../version.js';

export interface EngineDeps {
  reporter: Reporter;
  cleanup: CleanupRegistry;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  registry?: StageRegistry;
  probeCluster?: (env: NodeJS.ProcessEnv) => Promise<ClusterProbeResult>;
  /** Registers a secret so no output shows it (GitHub: core.setSecret). */
  mask?: (secret: string) => void;
  /** Root of the pod's service-account files for cluster-access in-cluster (tests); a pod uses the real path. */
  inClusterRoot?: string;
  /** A ready Kubernetes client (tests); by default one is built from the cluster-access inputs. */
  kubeClient?: KubeClient;
  /** GitHub's ID token for an audience (the action passes core.getIDToken). */
  getIdToken?: (audience: string) => Promise<string>;
  /** Endpoints and CA for clouds the inputs do not name (Azure Stack, the test stand-ins). */
  azureEnvironment?: AzureEnvironment;
}

export { PreflightError };

const unavailable = (_stage: string): string => `not available in litmus-aio-action ${VERSION} yet`;

export async function runCommand(inputs: Inputs, deps: EngineDeps): Promise<PipelineSummary> {
  if (inputs.command === 'check-certs') {
    return (await import('../check-certs/run.js')).runCheckCerts(inputs, deps);
  }
  if (inputs.command === 'upgrade') {
    return (await import('./upgrade-command.js')).runUpgrade(inputs, deps, runCommand);
  }
  const registry = deps.registry ?? STAGE_REGISTRY;
  const missing = inputs.stages.filter((s) => !registry[s]);
  if (inputs.stagesExplicit && missing.length > 0) {
    const available = inputs.stages.filter((s) => registry[s]);
    throw new InputError(
      missing.map((s) => ({
        input: 'stages',
        source: 'selection',
        problem: `stage '${s}' is ${unavailable(s)}`,
        expected: `stages this version implements: ${Object.keys(registry).join(', ') || 'none yet'}`,
        example: available.length > 0 ? `stages: ${available.join(',')}` : 'command: plan',
      })),
    );
  }
  const mode = inputs.command === 'plan' ? 'plan' : 'apply';
  const preSkipped = new Map<string, string>(missing.map((s) => [s, unavailable(s)]));
  const notes: string[] = [];
  if (missing.length > 0) notes.push(`Stages ${missing.join(', ')} are ${unavailable('')}: skipped.`);

  const runnable = inputs.stages.filter((s) => registry[s]);
  // The cluster connection is made after the stages are built: the kubeconfig source is only read when a stage
  // first asks for its client.
  const box: { source?: KubeconfigSource } = {};
  const stageDeps = buildStageDeps(inputs, deps, () => box.source!);
  // Building the stages checks their cross-input rules (an InputError) before anything is contacted.
  const built = new Map<string, Stage>();
  for (const name of runnable) built.set(name, await registry[name as StageName]!(stageDeps));
  const source = (box.source = await connectCluster(inputs, deps));

  const checked = await preflight(inputs, runnable, mode, {
    probeCluster: () =>
      deps.probeCluster ? deps.probeCluster(deps.env) : defaultProbe(deps.env, 5000, source),
    azure: stageDeps.azure,
    kube: stageDeps.kube,
  });
  notes.push(...checked.notes);
  const access = deps.reporter.stageLogger('cluster-access');
  for (const w of checked.warnings) access.warn(w);
  // A plan that could not look at some stages must not pass as if it had (a pull-request check would stay green
  // while blind): those stages fail, unless the user accepts a partial plan.
  const blind = mode === 'plan' && !inputs['plan-partial'];
  for (const [s, why] of checked.skip) {
    const stage = built.get(s);
    if (blind && stage && !preSkipped.has(s)) built.set(s, unplannable(stage, why));
    else if (!preSkipped.has(s)) preSkipped.set(s, why);
  }
  const stages = [...built.values()].filter((s) => !preSkipped.has(s.name));
  return runPipeline(stages, {
    mode,
    reporter: deps.reporter,
    cleanup: deps.cleanup,
    ...(deps.signal ? { signal: deps.signal } : {}),
    preSkipped,
    order: inputs.stages,
    knownStages: STAGE_NAMES,
    notes,
  });
}

/** A stage the preflight found it cannot plan: it fails, saying why and how to accept a partial plan instead. */
function unplannable(stage: Stage, why: string): Stage {
  const fail = async (): Promise<never> => {
    throw new Error(
      `could not be planned: ${why}. Fix: resolve that (the notes above say how), or set plan-partial: true to accept a plan without this stage`,
    );
  };
  return { name: stage.name, needs: stage.needs, plan: fail, apply: fail };
}

/** cluster-access -> a kubeconfig source (for arc: a running proxy registered for cleanup). */
async function connectCluster(inputs: Inputs, deps: EngineDeps): Promise<KubeconfigSource> {
  try {
    return await prepareClusterAccess(inputs, {
      env: deps.env,
      cleanup: deps.cleanup,
      mask: deps.mask ?? (() => undefined),
      ...(deps.getIdToken ? { getIdToken: deps.getIdToken } : {}),
      log: deps.reporter.stageLogger('cluster-access'),
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.inClusterRoot ? { inClusterRoot: deps.inClusterRoot } : {}),
    });
  } catch (e) {
    if (e instanceof ClusterAccessError) throw new PreflightError(`${e.message}. Nothing was changed.`);
    throw e;
  }
}
