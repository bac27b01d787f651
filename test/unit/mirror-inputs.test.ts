// Mirror inputs: what is refused before anything is contacted, and secrets never quoted.
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/config/input-error.js';
import { parseRegistryCredentials } from '../../src/config/registry-credentials.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { mirrorSettings } from '../../src/stages/mirror/settings.js';

async function problems(raw: Record<string, string>): Promise<string> {
  const layer = new Map(Object.entries(raw).map(([k, value]) => [k, { value, source: 'test' }]));
  try {
    const i = await resolveInputs([layer]);
    mirrorSettings(i);
    return '';
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.problems.map((p) => `${p.input}: ${p.problem}`).join('\n');
  }
}

const base = {
  stages: 'mirror',
  registry: 'registry.example:5000',
  'litmus-edge-version': '3.16.2',
  'registry-username': 'u',
  'registry-password': 'p',
};

describe('mirror inputs', () => {
  test.each([
    [{ 'litmus-edge-version': 'latest' }, "litmus-edge-version: 'latest' is a moving tag, not a version"],
    [{ 'litmus-edge-version': 'Stable' }, 'is a moving tag'],
    [{ 'litmus-edge-version': '3.16.2 beta' }, 'is not a version'],
    [{ registry: 'http://registry.example:5000' }, 'plain http to a remote host'],
    [{ registry: 'registry.example:99999' }, 'has port 99999'],
    [{ 'source-image': 'not a ref' }, "source-image: 'not a ref' is not an image reference"],
    [{ 'target-repository': 'Upper/Case' }, 'is not a repository name'],
    [{ platforms: 'linux' }, 'is not a platform such as linux/amd64'],
    [
      { 'mirror-mode': 'acr', platforms: 'linux/amd64', 'resource-group': 'rg' },
      'platforms: applies to oci mode only',
    ],
    [{ 'mirror-mode': 'acr' }, 'registry-resource-group: is required in acr mode'],
    [{ 'registry-password': '' }, 'registry-password'],
    [{ 'pull-secret': 'Not_A_Name' }, 'is not a valid Kubernetes name'],
  ])('%j -> %s', async (over, message) => {
    expect(await problems({ ...base, ...over })).toContain(message);
  });

  test('missing version and registry: both named, with how to leave mirror out', async () => {
    const p = await problems({ stages: 'mirror', 'pull-secret': 'none' });
    expect(p).toContain('litmus-edge-version: is required by the mirror stage');
    expect(p).toContain('registry: is required by the mirror stage');
  });

  test('auto mode: acr for a login server of the selected cloud, else oci', async () => {
    const i = await resolveInputs([]);
    const at = (registry: string, cloud = 'public') =>
      mirrorSettings({
        ...i,
        registry,
        'azure-cloud': cloud as never,
        'litmus-edge-version': '1.0.0',
        'resource-group': 'rg',
        'pull-secret': 'none',
      }).mode;
    expect(at('plant7.azurecr.io')).toBe('acr');
    expect(at('plant7.azurecr.us', 'usgov')).toBe('acr');
    expect(at('plant7.azurecr.us')).toBe('oci');
    expect(at('127.0.0.1:5000')).toBe('oci');
  });
});

describe('source-credentials', () => {
  const key = JSON.stringify({
    type: 'service_account',
    client_email: 'm@p.iam.gserviceaccount.com',
    private_key: '-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n',
  });
  test('a service-account key is sent as _json_key with the raw JSON', () => {
    expect(parseRegistryCredentials(key)).toEqual({
      ok: true,
      username: '_json_key',
      password: key,
      kind: 'service-account-key',
    });
  });
  test('user:password', () => {
    expect(parseRegistryCredentials('bot:pa:ss')).toMatchObject({
      ok: true,
      username: 'bot',
      password: 'pa:ss',
    });
  });
  test.each([
    ['{"type": "service_account", "private_key": "SECRETSECRET" ', 'not valid JSON'],
    ['{"type": "service_account", "private_key": "SECRETSECRET"}', 'without client_email'],
    ['["SECRETSECRET"]', 'neither'],
    ['SECRETSECRET', 'neither a service-account JSON key nor user:password'],
  ])('%s: %s, and the secret is never quoted', (raw, message) => {
    const r = parseRegistryCredentials(raw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toContain(message);
    expect(r.problem).not.toContain('SECRET');
  });
});
