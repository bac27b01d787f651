// Bad input is refused before the first request to any system: the CLI, run against the Kubernetes stand-in with
// a working kubeconfig, exits 2 with the input's own message, and the stand-in saw no request at all (so no write).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { startKubeApiServer, type KubeSandbox } from '../support/kube-apiserver/index.js';

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

let kube: KubeSandbox;
let dir: string;
let kubeconfig: string;
beforeAll(async () => {
  kube = await startKubeApiServer();
  dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
  kubeconfig = kube.writeKubeconfig(dir);
}, 60_000);
afterAll(async () => {
  await kube?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[]) {
  let err = '';
  let out = '';
  const code = await runCli(argv, {
    env: { KUBECONFIG: kubeconfig, HOME: dir, PATH: process.env['PATH'] ?? '' },
    out: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream,
    err: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WriteStream,
  });
  return { code, err, out };
}

const base = ['--authpolicy-mode', 'kubernetes', '--stage', 'certs'];

describe('bad input: exit 2, its own message, nothing sent to the cluster', () => {
  test('the stand-in records requests (control: a valid plan reads the cluster)', async () => {
    const before = kube.requests.length;
    await cli(['plan', ...base]);
    expect(kube.requests.length).toBeGreaterThan(before);
  });

  const bomb = (): string => {
    const f = join(dir, 'bomb.yml');
    const lines = ['a: &a [x,x,x,x,x,x,x,x,x]'];
    for (let n = 1; n < 9; n++) {
      const [p, c] = [String.fromCharCode(96 + n), String.fromCharCode(97 + n)];
      lines.push(`${c}: &${c} [${Array(9).fill(`*${p}`).join(',')}]`);
    }
    writeFileSync(f, `${lines.join('\n')}\nsummary: *i\n`);
    return f;
  };

  test.each<[string, () => string[], RegExp]>([
    [
      'subject with an unknown type',
      () => ['run', ...base, '--client-subject', 'FOO=bar'],
      /'FOO' is not a supported attribute type/,
    ],
    [
      'subject with an unescaped comma',
      () => ['run', ...base, '--root-ca-subject', 'CN=Contoso, Inc'],
      /'Inc' has no '='/,
    ],
    [
      'subject with a control character',
      () => ['run', ...base, '--client-subject', 'CN=a\u0007b'],
      /control character U\+0007/,
    ],
    [
      'renew-before-days >= client-cert-days',
      () => ['run', ...base, '--client-cert-days', '10'],
      /renew-before-days.*re-issued on every run/,
    ],
    ['rotate-ca of 300 KB', () => ['run', ...base, '--rotate-ca', 'x'.repeat(300_000)], /more than 63/],
    [
      'topic filter with # inside',
      () => ['run', ...base, '--expect-topics', 'a/#/b'],
      /'#' must be the last level/,
    ],
    [
      'port out of range in smoke-broker-address',
      () => ['run', ...base, '--smoke-broker-address', 'host:99999'],
      /port 99999 is outside 1-65535/,
    ],
    ['YAML alias bomb in the config file', () => ['run', ...base, '--config', bomb()], /"alias bomb"/],
    ['unknown flag', () => ['run', ...base, '--frobnicate'], /'--frobnicate' is not a flag/],
    ['negative days', () => ['plan', ...base, '--root-ca-days', '-5'], /-5 must be a positive integer/],
    ['value flag without value', () => ['run', ...base, '--broker-port'], /'--broker-port' needs a value/],
  ])('%s', async (_name, argv, message) => {
    const before = kube.requests.length;
    const r = await cli(argv());
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain('Nothing was changed.');
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    const seen = kube.requests.slice(before);
    expect(seen.filter((q) => WRITE_VERBS.has(q.verb ?? ''))).toEqual([]);
    expect(seen).toEqual([]); // validated before the first request, plan included
  });
});
