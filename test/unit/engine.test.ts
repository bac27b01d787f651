import { describe, expect, test } from 'vitest';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { runPipeline } from '../../src/pipeline/engine.js';
import type { Stage, StageContext, StageOutcome } from '../../src/pipeline/stage.js';
import { recordingReporter } from '../support/recording-reporter.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}
const deferred = (): Deferred => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/** A stage whose apply waits on a gate the test opens, and records what was called. */
function stage(
  name: string,
  needs: string[],
  calls: string[],
  behaviour: {
    gate?: Deferred;
    fail?: string;
    outcome?: StageOutcome;
    onApply?: (ctx: StageContext) => void;
  } = {},
): Stage {
  const outcome = behaviour.outcome ?? {
    changed: true,
    changes: [`${name} did something`],
    outputs: { from: name },
  };
  return {
    name,
    needs,
    async plan() {
      calls.push(`plan ${name}`);
      return { ...outcome, changes: outcome.changes.map((c) => `would: ${c}`) };
    },
    async apply(ctx) {
      calls.push(`apply ${name}`);
      behaviour.onApply?.(ctx);
      await behaviour.gate?.promise;
      calls.push(`done ${name}`);
      if (behaviour.fail) throw new Error(behaviour.fail);
      return outcome;
    },
  };
}

const cleanup = () => createCleanupRegistry({ save: () => undefined, load: () => '' });

describe('pipeline engine', () => {
  test('runs stages in dependency order whatever order they are given in', async () => {
    const calls: string[] = [];
    const reporter = recordingReporter();
    await runPipeline([stage('c', ['b'], calls), stage('b', ['a'], calls), stage('a', [], calls)], {
      mode: 'apply',
      reporter,
      cleanup: cleanup(),
      skipPreflight: true,
    });
    expect(calls).toEqual(['apply a', 'done a', 'apply b', 'done b', 'apply c', 'done c']);
  });

  test('independent stages run concurrently; a dependant waits for all its needs', async () => {
    const calls: string[] = [];
    const gateA = deferred();
    const gateB = deferred();
    const reporter = recordingReporter();
    const run = runPipeline(
      [
        stage('a', [], calls, { gate: gateA }),
        stage('b', [], calls, { gate: gateB }),
        stage('c', ['a', 'b'], calls),
      ],
      { mode: 'apply', reporter, cleanup: cleanup(), skipPreflight: true },
    );
    // Both independent stages have started while neither has finished.
    await expect.poll(() => calls).toEqual(['apply a', 'apply b']);
    gateB.resolve();
    await expect.poll(() => calls).toContain('done b');
    expect(calls).not.toContain('apply c');
    gateA.resolve();
    const summary = await run;
    expect(calls.at(-2)).toBe('apply c');
    expect(summary.results.map((r) => r.stage)).toEqual(['a', 'b', 'c']);
  });

  test('dependants of a failed stage are skipped with the reason; independent stages still run', async () => {
    const calls: string[] = [];
    const reporter = recordingReporter();
    const summary = await runPipeline(
      [
        stage('certs', [], calls, { fail: 'cluster said no' }),
        stage('authpolicy', ['certs'], calls),
        stage('smoke', ['authpolicy'], calls),
        stage('mirror', [], calls),
      ],
      { mode: 'apply', reporter, cleanup: cleanup() },
    );
    expect(summary.ok).toBe(false);
    const byStage = Object.fromEntries(summary.results.map((r) => [r.stage, r]));
    expect(byStage['certs']).toMatchObject({ status: 'failed', error: { message: 'cluster said no' } });
    expect(byStage['authpolicy']).toMatchObject({ status: 'skipped', reason: "needs 'certs', which failed" });
    expect(byStage['smoke']).toMatchObject({
      status: 'skipped',
      reason: "needs 'authpolicy', which skipped",
    });
    expect(byStage['mirror']!.status).toBe('changed');
    expect(calls).not.toContain('apply authpolicy');
    expect(calls).not.toContain('apply smoke');
  });

  test('plan mode calls only plan, never apply, and reports no change made', async () => {
    const calls: string[] = [];
    const reporter = recordingReporter();
    const summary = await runPipeline([stage('a', [], calls), stage('b', ['a'], calls)], {
      mode: 'plan',
      reporter,
      cleanup: cleanup(),
    });
    expect(calls).toEqual(['plan a', 'plan b']);
    expect(summary.results[0]!.changes).toEqual(['would: a did something']);
    expect(summary.changed).toBe(false);
    expect(summary.results.map((r) => r.status)).toEqual(['changed', 'changed']);
  });

  test('unchanged stages make changed=false; outputs flow to dependants', async () => {
    const calls: string[] = [];
    let seen: unknown;
    const summary = await runPipeline(
      [
        stage('a', [], calls, { outcome: { changed: false, changes: [], outputs: { digest: 'sha256:1' } } }),
        stage('b', ['a'], calls, {
          outcome: { changed: false, changes: [] },
          onApply: (ctx) => (seen = ctx.upstream.get('a')),
        }),
      ],
      { mode: 'apply', reporter: recordingReporter(), cleanup: cleanup() },
    );
    expect(summary.changed).toBe(false);
    expect(summary.ok).toBe(true);
    expect(seen).toEqual({ digest: 'sha256:1' });
  });

  test('pre-skipped stages are reported in order and their needs are assumed in place', async () => {
    const calls: string[] = [];
    const reporter = recordingReporter();
    const summary = await runPipeline([stage('deploy', ['mirror'], calls)], {
      mode: 'apply',
      reporter,
      cleanup: cleanup(),
      preSkipped: new Map([['mirror', 'not available']]),
      order: ['mirror', 'deploy'],
    });
    expect(summary.results.map((r) => `${r.stage}:${r.status}`)).toEqual([
      'mirror:skipped',
      'deploy:changed',
    ]);
    expect(summary.results[0]!.reason).toBe('not available');
  });

  test('a stage not started before cancellation is skipped as cancelled', async () => {
    const calls: string[] = [];
    const abort = new AbortController();
    const gate = deferred();
    const run = runPipeline([stage('a', [], calls, { gate }), stage('b', ['a'], calls)], {
      mode: 'apply',
      reporter: recordingReporter(),
      cleanup: cleanup(),
      signal: abort.signal,
      skipPreflight: true,
    });
    await expect.poll(() => calls).toEqual(['apply a']);
    abort.abort();
    gate.resolve();
    const summary = await run;
    expect(summary.results[1]).toMatchObject({ stage: 'b', status: 'skipped', reason: 'cancelled' });
  });

  test('an apply plans every stage first (as a preflight, quietly), then applies', async () => {
    const calls: string[] = [];
    const seen: Array<boolean | undefined> = [];
    const reporter = recordingReporter();
    const spy = (name: string, needs: string[]): Stage => {
      const s = stage(name, needs, calls);
      return { ...s, plan: (ctx) => (seen.push(ctx.preflight), s.plan(ctx)) };
    };
    const summary = await runPipeline([spy('a', []), spy('b', ['a'])], {
      mode: 'apply',
      reporter,
      cleanup: cleanup(),
    });
    expect(calls).toEqual(['plan a', 'plan b', 'apply a', 'done a', 'apply b', 'done b']);
    expect(seen).toEqual([true, true]);
    expect(summary.results.map((r) => [r.stage, r.status])).toEqual([
      ['a', 'changed'],
      ['b', 'changed'],
    ]);
  });

  test('a stage whose preflight refuses stops every stage before any write', async () => {
    const calls: string[] = [];
    const refusing: Stage = {
      ...stage('b', ['a'], calls),
      plan: async () => {
        calls.push('plan b');
        throw new Error('b: nothing was changed: drift on X');
      },
    };
    const summary = await runPipeline([stage('a', [], calls), refusing, stage('c', [], calls)], {
      mode: 'apply',
      reporter: recordingReporter(),
      cleanup: cleanup(),
    });
    expect(calls.filter((c) => c.startsWith('apply'))).toEqual([]);
    expect(summary.ok).toBe(false);
    expect(summary.changed).toBe(false);
    expect(summary.results).toMatchObject([
      { stage: 'a', status: 'skipped', reason: expect.stringContaining("the preflight of 'b' refused") },
      { stage: 'b', status: 'failed', error: { message: 'b: nothing was changed: drift on X' } },
      { stage: 'c', status: 'skipped' },
    ]);
  });

  test('drift a stage reports is kept apart from its changes and flags the summary', async () => {
    const calls: string[] = [];
    const outcome = { changed: false, changes: [], drift: ['drift: X was edited'] };
    const summary = await runPipeline([stage('a', [], calls, { outcome })], {
      mode: 'plan',
      reporter: recordingReporter(),
      cleanup: cleanup(),
    });
    expect(summary.drift).toBe(true);
    expect(summary.results[0]).toMatchObject({
      status: 'unchanged',
      changes: [],
      drift: ['drift: X was edited'],
    });
  });

  test.each([
    {
      name: 'cycle',
      stages: [
        ['a', ['b']],
        ['b', ['a']],
      ],
      message: 'Stage dependency cycle: a -> b -> a',
    },
    {
      name: 'unknown need',
      stages: [['a', ['zzz']]],
      message: "Stage 'a' needs 'zzz', which is not a stage",
    },
    {
      name: 'duplicate name',
      stages: [
        ['a', []],
        ['a', []],
      ],
      message: 'Pipeline has two stages with the same name',
    },
  ] as const)('rejects an unrunnable graph: $name', async ({ stages, message }) => {
    const calls: string[] = [];
    await expect(
      runPipeline(
        stages.map(([n, needs]) => stage(n, [...needs], calls)),
        { mode: 'apply', reporter: recordingReporter(), cleanup: cleanup() },
      ),
    ).rejects.toThrow(message);
    expect(calls).toEqual([]);
  });

  test('durations come from the injected clock', async () => {
    let t = 0;
    const calls: string[] = [];
    const s = stage('a', [], calls);
    const slow: Stage = {
      ...s,
      apply: async (ctx) => {
        t += 1500;
        return s.apply(ctx);
      },
    };
    const summary = await runPipeline([slow], {
      mode: 'apply',
      reporter: recordingReporter(),
      cleanup: cleanup(),
      now: () => t,
    });
    expect(summary.results[0]!.durationMs).toBe(1500);
  });
});
