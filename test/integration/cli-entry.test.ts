// The `litmus-aio` command as a user runs it: the bundled dist/cli.js in a child process, on the minimum
// Node.js the CLI declares in package.json (the runtime we declare is the runtime we test), and on an older
// one it must refuse.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pollUntil } from '../../src/util/poll.js';
import { freshBundle } from '../support/fresh-bundle.js';
import { minNode, oldNode } from '../support/node-runtimes.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

let dist: Awaited<ReturnType<typeof freshBundle>>;
let home: string;
const NODE = minNode();
beforeAll(async () => {
  dist = await freshBundle();
  home = mkdtempSync(join(tmpdir(), 'cli-'));
});
afterAll(() => dist.remove());

function cli(args: string[], env: Record<string, string> = {}, node = NODE) {
  const r = spawnSync(node, [join(dist.dir, 'cli.js'), ...args], {
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
    writeFileSync(cfg, 'summary: false\nstages: certs,authpolicy,smoke\n');
    const r = cli(
      ['plan', '--config', cfg, '--json', '--authpolicy-mode', 'kubernetes', '--plan-partial', 'true'],
      {
        KUBECONFIG: join(home, 'none'),
      },
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { mode: string; ok: boolean; notes: string[]; results: unknown[] };
    expect(json.mode).toBe('plan');
    expect(json.ok).toBe(true);
    expect(json.results).toHaveLength(3);
    expect(json.notes.join('\n')).toContain('Could not reach the Kubernetes cluster');
  });

  test('the default stages include mirror: without its inputs, exit 2 naming them and how to leave mirror out', () => {
    const r = cli(['plan', '--authpolicy-mode', 'kubernetes'], { KUBECONFIG: join(home, 'none') });
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "error: Input 'litmus-edge-version' (stage mirror, one of the default stages): is required by the mirror stage",
    );
    expect(r.err).toContain('stages: certs,authpolicy,smoke');
    expect(r.err).toContain('Nothing was changed.');
  });

  test('LITMUS_AIO_COMMAND stands in for the positional command', () => {
    const r = cli(['--json'], {
      LITMUS_AIO_STAGES: 'certs,authpolicy,smoke',
      LITMUS_AIO_COMMAND: 'plan',
      LITMUS_AIO_PLAN_PARTIAL: 'true',
      LITMUS_AIO_AUTHPOLICY_MODE: 'kubernetes',
      KUBECONFIG: join(home, 'none'),
    });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { mode: string }).mode).toBe('plan');
  });
});

describe('the runtime', () => {
  test('on the declared minimum Node.js the CLI runs', async () => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const version = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(`>=${version.slice(1)}`).toBe(pkg.engines.node);
    expect(cli(['--version']).code).toBe(0);
  });

  test('on an older Node.js: one sentence (found, needed, how to get it), exit 2, no stack trace', () => {
    const old = spawnSync(oldNode(), ['--version'], { encoding: 'utf8' }).stdout.trim().slice(1);
    const r = cli(['plan'], {}, oldNode());
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(
      new RegExp(
        `^error: litmus-aio needs Node\\.js \\d+\\.\\d+\\.\\d+ or newer, but this is Node\\.js ${old.replace(/\./g, '\\.')}: install a current Node\\.js LTS .*\\n$`,
      ),
    );
  });
});

describe('on the sandbox, as the demo runs it', () => {
  let sb: Sandbox;
  let config: string;
  beforeAll(async () => {
    sb = await startSandbox();
    config = join(sb.dir, 'litmus-aio.yml');
    writeFileSync(config, 'stages: certs,authpolicy,smoke\nnamespace: le-min\nauthpolicy-mode: kubernetes\n');
  });
  afterAll(() => sb.stop());
  const env = (): Record<string, string> => ({ KUBECONFIG: sb.kubeconfig, HOME: sb.dir });
  /** Asynchronously: the sandbox serves from this process, so a synchronous spawn would starve it. */
  function cliAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(NODE, [join(dist.dir, 'cli.js'), ...args], {
        env: { PATH: process.env['PATH'] ?? '', ...env() },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out, err }));
    });
  }

  test('plan, run, and a second run that changes nothing', async () => {
    const plan = await cliAsync(['plan', '--config', config]);
    expect(plan.code, plan.err).toBe(0);
    expect(plan.out).toContain('Plan: changes pending');
    const run = await cliAsync(['run', '--config', config, '--json']);
    expect(run.code, run.err).toBe(0);
    const statuses = (out: string) =>
      (JSON.parse(out) as { results: Array<{ stage: string; status: string }> }).results.map(
        (r) => `${r.stage}:${r.status}`,
      );
    expect(statuses(run.out)).toEqual(['certs:changed', 'authpolicy:changed', 'smoke:passed']);
    const again = await cliAsync(['run', '--config', config, '--json']);
    expect(again.code, again.err).toBe(0);
    expect(statuses(again.out)).toEqual(['certs:unchanged', 'authpolicy:unchanged', 'smoke:passed']);
  });

  test.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ] as const)(
    '%s during smoke: cancelled (not a timeout), the temp kubeconfig removed, exit %i',
    async (signal, code) => {
      const tmp = mkdtempSync(join(tmpdir(), 'cli-signal-'));
      const kubeconfig = await readFile(sb.kubeconfig, 'utf8');
      // smoke keeps retrying a refused address (a policy not applied yet) until smoke-timeout: the run is busy.
      const child = spawn(NODE, [join(dist.dir, 'cli.js'), 'run', '--config', config, '--stage', 'smoke'], {
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: sb.dir,
          TMPDIR: tmp,
          LITMUS_AIO_KUBECONFIG: kubeconfig,
          LITMUS_AIO_SMOKE_BROKER_ADDRESS: '127.0.0.1:1',
          LITMUS_AIO_SMOKE_TIMEOUT: '120',
        },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      const busy = await pollUntil(
        () => out.includes('does not answer yet (ECONNREFUSED)') && readdirSync(tmp).length > 0,
        { timeoutMs: 30_000, maxDelayMs: 100 },
      );
      expect(busy, out).toBe(true);
      child.kill(signal);
      expect(await closed).toBe(code);
      expect(out).toMatch(/smoke: cancelled after \d+\.\d s/);
      expect(out).not.toMatch(/ETIMEDOUT|deadline passed|timed out|raise smoke-timeout/i);
      expect(readdirSync(tmp)).toEqual([]);
    },
  );
});
