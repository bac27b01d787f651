// Runs one command: availability and reachability checks first, then the pipeline. Shared by action and CLI.
import { STAGE_CATALOG, STAGE_NAMES, type StageName } from '../config/catalog.js';
import { InputError } from '../config/input-error.js';
import type { Inputs } from '../config/input-specs.js';
import { probeCluster as defaultProbe, type ClusterProbeResult } from '../kube/cluster-probe.js';
import type { CleanupRegistry } from '../pipeline/cleanup.js';
import { runPipeline } from '../pipeline/engine.js';
import type { PipelineSummary, Reporter } from '../pipeline/reporter.js';
import type { Stage } from '../pipeline/stage.js';
import type { KubeClient } from '../kube/kube-client.js';
import { STAGE_REGISTRY, type StageRegistry } from '../stages/registry.js';
import type { StageDeps } from '../stages/stage-deps.js';
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
  /** Tests may wrap the clients stages get (e.g. to count requests). */
  stageDeps?: (deps: StageDeps) => StageDeps;
}

/** A failure found before any stage ran; nothing was changed. */
export class PreflightError extends Error {
  override name = 'PreflightError';
}

const unavailable = (_stage: string): string => `not available in litmus-aio-action ${VERSION} yet`;

export async function runCommand(inputs: Inputs, deps: EngineDeps): Promise<PipelineSummary> {
  if (inputs.command === 'check-certs' || inputs.command === 'upgrade') {
    throw new PreflightError(
      `Command '${inputs.command}' is not available in litmus-aio-action ${VERSION} yet. Use 'run' or 'plan'.`,
    );
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

  // Reachability: plan mode reports what it could not reach and goes on; apply mode stops before any change.
  const needsCluster = inputs.stages.filter((s) => STAGE_CATALOG[s].requires.includes('cluster'));
  if (needsCluster.length > 0) {
    const probe = await (deps.probeCluster ?? defaultProbe)(deps.env);
    if (probe.reachable) {
      notes.push(
        `Cluster reached: ${probe.server} (${probe.version ?? 'version unknown'}) via ${probe.via}.`,
      );
    } else {
      const what = `Could not reach the Kubernetes cluster via ${probe.via}: ${probe.problem}. Fix: ${probe.fix}.`;
      const runnable = needsCluster.filter((s) => registry[s]);
      if (mode === 'apply' && runnable.length > 0) {
        throw new PreflightError(`${what} Stages that need it: ${runnable.join(', ')}. Nothing was changed.`);
      }
      notes.push(`${what} Stages that need it (${needsCluster.join(', ')}) cannot be planned.`);
      for (const s of needsCluster)
        if (!preSkipped.has(s)) preSkipped.set(s, 'cluster unreachable (see above)');
    }
  }

  let kube: Promise<KubeClient> | undefined;
  const stageDeps: StageDeps = {
    inputs,
    kube: () => (kube ??= import('../kube/node-kube-client.js').then((m) => m.kubeClientFromEnv(deps.env))),
    mask: deps.mask ?? (() => undefined),
    now: () => new Date(),
  };
  const stages: Stage[] = [];
  for (const name of inputs.stages) {
    const factory = registry[name as StageName];
    if (factory && !preSkipped.has(name))
      stages.push(await factory(deps.stageDeps?.(stageDeps) ?? stageDeps));
  }
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
