// The `kubeconfig` input through the bundled action: written 0600 under RUNNER_TEMP, masked, used, and
// removed by the post step.
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseFileCommands, runEntryAsync, runnerFiles } from '../support/action-runner.js';
import { freshBundle } from '../support/fresh-bundle.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

let dist: Awaited<ReturnType<typeof freshBundle>>;
let sb: Sandbox;
let work: string;
beforeAll(async () => {
  [dist, sb] = await Promise.all([freshBundle(), startSandbox()]);
  work = mkdtempSync(join(tmpdir(), 'kubeconfig-input-'));
});
afterAll(async () => {
  dist.remove();
  await sb.stop();
});

const runEntry = (entry: string, env: Record<string, string>) => runEntryAsync(dist.dir, entry, env, work);
const parse = parseFileCommands;

test('a base64 kubeconfig input is used, masked, written 0600, and removed by post', async () => {
  const runnerTemp = mkdtempSync(join(work, 'runner-temp-'));
  const files = runnerFiles(work, 'first');
  const kubeconfig = readFileSync(sb.kubeconfig, 'utf8');
  const token = /token: (\S+)/.exec(kubeconfig)![1]!;
  const r = await runEntry('main.js', {
    ...files,
    RUNNER_TEMP: runnerTemp,
    INPUT_STAGES: 'certs',
    INPUT_KUBECONFIG: Buffer.from(kubeconfig).toString('base64'),
  });
  expect(r.stdout).toContain('certs: changed');
  expect(r.code).toBe(0);
  // The runner is told to mask the secret input and every line of it, the token included...
  expect(r.stdout).toContain(`::add-mask::${Buffer.from(kubeconfig).toString('base64')}`);
  expect(r.stdout).toContain(`::add-mask::token: ${token}`);
  // ...and it appears nowhere else.
  expect(r.stdout.split('\n').filter((l) => l.includes(token) && !l.startsWith('::add-mask::'))).toEqual([]);
  const [dir] = readdirSync(runnerTemp);
  expect(dir).toMatch(/^litmus-aio-kube-/);
  expect(statSync(join(runnerTemp, dir!)).mode & 0o777).toBe(0o700);
  expect(statSync(join(runnerTemp, dir!, 'kubeconfig')).mode & 0o777).toBe(0o600);

  const post = await runEntry('post.js', {
    STATE_cleanup: parse(readFileSync(files.GITHUB_STATE, 'utf8'))['cleanup']!,
  });
  expect(post.stdout).toContain('cleanup: kubeconfig from the kubeconfig input: removed');
  expect(existsSync(join(runnerTemp, dir!))).toBe(false);
});

test('a kubeconfig input that is neither YAML nor base64 of it: a clear error, nothing written', async () => {
  const runnerTemp = mkdtempSync(join(work, 'runner-temp-'));
  const files = runnerFiles(work, 'second');
  const r = await runEntry('main.js', {
    ...files,
    RUNNER_TEMP: runnerTemp,
    INPUT_STAGES: 'certs',
    INPUT_KUBECONFIG: 'not a kubeconfig',
  });
  expect(r.code).toBe(1);
  expect(r.stdout).toContain("::error::Input 'kubeconfig' is neither kubeconfig YAML nor base64 of it");
  expect(r.stdout).not.toContain('::error::not a kubeconfig');
  expect(readdirSync(runnerTemp)).toEqual([]);
});
