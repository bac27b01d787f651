// collect -> analyse -> findings with a fake cluster: cert-manager's Certificate status read where served, an
// object that cannot be read kept apart from one that does not exist, the broker unreachable.
import { describe, expect, test } from 'vitest';
import { analyse } from '../../src/check-certs/analyse.js';
import { collect } from '../../src/check-certs/collect.js';
import { findings } from '../../src/check-certs/findings.js';
import { checkCertsSettings } from '../../src/check-certs/settings.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { KubeApiError, type KubeClient, type KubeObject } from '../../src/kube/kube-client.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function fakeKube(o: { forbidden?: string[]; certificates?: KubeObject[] }): KubeClient {
  const no = async (): Promise<never> => {
    throw new Error('not used');
  };
  return {
    server: 'https://127.0.0.1:6443',
    async get(ref) {
      if (o.forbidden?.includes(ref.kind))
        throw new KubeApiError(
          403,
          'Forbidden',
          `${ref.kind.toLowerCase()}s is forbidden`,
          `get ${ref.kind} ${ref.name}`,
        );
      return undefined;
    },
    async list<T extends KubeObject>() {
      if (!o.certificates)
        throw new KubeApiError(
          404,
          'NotFound',
          'the server could not find the requested resource',
          'list Certificate',
        );
      return o.certificates as T[];
    },
    create: no,
    replace: no,
    delete: no,
    forwardServicePort: async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:18884');
    },
    denied: no,
  };
}

async function run(kube: KubeClient) {
  const s = checkCertsSettings(await resolveInputs([]));
  const c = await collect({ kube, mask: () => undefined, signal: new AbortController().signal }, s);
  const state = analyse(c, s.owner, NOW);
  return { state, found: findings(state, s.thresholds, NOW) };
}

describe('check-certs collect', () => {
  test("cert-manager's Certificates, as their status says", async () => {
    const certificate = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'aio-broker-frontend-server-18883', namespace: 'azure-iot-operations' },
      spec: { secretName: 'aio-broker-frontend-server-18883' },
      status: {
        notAfter: '2026-06-20T00:00:00Z',
        renewalTime: '2026-06-10T00:00:00Z',
        conditions: [{ type: 'Ready', status: 'False', reason: 'Issuing', message: 'issuer not ready' }],
      },
    };
    const { state, found } = await run(fakeKube({ certificates: [certificate] }));
    expect(state.certManager).toEqual([
      {
        name: 'aio-broker-frontend-server-18883',
        namespace: 'azure-iot-operations',
        secretName: 'aio-broker-frontend-server-18883',
        notAfter: '2026-06-20T00:00:00Z',
        renewalTime: '2026-06-10T00:00:00Z',
        ready: false,
        reason: 'Issuing',
        message: 'issuer not ready',
      },
    ]);
    expect(found.map((f) => f.kind)).toContain('cert-manager-not-ready');
  });

  test('not served: a note, not a finding; missing objects are findings; the broker unreachable is one', async () => {
    const { state, found } = await run(fakeKube({}));
    expect(state.certManager).toEqual({
      unreadable: expect.stringMatching(
        /^cert-manager Certificates in azure-iot-operations not readable: list Certificate: the server could not find/,
      ) as string,
    });
    expect(found.map((f) => f.kind)).toEqual([
      'client-missing',
      'trusted-ca-differs',
      'aio-ca-missing',
      'server-unreachable',
    ]);
  });

  test('a Secret that cannot be read is an error, never "missing"', async () => {
    const { found } = await run(fakeKube({ forbidden: ['Secret'] }));
    expect(found.map((f) => f.kind)).toEqual([
      'check-failed',
      'trusted-ca-differs',
      'aio-ca-missing',
      'server-unreachable',
    ]);
    expect(found[0]!.message).toMatch(
      /^could not check: get Secret litmusedge-mqtt-client: secrets is forbidden \(HTTP 403 Forbidden\)\. Fix: grant/,
    );
  });
});
