// The `kubeconfig` input through the bundled action: written 0600 under RUNNER_TEMP, masked, used, and
// removed by the post step.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runAction } from '../../src/github/run-action.js';
import { parseFileCommands, runEntryAsync, runnerFiles } from '../support/action-runner.js';
import { freshBundle, NODE } from '../support/fresh-bundle.js';
import { recordingCore } from '../support/recording-core.js';
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
  // The runner is told to mask the secret input and the token in it (not its ordinary lines)...
  expect(r.stdout).toContain(`::add-mask::${Buffer.from(kubeconfig).toString('base64')}`);
  expect(r.stdout.split('\n')).toContain(`::add-mask::${token}`);
  expect(r.stdout).not.toContain('::add-mask::apiVersion: v1');
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

// Issue 11 item 5: a malformed kubeconfig must not leak its token through the parser's error (which quotes the
// source line, cut short where a line mask no longer matches). Every output is searched for any 8 characters of
// the token; the token itself must be registered as a secret.
const TOKEN = '111e5a58a1269867b448dba3c0ffee77a9b8c7d6e5f4';
const pieces = Array.from({ length: TOKEN.length - 7 }, (_, i) => TOKEN.slice(i, i + 8));
const leaks = (text: string): string[] =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .filter((l) => pieces.some((p) => l.includes(p)));

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const good = `apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster:
    server: https://127.0.0.1:1
    certificate-authority-data: ${CA}
contexts:
- name: ci
  context: {cluster: edge, user: deployer}
current-context: ci
users:
- name: deployer
  user:
    token: ${TOKEN}
`;
const MALFORMED: Record<string, string> = {
  'bad indent': good.replace(`    token: ${TOKEN}\n`, `      token: ${TOKEN}\n   username: ci\n`),
  tab: good.replace(`    token: ${TOKEN}`, `\ttoken: ${TOKEN}`),
  'unterminated quote': good.replace(`token: ${TOKEN}`, `token: "${TOKEN}`),
  'invalid base64': good.replace(
    `token: ${TOKEN}`,
    `token: ${TOKEN}\n    client-certificate-data: ${CA}\n    client-key-data: "%%not base64%%"`,
  ),
  'JSON-ish': `{"apiVersion": "v1", "users": [{"name": "u", "user": {"token": "${TOKEN}"}]}`,
  'YAML that is not a kubeconfig': `apiVersion: v1\nkind: Secret\nmetadata: {name: edge}\nstringData:\n  token: ${TOKEN}\n`,
  'no current-context': good.replace('current-context: ci\n', ''),
  'base64 of a bad indent': Buffer.from(
    good.replace(`    token: ${TOKEN}\n`, `      token: ${TOKEN}\n   username: ci\n`),
  ).toString('base64'),
};

/** A bundled entry with stdout and stderr both kept (a crash prints its stack to stderr). */
function run(file: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(NODE, [join(dist.dir, file), ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: work, ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('a malformed kubeconfig never shows its token', () => {
  test.each(Object.entries(MALFORMED))('%s: through the action', async (_shape, value) => {
    const runnerTemp = mkdtempSync(join(work, 'runner-temp-'));
    const files = runnerFiles(work, 'malformed');
    const r = await run('main.js', [], {
      ...files,
      RUNNER_TEMP: runnerTemp,
      INPUT_STAGES: 'certs',
      INPUT_KUBECONFIG: value,
    });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /::error::(Cannot use the kubeconfig \(the 'kubeconfig' input\)|Input 'kubeconfig')/,
    );
    expect(r.out).not.toMatch(/^\s+at /m); // no stack trace
    expect(r.out.split('\n')).toContain(`::add-mask::${TOKEN}`);
    const written = Object.values(files).map((f) => readFileSync(f, 'utf8'));
    expect(leaks([r.out, ...written].join('\n'))).toEqual([]);
  });

  test.each(Object.entries(MALFORMED))(
    '%s: through the CLI, as a file and as the input',
    async (shape, value) => {
      const file = join(work, `kubeconfig-${shape.replace(/\W+/g, '-')}`);
      writeFileSync(file, value, { mode: 0o600 });
      for (const env of [{ KUBECONFIG: file }, { LITMUS_AIO_KUBECONFIG: value }] as Record<
        string,
        string
      >[]) {
        for (const command of ['run', 'plan']) {
          const r = await run('cli.js', [command, '--stage', 'certs'], env);
          expect(r.code).toBe(1);
          expect(r.out).toMatch(/error: (Cannot use the kubeconfig|Input 'kubeconfig')/);
          expect(r.out).not.toMatch(/^\s+at /m);
          expect(leaks(r.out)).toEqual([]);
        }
      }
    },
  );

  test('through runAction with a recording core: the token is passed to setSecret, and shown nowhere', async () => {
    for (const value of Object.values(MALFORMED)) {
      const core = recordingCore({ stages: 'certs', kubeconfig: value, command: 'plan' });
      await runAction(core, { env: { RUNNER_TEMP: mkdtempSync(join(work, 'runner-temp-')) } });
      expect(core.secrets).toContain(TOKEN);
      expect(core.secrets).not.toContain('apiVersion: v1');
      expect(core.failed).toBeDefined();
      expect(leaks([...core.lines, ...core.summaries, ...Object.values(core.outputs)].join('\n'))).toEqual(
        [],
      );
    }
  });
});
