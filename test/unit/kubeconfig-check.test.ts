// A kubeconfig is checked before use: precise errors (line, entry) that never quote its content, credentials
// found for masking even in a malformed file, plain http and insecure-skip-tls-verify refused.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { maskSecret } from '../../src/github/mask.js';
import { checkKubeconfig, KubeconfigError } from '../../src/kube/kubeconfig-check.js';
import { kubeconfigSecrets, kubeconfigText } from '../../src/kube/kubeconfig-secrets.js';

const TOKEN = '111e5a58a1269867b448dba3f00dcafe51d2';
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

const valid = (
  cluster = `    server: https://10.0.0.4:6443\n    certificate-authority-data: ${CA}\n`,
): string =>
  `apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster:
${cluster}contexts:
- name: ci
  context: {cluster: edge, user: deployer}
current-context: ci
users:
- name: deployer
  user:
    token: ${TOKEN}
`;

/** Every 8-character piece of the token: none may appear in a message. */
export const tokenPieces = (token: string): string[] =>
  Array.from({ length: token.length - 7 }, (_, i) => token.slice(i, i + 8));

const badCases: [string, string, RegExp][] = [
  [
    'bad indent',
    valid().replace(`    token: ${TOKEN}\n`, `        token: ${TOKEN}\n     username: x\n`),
    /not valid YAML: line 16, column 1: bad indentation/,
  ],
  [
    'tab indent',
    valid().replace(`    token: ${TOKEN}`, `\ttoken: ${TOKEN}`),
    /line 15, column 1: a tab used for indentation/,
  ],
  [
    'unterminated quote',
    valid().replace(`token: ${TOKEN}`, `token: "${TOKEN}`),
    /not valid YAML: line \d+, column \d+: an unterminated quote/,
  ],
  [
    'JSON-ish',
    `{"apiVersion":"v1","users":[{"name":"u","user":{"token":"${TOKEN}"}]}`,
    /not valid YAML: line 1, column \d+: /,
  ],
  [
    'not a kubeconfig',
    `apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData:\n  token: ${TOKEN}\n`,
    /it is not a kubeconfig: its kind is 'Secret', not 'Config' \(line 2\)/,
  ],
  [
    'no current-context',
    valid().replace('current-context: ci\n', ''),
    /it sets no current-context \(its contexts: 'ci'\)/,
  ],
  [
    'unknown current-context',
    valid().replace('current-context: ci', 'current-context: prod'),
    /current-context 'prod' is not among its contexts \('ci'\) \(line 11\)/,
  ],
  [
    'invalid base64',
    valid().replace(
      `token: ${TOKEN}`,
      `token: ${TOKEN}\n    client-certificate-data: ${CA}\n    client-key-data: not*base64!`,
    ),
    /client-key-data \(line 17\) is not base64 of a PEM private key/,
  ],
  [
    'plain http to a remote server',
    valid('    server: http://10.0.0.4:8080\n'),
    /cluster 'edge' uses plain http \(http:\/\/10\.0\.0\.4:8080\) \(line 6\): its credentials would cross the network unencrypted/,
  ],
  [
    'insecure-skip-tls-verify',
    valid('    server: https://10.0.0.4:6443\n    insecure-skip-tls-verify: true\n'),
    /sets insecure-skip-tls-verify: true \(line 7\).*refused unless allowed.*allow-insecure-kubeconfig: true/s,
  ],
];

describe('checkKubeconfig', () => {
  test.each(badCases)('%s: line and cause, no content, a fix', async (_name, text, expected) => {
    const err = (await checkKubeconfig(text, "the 'kubeconfig' input").catch(
      (e: unknown) => e,
    )) as KubeconfigError;
    expect(err).toBeInstanceOf(KubeconfigError);
    expect(err.message).toMatch(/^Cannot use the kubeconfig \(the 'kubeconfig' input\): /);
    expect(err.message).toMatch(expected);
    expect(err.fix.length).toBeGreaterThan(10);
    for (const piece of tokenPieces(TOKEN)) expect(err.message).not.toContain(piece);
  });

  test.each(badCases)('%s: the token is still found for masking', (_name, text) => {
    expect(kubeconfigSecrets(text)).toContain(TOKEN);
  });

  test('a valid kubeconfig: context, server, no warnings', async () => {
    const r = await checkKubeconfig(valid(), 'x');
    expect(r).toMatchObject({
      context: 'ci',
      cluster: 'edge',
      server: 'https://10.0.0.4:6443',
      warnings: [],
    });
  });

  test('plain http to loopback (kubectl proxy) is accepted', async () => {
    const r = await checkKubeconfig(valid('    server: http://127.0.0.1:8001\n'), 'x');
    expect(r.server).toBe('http://127.0.0.1:8001');
  });

  test('insecure-skip-tls-verify allowed by input: used, with a warning', async () => {
    const r = await checkKubeconfig(
      valid('    server: https://10.0.0.4:6443\n    insecure-skip-tls-verify: true\n'),
      'x',
      {
        allowInsecure: true,
      },
    );
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /^Kubeconfig \(x\): cluster 'edge' sets insecure-skip-tls-verify: true .*allow-insecure-kubeconfig is true\.$/,
      ),
    ]);
  });

  test('a relative file reference that does not exist is named, relative to the kubeconfig', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-check-'));
    writeFileSync(join(dir, 'ca.crt'), 'x');
    const text = valid(`    server: https://10.0.0.4:6443\n    certificate-authority: ca.crt\n`).replace(
      `token: ${TOKEN}`,
      `token-file: missing-token`,
    );
    await expect(checkKubeconfig(text, 'x', { dir })).rejects.toThrow(
      `token-file (line 15) names '${join(dir, 'missing-token')}', which does not exist`,
    );
  });
});

describe('masking a kubeconfig', () => {
  test('its credential values are masked, not its ordinary lines; base64 input too', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    const text = valid().replace(
      `token: ${TOKEN}`,
      `token: ${TOKEN}\n    client-certificate-data: ${CA}\n    client-key-data: ${Buffer.from(key).toString('base64')}\n    password: "hunter22"`,
    );
    for (const input of [text, Buffer.from(text).toString('base64')]) {
      const secrets: string[] = [];
      maskSecret({ setSecret: (s) => void secrets.push(s) }, input);
      expect(secrets).toContain(input);
      expect(secrets).toContain(TOKEN);
      expect(secrets).toContain('hunter22');
      expect(secrets).toContain(Buffer.from(key).toString('base64'));
      expect(secrets).toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
      expect(secrets).not.toContain('apiVersion: v1');
      expect(secrets).not.toContain('server: https://10.0.0.4:6443');
    }
  });

  test('other multi-line secrets are still masked line by line', () => {
    const secrets: string[] = [];
    maskSecret({ setSecret: (s) => void secrets.push(s) }, '{\n  "private_key": "abcdefgh12345"\n}');
    expect(secrets).toContain('"private_key": "abcdefgh12345"');
  });

  test('kubeconfigText: YAML, JSON and base64 of either; anything else is not one', () => {
    expect(kubeconfigText(valid())).toBe(valid());
    expect(kubeconfigText(Buffer.from(valid()).toString('base64'))).toBe(valid());
    expect(kubeconfigText('{"apiVersion": "v1", "clusters": []}')).toBeDefined();
    expect(kubeconfigText('not a kubeconfig')).toBeUndefined();
  });
});
