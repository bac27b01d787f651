// Issue 11 item 11: a plan that could not look at the cluster must not pass (a pull-request check would stay
// green while blind). It fails unless plan-partial: true accepts a partial plan. CLI and action alike.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { runAction } from '../../src/github/run-action.js';
import { recordingCore } from '../support/recording-core.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plan-blind-'));
});

async function cli(args: string[], env: Record<string, string>) {
  let text = '';
  const sink = new Writable({
    write: (c: Buffer, _e, cb) => {
      text += c.toString();
      cb();
    },
  });
  const code = await runCli(args, { env: { HOME: dir, ...env }, out: sink, err: sink });
  return { code, text };
}

describe('plan without a reachable cluster', () => {
  test('CLI: exit 1, the stage failed as not planned, with the way out', async () => {
    const r = await cli(['plan', '--stage', 'certs'], { KUBECONFIG: join(dir, 'missing') });
    expect(r.code).toBe(1);
    expect(r.text).toContain(`no kubeconfig found at ${join(dir, 'missing')}`);
    expect(r.text).toMatch(/certs\s+failed.*could not be planned: cluster unreachable/);
    expect(r.text).toContain('set plan-partial: true to accept a plan without this stage');
  });

  test('CLI: --plan-partial true accepts the partial plan (exit 0, stage skipped)', async () => {
    const r = await cli(['plan', '--stage', 'certs', '--plan-partial', 'true'], {
      KUBECONFIG: join(dir, 'missing'),
    });
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/certs\s+skipped\s+.*cluster unreachable/);
  });

  test('CLI: stages that need the unplanned one are skipped, and the plan still fails', async () => {
    const r = await cli(['plan', '--stage', 'certs,authpolicy', '--authpolicy-mode', 'kubernetes'], {
      KUBECONFIG: join(dir, 'missing'),
    });
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/authpolicy\s+skipped.*needs 'certs', which failed/);
  });

  test('action: the step fails naming the stage; with plan-partial it passes', async () => {
    const env = { KUBECONFIG: join(dir, 'missing'), RUNNER_TEMP: dir };
    const blind = recordingCore({ command: 'plan', stages: 'certs' });
    await runAction(blind, { env });
    expect(blind.failed).toBe('Stage(s) failed: certs. Their errors are above and in the job summary.');
    expect(blind.lines.join('\n')).toMatch(
      /::error title=litmus-aio stage certs failed::could not be planned/,
    );

    const partial = recordingCore({ command: 'plan', stages: 'certs', 'plan-partial': 'true' });
    await runAction(partial, { env });
    expect(partial.failed).toBeUndefined();
    expect(JSON.parse(partial.outputs['result']!)).toEqual([
      expect.objectContaining({
        stage: 'certs',
        status: 'skipped',
        reason: 'cluster unreachable (see above)',
      }),
    ]);
  });

  test('an invalid kubeconfig fails the plan even with plan-partial (an input error, not a blind spot)', async () => {
    const core = recordingCore({
      command: 'plan',
      stages: 'certs',
      'plan-partial': 'true',
      kubeconfig: 'apiVersion: v1\nclusters:\n  - name: x\n   cluster: {}\n',
    });
    await runAction(core, { env: { RUNNER_TEMP: dir } });
    expect(core.failed).toMatch(
      /^Cannot use the kubeconfig \(the 'kubeconfig' input\): it is not valid YAML: line 4/,
    );
  });
});
