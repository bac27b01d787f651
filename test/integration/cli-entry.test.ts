// The `litmus-aio` command as a user runs it: the bundled dist/cli.js in a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freshBundle, NODE } from '../support/fresh-bundle.js';

let dist: Awaited<ReturnType<typeof freshBundle>>;
let home: string;
beforeAll(async () => {
  dist = await freshBundle();
  home = mkdtempSync(join(tmpdir(), 'cli-'));
});
afterAll(() => dist.remove());

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(NODE, [join(dist.dir, 'cli.js'), ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: home, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('litmus-aio CLI', () => {
  test('--help lists commands, flags and the LITMUS_AIO_ variables', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: litmus-aio <command> [flags]');
    expect(r.out).toContain('Commands: run, plan, check-certs, upgrade');
    expect(r.out).toContain('LITMUS_AIO_<NAME>');
  });

  test('--version prints the package version', () => {
    expect(cli(['--version']).out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  test('no command: usage and exit 2', () => {
    const r = cli([]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: no command given.');
  });

  test('invalid flag and invalid value: every problem, exit 2, nothing changed', () => {
    const r = cli(['plan', '--stage', 'smok', '--summary', 'maybe']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "error: Input 'stages' (--stage): 'smok' is not a stage (did you mean 'smoke'?).",
    );
    expect(r.err).toContain("error: Input 'summary' (--summary): 'maybe' is not a boolean.");
    expect(r.err).toContain('Nothing was changed.');
  });

  test('an unknown LITMUS_AIO_ variable is an error, not silently ignored', () => {
    const r = cli(['plan'], { LITMUS_AIO_STAGESS: 'certs' });
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "'LITMUS_AIO_STAGESS' is not a known variable (did you mean 'LITMUS_AIO_STAGES'?)",
    );
  });

  test('plan --json with a config file: machine-readable result on stdout', () => {
    const cfg = join(home, 'litmus-aio.yml');
    writeFileSync(cfg, 'summary: false\n');
    const r = cli(['plan', '--config', cfg, '--json', '--authpolicy-mode', 'kubernetes'], {
      KUBECONFIG: join(home, 'none'),
    });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { mode: string; ok: boolean; notes: string[]; results: unknown[] };
    expect(json.mode).toBe('plan');
    expect(json.ok).toBe(true);
    expect(json.results).toHaveLength(6);
    expect(json.notes.join('\n')).toContain('Could not reach the Kubernetes cluster');
  });

  test('LITMUS_AIO_COMMAND stands in for the positional command', () => {
    const r = cli(['--json'], {
      LITMUS_AIO_COMMAND: 'plan',
      LITMUS_AIO_AUTHPOLICY_MODE: 'kubernetes',
      KUBECONFIG: join(home, 'none'),
    });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { mode: string }).mode).toBe('plan');
  });
});
