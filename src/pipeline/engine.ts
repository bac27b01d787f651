// Runs stages in dependency order, independent ones concurrently; a failure skips only its dependants. An apply
// is preceded by a preflight: every stage plans first (reads only), and if any refuses — a conflict, drift, a
// missing prerequisite — no stage writes anything, so a run applies everything it plans or nothing.
import type { CleanupRegistry } from './cleanup.js';
import { silentLogger } from './logger.js';
import { assertRunnable } from './order.js';
import type { PipelineSummary, Reporter } from './reporter.js';
import type { Mode, Stage, StageContext, StageOutcome, StageResult } from './stage.js';

export interface PipelineOptions {
  mode: Mode;
  reporter: Reporter;
  cleanup: CleanupRegistry;
  signal?: AbortSignal;
  /** Selected stages that will not run, with the reason (e.g. not available in this version). */
  preSkipped?: ReadonlyMap<string, string>;
  /** Report order; defaults to the order of `stages`. */
  order?: readonly string[];
  notes?: string[];
  /** Every stage name that may appear in `needs` (selected or not); defaults to the names this run knows. */
  knownStages?: readonly string[];
  now?: () => number;
  /** Apply without planning every stage first (default false: the preflight runs). */
  skipPreflight?: boolean;
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

interface DagRun {
  mode: Mode;
  preflight: boolean;
  signal: AbortSignal;
  now: () => number;
  cleanup: CleanupRegistry;
  /** Reporting hooks; the preflight passes quiet ones. */
  started(stage: string): void;
  finished(r: StageResult): void;
  logger: Reporter['stageLogger'];
}

function resultOf(stage: string, outcome: StageOutcome, durationMs: number): StageResult {
  return {
    stage,
    status: outcome.changed ? 'changed' : outcome.passed ? 'passed' : 'unchanged',
    changes: outcome.changes,
    durationMs,
    ...(outcome.details?.length ? { details: outcome.details } : {}),
    ...(outcome.outputs ? { outputs: outcome.outputs } : {}),
    ...(outcome.drift?.length ? { drift: outcome.drift } : {}),
  };
}

async function runOne(
  stage: Stage,
  run: DagRun,
  results: Map<string, StageResult>,
  deps: string[],
): Promise<StageResult> {
  if (run.signal.aborted) {
    return { stage: stage.name, status: 'skipped', changes: [], durationMs: 0, reason: 'cancelled' };
  }
  run.started(stage.name);
  const t0 = run.now();
  const upstream = new Map<string, Record<string, string>>();
  for (const d of deps) upstream.set(d, results.get(d)?.outputs ?? {});
  const ctx: StageContext = {
    mode: run.mode,
    log: run.logger(stage.name),
    cleanup: run.cleanup,
    signal: run.signal,
    upstream,
    ...(run.preflight ? { preflight: true } : {}),
  };
  try {
    const outcome = run.mode === 'plan' ? await stage.plan(ctx) : await stage.apply(ctx);
    return resultOf(stage.name, outcome, Math.round(run.now() - t0));
  } catch (e) {
    const durationMs = Math.round(run.now() - t0);
    return {
      stage: stage.name,
      status: 'failed',
      changes: [],
      durationMs,
      error: { message: errorMessage(e) },
    };
  }
}

/** Runs the selected stages as a DAG; `results` may hold pre-decided (skipped) stages. */
async function runDag(
  stages: readonly Stage[],
  run: DagRun,
  results: Map<string, StageResult>,
): Promise<void> {
  const selected = new Map(stages.map((s) => [s.name, s]));
  // A need that is not selected (or will not run) is assumed to be in place already.
  const deps = (s: Stage): string[] => s.needs.filter((n) => selected.has(n));
  const finish = (r: StageResult): void => {
    results.set(r.stage, r);
    run.finished(r);
  };
  const running = new Map<string, Promise<void>>();
  const pending = new Set(selected.keys());
  while (pending.size > 0 || running.size > 0) {
    let progressed = false;
    for (const name of [...pending]) {
      const stage = selected.get(name)!;
      const needs = deps(stage);
      if (!needs.every((d) => results.has(d))) continue;
      pending.delete(name);
      progressed = true;
      const blocker = needs.find((d) => ['failed', 'skipped'].includes(results.get(d)!.status));
      if (blocker) {
        const status = results.get(blocker)!.status;
        finish({
          stage: name,
          status: 'skipped',
          changes: [],
          durationMs: 0,
          reason: `needs '${blocker}', which ${status}`,
        });
        continue;
      }
      const p = runOne(stage, run, results, needs).then((r) => {
        running.delete(name);
        finish(r);
      });
      running.set(name, p);
    }
    // Skipping a stage can unblock (skip) others at once; otherwise wait for any running stage.
    if (!progressed && running.size > 0) await Promise.race(running.values());
    else if (!progressed) break;
  }
}

/**
 * Plans every stage without reporting; the refusals, if any, as the results to report instead of the apply (the
 * refusing stages failed, every other one skipped), or undefined when the apply may go ahead.
 */
async function preflight(
  stages: readonly Stage[],
  base: Omit<DagRun, 'mode' | 'preflight' | 'started' | 'finished' | 'logger'>,
): Promise<StageResult[] | undefined> {
  const planned = new Map<string, StageResult>();
  const quiet = { started: () => undefined, finished: () => undefined, logger: () => silentLogger };
  await runDag(stages, { ...base, ...quiet, mode: 'plan', preflight: true }, planned);
  const refused = [...planned.values()].filter((r) => r.status === 'failed');
  if (refused.length === 0 || base.signal.aborted) return undefined;
  const names = refused.map((r) => `'${r.stage}'`).join(', ');
  return stages.map((s) => {
    const r = planned.get(s.name);
    if (r?.status === 'failed') return r;
    return {
      stage: s.name,
      status: 'skipped',
      changes: [],
      durationMs: 0,
      reason: `not applied: the preflight of ${names} refused, so no stage of this run changed anything`,
    };
  });
}

export async function runPipeline(
  stages: readonly Stage[],
  options: PipelineOptions,
): Promise<PipelineSummary> {
  const now = options.now ?? (() => performance.now());
  const signal = options.signal ?? new AbortController().signal;
  const preSkipped = options.preSkipped ?? new Map<string, string>();
  assertRunnable(
    stages,
    new Set([
      ...stages.map((s) => s.name),
      ...preSkipped.keys(),
      ...(options.order ?? []),
      ...(options.knownStages ?? []),
    ]),
  );
  const order = options.order ?? [...stages.map((s) => s.name), ...preSkipped.keys()];
  const { reporter } = options;
  const started = now();
  reporter.pipelineStarted(options.mode, order, options.notes ?? []);

  const results = new Map<string, StageResult>();
  const finish = (r: StageResult): void => {
    results.set(r.stage, r);
    reporter.stageFinished(r);
  };
  for (const [stage, reason] of preSkipped)
    finish({ stage, status: 'skipped', changes: [], durationMs: 0, reason });

  const base = { signal, now, cleanup: options.cleanup };
  const refused =
    options.mode === 'apply' && !options.skipPreflight && stages.length > 1
      ? await preflight(stages, base)
      : undefined;
  if (refused) for (const r of refused) finish(r);
  else {
    const hooks = {
      started: (s: string) => reporter.stageStarted(s),
      finished: (r: StageResult) => reporter.stageFinished(r),
      logger: (s: string) => reporter.stageLogger(s),
    };
    await runDag(stages, { ...base, ...hooks, mode: options.mode, preflight: false }, results);
  }

  const ordered = order.map((n) => results.get(n)).filter((r): r is StageResult => r !== undefined);
  const summary: PipelineSummary = {
    mode: options.mode,
    results: ordered,
    notes: options.notes ?? [],
    durationMs: Math.round(now() - started),
    ok: ordered.every((r) => r.status !== 'failed'),
    changed: options.mode === 'apply' && ordered.some((r) => r.status === 'changed'),
    drift: ordered.some((r) => (r.drift?.length ?? 0) > 0),
  };
  await reporter.pipelineFinished(summary);
  return summary;
}
