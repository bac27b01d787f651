import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createGithubReporter } from '../../src/github/github-reporter.js';
import { renderMarkdown } from '../../src/pipeline/render.js';
import type { PipelineSummary } from '../../src/pipeline/reporter.js';
import { createTerminalReporter } from '../../src/terminal/terminal-reporter.js';
import { recordingCore } from '../support/recording-core.js';

const summary: PipelineSummary = {
  mode: 'apply',
  notes: ['Cluster reached: https://127.0.0.1:6443 (v1.32.0) via KUBECONFIG=/tmp/k.'],
  durationMs: 4321,
  ok: false,
  changed: true,
  drift: false,
  results: [
    {
      stage: 'certs',
      status: 'changed',
      changes: ['created root CA', 'issued leaf CN=aiomqttconnector'],
      durationMs: 812,
    },
    {
      stage: 'authpolicy',
      status: 'failed',
      changes: [],
      durationMs: 65_000,
      error: { message: 'port 18884 | used by listener <other>' },
    },
    {
      stage: 'smoke',
      status: 'skipped',
      changes: [],
      durationMs: 0,
      reason: "needs 'authpolicy', which failed",
    },
    { stage: 'mirror', status: 'unchanged', changes: [], durationMs: 40 },
  ],
};

describe('job summary markdown', () => {
  test('a table of stages with status, changes and duration; cells escaped', () => {
    expect(renderMarkdown(summary)).toBe(
      [
        '### litmus-aio: Run failed',
        '',
        '> Cluster reached: https://127.0.0.1:6443 (v1.32.0) via KUBECONFIG=/tmp/k.',
        '',
        '| Stage | Status | Changes | Duration |',
        '| --- | --- | --- | --- |',
        '| certs | 🟢 changed | created root CA<br>issued leaf CN=aiomqttconnector | 812 ms |',
        '| authpolicy | 🔴 failed | port 18884 \\| used by listener &lt;other&gt; | 1 min 5 s |',
        "| smoke | ⏭️ skipped | needs 'authpolicy', which failed | 0 ms |",
        '| mirror | ⚪ unchanged | no changes | 40 ms |',
        '',
        'Total: 4.3 s.',
        '',
      ].join('\n'),
    );
  });

  test('plan mode says "would change" and never claims a change was made', () => {
    const md = renderMarkdown({
      ...summary,
      mode: 'plan',
      ok: true,
      changed: false,
      results: [summary.results[0]!],
    });
    expect(md).toContain('### litmus-aio: Plan: changes pending');
    expect(md).toContain('| certs | 🟢 would change |');
  });

  test('all skipped is "no stage ran", not "up to date"', () => {
    const md = renderMarkdown({ ...summary, ok: true, changed: false, results: [summary.results[2]!] });
    expect(md).toContain('### litmus-aio: Run: no stage ran');
  });
});

describe('GitHub reporter', () => {
  test('groups each stage with its buffered logs, annotates failures, sets outputs and writes the summary', async () => {
    const core = recordingCore();
    const reporter = createGithubReporter(core, { summary: true });
    reporter.pipelineStarted('apply', ['certs', 'authpolicy'], ['a note']);
    reporter.stageStarted('certs');
    reporter.stageStarted('authpolicy');
    reporter.stageLogger('authpolicy').info('GET listener default');
    reporter.stageLogger('certs').info('reading secret');
    reporter.stageLogger('certs').warn('leaf expires in 3 days');
    reporter.stageFinished(summary.results[0]!);
    reporter.stageFinished(summary.results[1]!);
    await reporter.pipelineFinished(summary);
    const start = core.lines.indexOf('::group::🟢 certs: changed (812 ms)');
    expect(core.lines.slice(start, start + 6)).toEqual([
      '::group::🟢 certs: changed (812 ms)',
      'reading secret',
      'warning: leaf expires in 3 days',
      '  created root CA',
      '  issued leaf CN=aiomqttconnector',
      '::endgroup::',
    ]);
    expect(core.lines).toContain('::notice title=litmus-aio::a note');
    expect(core.lines).toContain('::warning title=litmus-aio certs::leaf expires in 3 days');
    expect(core.lines).toContain(
      '::error title=litmus-aio stage authpolicy failed::port 18884 | used by listener <other>',
    );
    expect(JSON.parse(core.outputs['result']!)).toEqual(summary.results);
    expect(core.outputs['changed']).toBe('true');
    expect(core.summaries).toEqual([renderMarkdown(summary)]);
  });

  test('summary: false writes no job summary', async () => {
    const core = recordingCore();
    await createGithubReporter(core, { summary: false }).pipelineFinished(summary);
    expect(core.summaries).toEqual([]);
    expect(core.outputs['changed']).toBe('true');
  });
});

function streams(isTTY: boolean) {
  const err = Object.assign(new PassThrough(), { isTTY });
  const out = new PassThrough();
  const read = (s: PassThrough): string => (s.read() as Buffer | null)?.toString() ?? '';
  return { err, out, text: () => ({ err: read(err), out: read(out) }) };
}

describe('terminal reporter', () => {
  test('without a TTY: one line per event, then an aligned table', async () => {
    const s = streams(false);
    const r = createTerminalReporter(s, { json: false });
    r.pipelineStarted('apply', ['certs', 'authpolicy', 'smoke', 'mirror'], ['a note']);
    r.stageStarted('certs');
    r.stageLogger('certs').info('reading secret');
    for (const res of summary.results) r.stageFinished(res);
    await r.pipelineFinished(summary);
    const { err, out } = s.text();
    expect(err).toContain('note: a note\n');
    expect(err).toContain('▶ certs started\n[certs] reading secret\n🟢 certs  changed (812 ms)\n');
    expect(out).toBe(
      [
        '',
        'Run failed (4.3 s)',
        '',
        'STAGE       STATUS          TIME  DETAILS',
        'certs       changed       812 ms  created root CA',
        '                                  issued leaf CN=aiomqttconnector',
        'authpolicy  failed     1 min 5 s  port 18884 | used by listener <other>',
        "smoke       skipped         0 ms  needs 'authpolicy', which failed",
        'mirror      unchanged      40 ms  no changes',
        '',
      ].join('\n'),
    );
  });

  test('with a TTY: live lines are redrawn in place (cursor up + clear)', async () => {
    const s = streams(true);
    const r = createTerminalReporter(s, { json: false, now: () => 0 });
    r.pipelineStarted('apply', ['certs'], []);
    r.stageStarted('certs');
    r.stageFinished(summary.results[0]!);
    await r.pipelineFinished({ ...summary, results: [summary.results[0]!] });
    const { err } = s.text();
    expect(err).toContain('  · certs  waiting\n');
    expect(err).toContain('\x1b[1A\x1b[0J');
    expect(err).toMatch(/⠋ certs {2}running 0\.0 s/);
    expect(err).toContain('🟢 certs  changed (812 ms)');
  });

  test('--json prints the whole summary as JSON on stdout only', async () => {
    const s = streams(false);
    const r = createTerminalReporter(s, { json: true });
    await r.pipelineFinished(summary);
    expect(JSON.parse(s.text().out)).toEqual(summary);
  });
});
