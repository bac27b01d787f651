// Runs stages in dependency order, independent ones concurrently; a failure skips only its dependants.
import type { CleanupRegistry } from './cleanup.js';
import { assertRunnable } from './order.js';
import type { PipelineSummary, Reporter } from './reporter.js';
import type { Mode, Stage, StageContext, StageResult } from './stage.js';

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
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

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

  const selected = new Map(stages.map((s) => [s.name, s]));
  // A need that is not selected (or will not run) is assumed to be in place already.
  const deps = (s: Stage): string[] => s.needs.filter((n) => selected.has(n));

  const runOne = async (stage: Stage): Promise<StageResult> => {
    if (signal.aborted) {
      return { stage: stage.name, status: 'skipped', changes: [], durationMs: 0, reason: 'cancelled' };
    }
    reporter.stageStarted(stage.name);
    const t0 = now();
    const upstream = new Map<string, Record<string, string>>();
    for (const d of deps(stage)) upstream.set(d, results.get(d)?.outputs ?? {});
    const ctx: StageContext = {
      mode: options.mode,
      log: reporter.stageLogger(stage.name),
      cleanup: options.cleanup,
      signal,
      upstream,
    };
    try {
      const outcome = options.mode === 'plan' ? await stage.plan(ctx) : await stage.apply(ctx);
      return {
        stage: stage.name,
        status: outcome.changed ? 'changed' : outcome.passed ? 'passed' : 'unchanged',
        changes: outcome.changes,
        durationMs: Math.round(now() - t0),
        ...(outcome.details?.length ? { details: outcome.details } : {}),
        ...(outcome.outputs ? { outputs: outcome.outputs } : {}),
      };
    } catch (e) {
      return {
        stage: stage.name,
        status: 'failed',
        changes: [],
        durationMs: Math.round(now() - t0),
        error: { message: errorMessage(e) },
      };
    }
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
      running.set(
        name,
        runOne(stage).then((r) => {
          running.delete(name);
          finish(r);
        }),
      );
    }
    // Skipping a stage can unblock (skip) others at once; otherwise wait for any running stage.
    if (!progressed && running.size > 0) await Promise.race(running.values());
    else if (!progressed) break;
  }

  const ordered = order.map((n) => results.get(n)).filter((r): r is StageResult => r !== undefined);
  const summary: PipelineSummary = {
    mode: options.mode,
    results: ordered,
    notes: options.notes ?? [],
    durationMs: Math.round(now() - started),
    ok: ordered.every((r) => r.status !== 'failed'),
    changed: options.mode === 'apply' && ordered.some((r) => r.status === 'changed'),
  };
  await reporter.pipelineFinished(summary);
  return summary;
}
