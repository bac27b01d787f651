// Which chart values a plan hides, and which strings of the `values` input a run masks: secret-looking keys by whole
// words (so `keep`, `monkey` are not secret), keys that only describe or point at a Secret, Kubernetes' own `key`s.
import { describe, expect, test } from 'vitest';
import type { HelmRevision } from '../../src/helm/helm-json.js';
import { decideDeploy } from '../../src/stages/deploy/decide.js';
import {
  isSecretPath,
  keyWords,
  looksSecret,
  redactedDiff,
  secretStrings,
  type ValuePath,
} from '../../src/stages/deploy/redact.js';

describe('isSecretPath', () => {
  test.each<[string, ValuePath, boolean, Record<string, unknown>?]>([
    // secret words, whole words, any case and separator
    ['a password', ['auth', 'password'], true],
    ['camelCase', ['adminPassword'], true],
    ['snake_case', ['db_password'], true],
    ['kebab-case', ['api-key'], true],
    ['upper case', ['API_TOKEN'], true],
    ['an acronym before a word', ['TLSCert'], true],
    ['one word', ['apikey'], true],
    ['a client secret', ['oauth', 'clientSecret'], true],
    ['tls.key', ['tls', 'key'], true],
    ['tls.crt', ['tls', 'crt'], true],
    ['a certificate', ['ingress', 'certificate'], true],
    ['credentials', ['mqtt', 'credentials'], true],
    ['a word not in the list', ['pin', 'passcode'], false],
    ['under a secret mapping', ['credentials', 'user'], true],
    ['under a secret mapping, deeper', ['secrets', 'db', 'url2'], true],
    ['items of a secret list', ['tokens', 0], true],
    ['an env var named like a secret', ['env', 0, 'value'], true, { name: 'DB_PASSWORD', value: 'x' }],
    // not secret: parts of other words
    ['persistence.keep', ['persistence', 'keep'], false],
    ['keepalive', ['mqtt', 'keepAlive'], false],
    ['monkey', ['monkey'], false],
    ['keyboard', ['ui', 'keyboardLayout'], false],
    ['tokenizer', ['tokenizer'], false],
    ['certainty', ['certainty'], false],
    // not secret: a key that describes or names a secret
    ['secretName', ['tls', 'secretName'], false],
    ['existingSecret', ['auth', 'existingSecret'], false],
    ['existingSecretPasswordKey', ['auth', 'existingSecretPasswordKey'], false],
    ['passwordFile', ['passwordFile'], false],
    ['keyAlgorithm', ['keyAlgorithm'], false],
    ['tokenTTL', ['tokenTTL'], false],
    ['certManager.enabled', ['certManager', 'enabled'], false],
    ['under certManager', ['certManager', 'issuer'], false],
    ['token.ttl under a secret mapping', ['token', 'ttl'], false],
    ['imagePullSecrets items', ['imagePullSecrets', 0], false],
    ['imagePullSecrets names', ['imagePullSecrets', 0, 'name'], false],
    ['secretKeyRef.key', ['env', 0, 'valueFrom', 'secretKeyRef', 'key'], false],
    ['secretKeyRef.name', ['env', 0, 'valueFrom', 'secretKeyRef', 'name'], false],
    ['a toleration key', ['tolerations', 0, 'key'], false],
    ['a label selector key', ['affinity', 'nodeAffinity', 'matchExpressions', 0, 'key'], false],
    ['an env var with a plain name', ['env', 0, 'value'], false, { name: 'LOG_LEVEL', value: 'debug' }],
    ['the root', [], false],
    ['image.repository', ['image', 'repository'], false],
  ])('%s: %j', (_what, path, secret, parent) => {
    expect(isSecretPath(path, parent)).toBe(secret);
  });
});

test.each([
  ['adminPassword', ['admin', 'password']],
  ['TLSCert', ['tls', 'cert']],
  ['api_key2', ['api', 'key', '2']],
  ['helm.sh/resource-policy', ['helm', 'sh', 'resource', 'policy']],
])('keyWords(%j)', (key, words) => {
  expect(keyWords(key)).toEqual(words);
});

test('looksSecret is about whole words', () => {
  expect(['password', 'persistence', 'keep', 'pullSecret'].map(looksSecret)).toEqual([
    true,
    false,
    false,
    false,
  ]);
});

describe('redactedDiff', () => {
  test.each<[string, unknown, unknown, string[]]>([
    [
      'a changed secret',
      { db: { password: 'old' } },
      { db: { password: 'new' } },
      ['db.password: (secret, changed)'],
    ],
    ['an added secret', {}, { db: { password: 'new' } }, ['db: (absent) -> {"password":"(secret)"}']],
    ['an added secret leaf', { db: {} }, { db: { password: 'new' } }, ['db.password: (absent) -> (secret)']],
    ['a removed secret leaf', { apiKey: 'k' }, {}, ['apiKey: (secret) -> (absent)']],
    ['an unchanged secret', { token: 't', a: 1 }, { token: 't', a: 2 }, ['a: 1 -> 2']],
    [
      'a secret mapping replaced',
      { credentials: 'none' },
      { credentials: { user: 'u', pass: 'p' } },
      ['credentials: (secret) -> {"user":"(secret)","pass":"(secret)"}'],
    ],
    ['a secret list item', { tokens: ['a'] }, { tokens: ['a', 'b'] }, ['tokens[1]: (absent) -> (secret)']],
    [
      'a boolean under a secret key',
      { tls: { key: false } },
      { tls: { key: true } },
      ['tls.key: false -> true'],
    ],
    [
      'persistence.keep stays readable',
      { persistence: { keep: 'no' } },
      { persistence: { keep: 'yes' } },
      ['persistence.keep: "no" -> "yes"'],
    ],
    [
      'an env var value',
      { env: [{ name: 'DB_PASSWORD', value: 'a' }] },
      { env: [{ name: 'DB_PASSWORD', value: 'b' }] },
      ['env[0].value: (secret, changed)'],
    ],
    [
      'a plain value',
      { service: { type: 'ClusterIP' } },
      { service: { type: 'NodePort' } },
      ['service.type: "ClusterIP" -> "NodePort"'],
    ],
  ])('%s', (_what, before, after, lines) => {
    expect(redactedDiff(before, after)).toEqual(lines);
  });

  test('a plan never shows a secret value of `values`', () => {
    const rev: HelmRevision = {
      revision: 1,
      status: 'deployed',
      chart: 'litmusedge-0.1.0',
      appVersion: '',
      description: '',
      updated: '',
    };
    const d = decideDeploy(
      { namespaceExists: true, history: [rev], values: { auth: { password: 'hunter2' } } },
      { chart: { name: 'litmusedge', version: '0.1.0' }, values: { auth: { password: 'correct horse' } } },
    );
    expect(d).toMatchObject({ action: 'upgrade', reasons: ['values auth.password: (secret, changed)'] });
    expect(JSON.stringify(d)).not.toMatch(/hunter2|correct horse/);
  });
});

test('secretStrings: the strings under secret-looking keys, nothing else', () => {
  const values = {
    auth: { password: 'p4ss', existingSecret: 'litmus-auth', enabled: true },
    tls: { crt: 'PEM', key: 'KEY', secretName: 'tls-secret' },
    tokens: ['t1', 't2', ''],
    pin: { code: 1234 },
    env: [
      { name: 'API_TOKEN', value: 'tok' },
      { name: 'LOG_LEVEL', value: 'debug' },
    ],
    tolerations: [{ key: 'node-role', operator: 'Exists' }],
    persistence: { keep: 'yes', size: '10Gi' },
  };
  expect(secretStrings(values).sort()).toEqual(['KEY', 'PEM', 'p4ss', 't1', 't2', 'tok'].sort());
});
