// The `upgrade` command: `litmus-edge-version` in → mirror → deploy → (connector) → smoke. When deploy fails (the
// stage has rolled the release back itself) or smoke fails after a deploy that changed the release, the release
// goes back to the previous revision and smoke runs again; the report shows both passes, and from → to.
import { InputError } from '../config/input-error.js';
import type { Inputs } from '../config/input-specs.js';
import type { PipelineSummary, Reporter } from '../pipeline/reporter.js';
import type { Stage, StageResult } from '../pipeline/stage.js';
import type { StageDeps } from '../stages/stage-deps.js';
import { STAGE_REGISTRY, type StageRegistry } from '../stages/registry.js';
import type { EngineDeps } from './run-command.js';

type RunStages = (inputs: Inputs, deps: EngineDeps) => Promise<PipelineSummary>;
/** Builds the stage that rolls the release back to a revision (the real one drives helm; tests pass a fake). */
export type RollbackFactory = (deps: StageDeps, to: number) => Promise<Stage>;

const helmRollback: RollbackFactory = async (d, to) =>
  (await import('../stages/deploy/rollback-stage.js')).createRollbackStage(d, to);

/** smoke must prove the new release, so it waits for deploy (its catalog needs do not include deploy). */
function afterDeploy(registry: StageRegistry): StageRegistry {
  const smoke = registry.smoke;
  if (!smoke) return registry;
  return {
    ...registry,
    smoke: async (d) => {
      const s = await smoke(d);
      return { ...s, needs: [...new Set([...s.needs, 'deploy'])] };
    },
  };
}

function upgradeStages(i: Inputs): Inputs['stages'] {
  const connector = Boolean(i['litmus-edge-token'] || i['litmus-edge-client-id']);
  return ['mirror', 'deploy', ...(connector ? (['connector'] as const) : []), 'smoke'];
}

/** Forwards one pass's events to the real reporter under other stage names; keeps its summary. */
function passReporter(real: Reporter, rename: Record<string, string>, first: boolean) {
  const name = (s: string): string => rename[s] ?? s;
  let summary: PipelineSummary | undefined;
  const reporter: Reporter = {
    pipelineStarted: (mode, stages, notes) =>
      first ? real.pipelineStarted(mode, stages.map(name), notes) : undefined,
    stageStarted: (s) => real.stageStarted(name(s)),
    stageLogger: (s) => real.stageLogger(name(s)),
    stageFinished: (r) => real.stageFinished({ ...r, stage: name(r.stage) }),
    pipelineFinished: async (s) => {
      summary = { ...s, results: s.results.map((r) => ({ ...r, stage: name(r.stage) })) };
    },
  };
  return { reporter, summary: () => summary! };
}

export function requireUpgradeInputs(i: Inputs): void {
  if (i['litmus-edge-version']) return;
  throw new InputError([
    {
      input: 'litmus-edge-version',
      source: 'command upgrade',
      problem: 'is required: it names the version to upgrade to',
      expected: 'a version such as 3.16.2 (moving tags like latest are refused)',
      example: 'litmus-edge-version: 3.16.2',
    },
  ]);
}

const by = (s: PipelineSummary): Record<string, StageResult | undefined> =>
  Object.fromEntries(s.results.map((r) => [r.stage, r]));

/** The second pass, if one is needed: which revision to go back to (undefined: only re-run smoke). */
function rollbackPlan(first: PipelineSummary): { to?: number; why: string } | undefined {
  const { deploy, smoke } = by(first);
  if (deploy?.status === 'failed') return { why: 'deploy failed (it rolled the release back itself)' };
  if (deploy?.status !== 'changed' || smoke?.status !== 'failed') return undefined;
  const previous = Number(deploy.outputs?.['previous-revision'] || NaN);
  if (!Number.isInteger(previous)) return undefined; // a first install: nothing to go back to
  return { to: previous, why: `smoke failed after deploy changed the release` };
}

function fromTo(first: PipelineSummary, i: Inputs): string {
  const { deploy, mirror } = by(first);
  const from = deploy?.outputs?.['previous-image'] || '(not installed)';
  const to = deploy?.outputs?.['deployed-image'] || mirror?.outputs?.['image'] || i['litmus-edge-version'];
  return `Upgrade of release ${i.release}: ${from} → ${to}.`;
}

export async function runUpgrade(
  inputs: Inputs,
  deps: EngineDeps,
  runStages: RunStages,
  rollback: RollbackFactory = helmRollback,
): Promise<PipelineSummary> {
  requireUpgradeInputs(inputs);
  const registry = afterDeploy(deps.registry ?? STAGE_REGISTRY);
  const run = { ...inputs, command: 'run' as const, stagesExplicit: true };
  const pass1 = passReporter(deps.reporter, {}, true);
  await runStages({ ...run, stages: upgradeStages(inputs) }, { ...deps, reporter: pass1.reporter, registry });
  const first = pass1.summary();
  const notes = [...first.notes, fromTo(first, inputs)];
  const back = rollbackPlan(first);
  let second: PipelineSummary | undefined;
  if (back) {
    notes.push(
      back.to === undefined
        ? `${back.why}: smoke runs again against the release as it is now.`
        : `${back.why}: rolling back to revision ${back.to}, then smoke again.`,
    );
    second = await rollbackPass(runStages, rollback, run, deps, registry, back.to);
  }
  const results = [...first.results, ...(second?.results ?? [])];
  const summary: PipelineSummary = {
    mode: 'apply',
    results,
    notes: [...notes, ...(second?.notes ?? []).filter((n) => !first.notes.includes(n))],
    durationMs: first.durationMs + (second?.durationMs ?? 0),
    // A rolled-back upgrade is a failed upgrade, however well the rollback went.
    ok: first.ok && !back,
    changed: results.some((r) => r.status === 'changed'),
    drift: first.drift || Boolean(second?.drift),
  };
  await deps.reporter.pipelineFinished(summary);
  return summary;
}

async function rollbackPass(
  runStages: RunStages,
  rollback: RollbackFactory,
  run: Inputs,
  deps: EngineDeps,
  registry: StageRegistry,
  to: number | undefined,
): Promise<PipelineSummary> {
  const pass = passReporter(deps.reporter, { deploy: 'rollback', smoke: 'smoke-after-rollback' }, false);
  const stages: Inputs['stages'] = to === undefined ? ['smoke'] : ['deploy', 'smoke'];
  const second: StageRegistry = {
    ...(to === undefined ? {} : { deploy: (d: StageDeps) => rollback(d, to) }),
    ...(registry.smoke ? { smoke: registry.smoke } : {}),
  };
  await runStages({ ...run, stages }, { ...deps, reporter: pass.reporter, registry: second });
  return pass.summary();
}
