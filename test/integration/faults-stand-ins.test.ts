// The declarative fault plan, first on its own, then injected into the ARM, Entra and OIDC stand-ins while the real
// clients (Azure SDK, @azure/identity, @actions/core) run: each row states the fault and what the client's own
// retry logic is seen to do with it.
import * as core from '@actions/core';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { IOTOPS_API_VERSION, startArmStandIn } from '../support/arm/index.js';
import type { ArmRequestRecord, ArmStandIn } from '../support/arm/index.js';
import {
  ARM_SCOPE,
  identityOptions,
  registryClientOptions,
  resourcesClientOptions,
  staticCredential,
} from '../support/arm/client-options.js';
import { createFaultPlan } from '../support/faults/index.js';
import type { Fault, FaultRule } from '../support/faults/index.js';
import { startEntraStandIn, startGithubOidcStandIn } from '../support/identity/index.js';
import type { EntraStandIn, GithubOidcStandIn } from '../support/identity/index.js';
import { createTestCa } from '../support/test-pki.js';

const APP = '3f2e1d0c-9b8a-4765-a432-10fedcba9876';
const SECRET = 'fault-test-secret';
const FAST = { updateIntervalInMs: 10 };

let ca: string;
let entra: EntraStandIn;
let arm: ArmStandIn;
let oidc: GithubOidcStandIn;
let rm: ResourceManagementClient;
const hookCalls: string[] = [];

beforeAll(async () => {
  const testCa = await createTestCa('Faults test CA');
  ca = testCa.cert;
  entra = await startEntraStandIn({ ca: testCa });
  arm = await startArmStandIn({
    ca: testCa,
    auth: { jwks: () => entra.jwks() },
    onIotOpsChange: (kind, name) => {
      hookCalls.push(`${kind}/${name}`);
    },
  });
  entra.addTenant({ tenantId: arm.seed.tenantId, applications: [{ clientId: APP, secrets: [SECRET] }] });
  oidc = await startGithubOidcStandIn();
  rm = new ResourceManagementClient(
    staticCredential(() => entra.mintAccessToken({ tenantId: arm.seed.tenantId, clientId: APP })),
    arm.seed.subscriptionId,
    resourcesClientOptions(arm.url, ca),
  );
});

afterAll(async () => {
  await Promise.all([arm?.close(), entra?.close(), oidc?.close()]);
});

afterEach(() => {
  for (const plan of [arm.faults, entra.faults, oidc.faults]) plan.reset();
  expect(arm.responseIssues).toEqual([]);
});

describe('fault plan', () => {
  test('rules fire in order, each `times` times, matching method and path (string or RegExp); hits are logged', () => {
    const plan = createFaultPlan([
      { match: { method: 'PUT', path: /\/listeners\// }, fault: { kind: 'status', status: 429 } },
      { match: { path: '/a/B', times: 2 }, fault: { kind: 'drop' } },
      { match: {}, fault: { kind: 'burst', status: 503, count: 2 } },
    ]);
    const take = (method: string, url: string) => plan.take({ method, url })?.kind;
    expect(take('GET', '/x/listeners/y')).toBe('burst'); // rule 0 wants PUT
    expect(take('PUT', '/x/listeners/y?api-version=1')).toBe('status');
    expect(take('PUT', '/x/listeners/y')).toBe('burst'); // rule 0 used up; burst's second and last
    expect(take('GET', '/A/b')).toBe('drop'); // string paths compare case-insensitively
    expect(take('GET', '/a/b?q=1')).toBe('drop');
    expect(take('GET', '/a/b')).toBeUndefined();
    expect(plan.pending).toBe(0);
    expect(plan.hits.map((h) => [h.rule, h.kind, h.method, h.path])).toEqual([
      [2, 'burst', 'GET', '/x/listeners/y'],
      [0, 'status', 'PUT', '/x/listeners/y'],
      [2, 'burst', 'PUT', '/x/listeners/y'],
      [1, 'drop', 'GET', '/A/b'],
      [1, 'drop', 'GET', '/a/b'],
    ]);
  });

  test('`kinds` restricts a lookup (stand-ins take lro-failed separately); times: Infinity never runs out', () => {
    const plan = createFaultPlan([
      { match: {}, fault: { kind: 'lro-failed', code: 'X', message: 'y' } },
      { match: { times: Infinity }, fault: { kind: 'delay', ms: 1 } },
    ]);
    expect(plan.take({ url: '/' }, ['delay'])?.kind).toBe('delay');
    expect(plan.take({ url: '/' }, ['lro-failed'])?.kind).toBe('lro-failed');
    for (let i = 0; i < 5; i++) expect(plan.take({ url: '/' })?.kind).toBe('delay');
    expect(() => plan.add({ match: { times: 0 }, fault: { kind: 'drop' } })).toThrow(/times must be > 0/);
  });
});

/** Requests to `path` (method) the ARM stand-in saw since `since`. */
const attempts = (since: number, method: string, pathPart: string): ArmRequestRecord[] =>
  arm.requests.slice(since).filter((r) => r.method === method && r.path.includes(pathPart));

interface SdkRow {
  name: string;
  rules: (a: ArmStandIn) => FaultRule[];
  call: () => Promise<unknown>;
  method: string;
  path: () => string;
  outcome: 'ok' | RegExp;
  errorProps?: Record<string, unknown>;
  attempts: number;
  minElapsedMs?: number;
  maxElapsedMs?: number;
}

describe('ARM stand-in faults and the Azure SDK’s own retry behaviour', () => {
  const instanceGet = () => rm.resources.getById(arm.seed.instanceId, IOTOPS_API_VERSION);
  const rows: SdkRow[] = [
    {
      name: '429 with Retry-After: 1 → the SDK waits and retries, then succeeds',
      rules: (a) => [
        {
          match: { method: 'GET', path: a.seed.instanceId },
          fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
        },
      ],
      call: instanceGet,
      method: 'GET',
      path: () => arm.seed.instanceId,
      outcome: 'ok',
      attempts: 2,
      minElapsedMs: 950,
    },
    {
      name: '429 with retry-after-ms → honoured in milliseconds',
      rules: (a) => [
        {
          match: { path: a.seed.instanceId },
          fault: { kind: 'status', status: 429, retryAfterMs: 20, retryAfterSeconds: 30 },
        },
      ],
      call: instanceGet,
      method: 'GET',
      path: () => arm.seed.instanceId,
      outcome: 'ok',
      attempts: 2,
      maxElapsedMs: 5000,
    },
    {
      name: '503 burst of 3 → retried (exponential policy, 3 retries) and succeeds',
      rules: (a) => [{ match: { path: a.seed.instanceId }, fault: { kind: 'burst', status: 503, count: 3 } }],
      call: instanceGet,
      method: 'GET',
      path: () => arm.seed.instanceId,
      outcome: 'ok',
      attempts: 4,
    },
    {
      name: '503 burst of 4 → retries exhausted, ServiceUnavailable surfaced',
      rules: (a) => [{ match: { path: a.seed.instanceId }, fault: { kind: 'burst', status: 503, count: 4 } }],
      call: instanceGet,
      method: 'GET',
      path: () => arm.seed.instanceId,
      outcome: /temporarily unavailable/,
      errorProps: { statusCode: 503, code: 'ServiceUnavailable' },
      attempts: 4,
    },
    {
      name: '409 conflict → surfaced at once (not retried)',
      rules: (a) => [{ match: { method: 'PUT', path: a.seed.listenerId }, fault: { kind: 'conflict' } }],
      call: async () => {
        const l = await rm.resources.getById(arm.seed.listenerId, IOTOPS_API_VERSION);
        return rm.resources.beginCreateOrUpdateByIdAndWait(
          arm.seed.listenerId,
          IOTOPS_API_VERSION,
          { extendedLocation: l.extendedLocation, properties: l.properties },
          FAST,
        );
      },
      method: 'PUT',
      path: () => arm.seed.listenerId,
      outcome: /conflicting operation/,
      errorProps: { statusCode: 409, code: 'Conflict' },
      attempts: 1,
    },
    {
      name: 'dropped connection on a GET → the SDK retries and succeeds',
      rules: (a) => [{ match: { path: a.seed.instanceId }, fault: { kind: 'drop' } }],
      call: instanceGet,
      method: 'GET',
      path: () => arm.seed.instanceId,
      outcome: 'ok',
      attempts: 2,
    },
    {
      name: 'dropped connections on every attempt → surfaced as a send error after 3 retries',
      rules: (a) => [{ match: { path: a.seed.instanceId, times: 4 }, fault: { kind: 'drop' } }],
      call: instanceGet,
      method: 'GET',
      path: () => arm.seed.instanceId,
      outcome: /socket hang up|ECONNRESET/,
      errorProps: { code: 'ECONNRESET' },
      attempts: 4,
    },
    {
      name: 'delay beyond the caller’s abort signal → aborted, not retried',
      rules: (a) => [{ match: { path: a.seed.instanceId }, fault: { kind: 'delay', ms: 10_000 } }],
      call: () =>
        rm.resources.getById(arm.seed.instanceId, IOTOPS_API_VERSION, {
          abortSignal: AbortSignal.timeout(200),
        }),
      method: 'GET',
      path: () => arm.seed.instanceId,
      outcome: /aborted/i,
      errorProps: { name: 'AbortError' },
      attempts: 1,
      maxElapsedMs: 5000,
    },
    {
      name: '503 on an LRO status poll → the poll is retried and the PUT completes',
      rules: () => [
        {
          match: { path: /\/operationStatuses\// },
          fault: { kind: 'status', status: 503, retryAfterMs: 10 },
        },
      ],
      call: async () => {
        const l = await rm.resources.getById(arm.seed.listenerId, IOTOPS_API_VERSION);
        return rm.resources.beginCreateOrUpdateByIdAndWait(
          arm.seed.listenerId,
          IOTOPS_API_VERSION,
          { extendedLocation: l.extendedLocation, properties: l.properties },
          FAST,
        );
      },
      method: 'GET',
      path: () => '/operationStatuses/',
      outcome: 'ok',
      attempts: 3, // 503, InProgress, Succeeded
    },
  ];

  test.each(rows)('$name', async (row) => {
    arm.faults.reset(row.rules(arm));
    const since = arm.requests.length;
    const started = Date.now();
    const result = await row.call().then(
      () => 'ok' as const,
      (e: unknown) => e as Error & Record<string, unknown>,
    );
    const elapsed = Date.now() - started;
    if (row.outcome === 'ok') {
      expect(result).toBe('ok');
    } else {
      expect(result).toBeInstanceOf(Error);
      expect((result as Error).message).toMatch(row.outcome);
      if (row.errorProps) expect(result).toMatchObject(row.errorProps);
    }
    expect(attempts(since, row.method, row.path())).toHaveLength(row.attempts);
    expect(arm.faults.hits.length).toBeGreaterThan(0);
    expect(arm.faults.pending).toBe(0);
    if (row.minElapsedMs !== undefined) expect(elapsed).toBeGreaterThanOrEqual(row.minElapsedMs);
    if (row.maxElapsedMs !== undefined) expect(elapsed).toBeLessThan(row.maxElapsedMs);
  });

  test('the delayed request was never answered: the client had gone', async () => {
    arm.faults.reset([{ match: { path: arm.seed.instanceId }, fault: { kind: 'delay', ms: 300 } }]);
    const since = arm.requests.length;
    await expect(
      rm.resources.getById(arm.seed.instanceId, IOTOPS_API_VERSION, { abortSignal: AbortSignal.timeout(50) }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const record = attempts(since, 'GET', arm.seed.instanceId)[0]!;
    await expect.poll(() => record.status, { timeout: 5000, interval: 20 }).toBe(-1);
  });

  const lroFailed = (code: string, message: string): Fault => ({ kind: 'lro-failed', code, message });

  test('LRO ends Failed → beginCreateOrUpdateByIdAndWait rejects with the code and message; no edge sync', async () => {
    hookCalls.length = 0;
    const id = `${arm.seed.brokerId}/listeners/doomed`;
    arm.faults.reset([
      {
        match: { method: 'PUT', path: id },
        fault: lroFailed('BrokerListenerPortInUse', 'Port 18883 is already used by listener default.'),
      },
    ]);
    await expect(
      rm.resources.beginCreateOrUpdateByIdAndWait(
        id,
        IOTOPS_API_VERSION,
        { extendedLocation: arm.seed.extendedLocation, properties: { ports: [{ port: 18883 }] } },
        FAST,
      ),
    ).rejects.toThrow(
      'The long-running operation has failed. BrokerListenerPortInUse. Port 18883 is already used by listener default.',
    );
    const stored = arm.store.get(id)!;
    expect(stored.properties).toMatchObject({ provisioningState: 'Failed' });
    expect(hookCalls).toEqual([]);
    expect(arm.faults.hits).toMatchObject([{ kind: 'lro-failed', method: 'PUT' }]);
  });

  test('LRO ends Failed for ACR importImage too (the modular ACR client)', async () => {
    const acr = new ContainerRegistryManagementClient(
      staticCredential(() => entra.mintAccessToken({ tenantId: arm.seed.tenantId, clientId: APP })),
      arm.seed.subscriptionId,
      registryClientOptions(arm.url, ca),
    );
    arm.faults.reset([
      { match: { path: /\/importImage$/ }, fault: lroFailed('InvalidParameters', 'Source image not found.') },
    ]);
    await expect(
      acr.registries.beginImportImageAndWait(
        arm.seed.resourceGroup,
        arm.seed.registryName,
        { source: { registryUri: 'us-docker.pkg.dev', sourceImage: 'vendor/app:1' }, mode: 'NoForce' },
        FAST,
      ),
    ).rejects.toThrow('The long-running operation has failed. InvalidParameters. Source image not found.');
  });
});

describe('identity stand-in faults and the clients’ retry behaviour', () => {
  test('Entra 429 with retry-after-ms → @azure/identity’s pipeline retries the token request', async () => {
    const tokenPath = `/${arm.seed.tenantId}/oauth2/v2.0/token`;
    entra.faults.reset([
      {
        match: { method: 'POST', path: tokenPath },
        fault: { kind: 'status', status: 429, retryAfterMs: 20 },
      },
    ]);
    const since = entra.requests.length;
    const credential = new ClientSecretCredential(
      arm.seed.tenantId,
      APP,
      SECRET,
      identityOptions(entra.authorityHost, ca),
    );
    await expect(credential.getToken(ARM_SCOPE)).resolves.toMatchObject({ token: expect.any(String) });
    const posts = entra.requests.slice(since).filter((r) => r.path === tokenPath);
    expect(posts.map((r) => r.status)).toEqual([429, 200]);
  });

  test('OIDC 503 burst → @actions/core’s HTTP client retries getIDToken', async () => {
    oidc.faults.reset([{ match: { path: /\/idtoken$/ }, fault: { kind: 'burst', status: 503, count: 2 } }]);
    const since = oidc.requests.length;
    const saved = { ...process.env };
    Object.assign(process.env, oidc.env());
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write; // getIDToken prints ::add-mask::<token>
    try {
      await expect(core.getIDToken('api://AzureADTokenExchange')).resolves.toMatch(/^ey/);
    } finally {
      process.stdout.write = write;
      process.env = saved;
    }
    expect(oidc.requests.slice(since).map((r) => r.status)).toEqual([503, 503, 200]);
  });

  test('OIDC connection dropped on every attempt → getIDToken fails with @actions/core’s own error', async () => {
    oidc.faults.reset([{ match: { path: /\/idtoken$/, times: Infinity }, fault: { kind: 'drop' } }]);
    const saved = { ...process.env };
    Object.assign(process.env, oidc.env());
    try {
      await expect(core.getIDToken('api://AzureADTokenExchange')).rejects.toThrow(/Failed to get ID Token/);
    } finally {
      process.env = saved;
    }
  });
});
