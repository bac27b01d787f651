// `npm run demo -- --keep` as a user runs it: the demo's own flow, then the commands it prints for the user to
// drive the sandbox themselves, run exactly as printed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pollUntil } from '../../src/util/poll.js';
import { freshBundle } from '../support/fresh-bundle.js';
import { repoRoot } from '../support/repo-root.js';

let dist: Awaited<ReturnType<typeof freshBundle>>;
beforeAll(async () => {
  dist = await freshBundle();
});
afterAll(() => dist.remove());

test('the demo runs plan/run/run, keeps the sandbox, and the CLI command it prints works as printed', async () => {
  const root = repoRoot();
  const demo = spawn(
    process.execPath,
    ['scripts/run-ts.ts', 'scripts/demo.ts', '--keep', '--dist', dist.dir],
    { cwd: root, env: process.env },
  );
  let out = '';
  demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => demo.on('close', resolve));
  try {
    // Ready once the last printed command (kubectl) is complete on its line: output arrives in chunks.
    const ready = await pollUntil(
      () => /\n {2}KUBECONFIG=\S+ kubectl [^\n]*\n/.test(out) || demo.exitCode !== null,
      {
        timeoutMs: 90_000,
        maxDelayMs: 200,
      },
    );
    expect(ready && demo.exitCode === null, out).toBe(true);
    expect(out).toContain('accepted (TLS');
    expect(out).not.toMatch(/KiB/); // the build stays quiet
    const commands = out
      .slice(out.indexOf('From another terminal'))
      .split('\n')
      .filter((l) => l.startsWith('  KUBECONFIG='))
      .map((l) => l.trim());
    expect(commands[0]).toMatch(/^KUBECONFIG=\S+ \S+ \S+cli\.js plan --config \S+litmus-aio\.yml$/);
    const r = spawnSync('sh', ['-c', commands[0]!], { cwd: root, encoding: 'utf8', env: process.env });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Plan: nothing to change');
  } finally {
    demo.kill('SIGINT');
  }
  expect(await exited).toBe(130);
  const sandboxDir = /config: +(\S+)\/litmus-aio\.yml/.exec(out)?.[1];
  expect(sandboxDir && existsSync(join(sandboxDir))).toBe(false);
});
