// Microsoft's official examples (`x-ms-examples` of the vendored specs) replayed against the ARM stand-in over HTTPS
// with a real access token, defaults and paging on as they are by default: for every operation the stand-in
// implements, every example's request is sent (moved into the seeded world), the answer must carry a status the
// example lists, pass the spec's response validation, have the example's headers and shape, and keep what the request
// sent; long-running operations are followed to their end and lists through all their pages. Where the stand-in
// answers differently on purpose, INTENDED says so. An operation implemented without examples fails here, and so does
// an operation the stand-in does not offer unless it answers with ARM's own error.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultSpecsDir, SpecIndex, standInOperations, startArmStandIn } from '../support/arm/index.js';
import type { ArmStandIn, SpecOperation } from '../support/arm/index.js';
import { httpsJson } from '../support/arm/client-options.js';
import type { RawResponse } from '../support/arm/client-options.js';
import {
  fillPath,
  leaves,
  replayPlan,
  replayRequest,
  responseSchema,
  seededNames,
  shapeDiff,
  shapeOf,
  specOperationOf,
} from '../support/arm/replay.js';
import type { Replay, ReplayRequest } from '../support/arm/replay.js';
import { startEntraStandIn } from '../support/identity/index.js';
import type { EntraStandIn } from '../support/identity/index.js';
import { createTestCa } from '../support/test-pki.js';
import type { TestCertificate } from '../support/test-pki.js';
import { until } from '../support/until.js';

const APP = '3f6a1c2e-8b4d-4e5f-9a0b-1c2d3e4f5a6b';

const index = new SpecIndex(defaultSpecsDir());
const routes = standInOperations().map((impl) => ({ impl, op: specOperationOf(index, impl) }));
const implemented = routes.flatMap((r) => (r.op ? [r.op] : []));
const plan = replayPlan(implemented);
const opKey = (op: SpecOperation) => `${op.apiVersion}|${op.operationId}`;
const notOffered = index.operations().filter((op) => !implemented.some((i) => opKey(i) === opKey(op)));

/** Where the stand-in answers an example differently on purpose, and why. */
interface Intended {
  why: string[];
  /** Paths of the example's answer ours lacks / ours has beyond it (see shapeOf). */
  missing: string[];
  extra: string[];
  /** Request leaves our answer does not repeat as sent. */
  notEchoed: string[];
}
type Part = Partial<Omit<Intended, 'why'>> & { why: string };
const intended = (...parts: Part[]): Intended => ({
  why: parts.map((p) => p.why),
  missing: parts.flatMap((p) => p.missing ?? []).sort(),
  extra: parts.flatMap((p) => p.extra ?? []).sort(),
  notEchoed: parts.flatMap((p) => p.notEchoed ?? []).sort(),
});

const SYSTEM_DATA = [
  'createdAt',
  'createdBy',
  'createdByType',
  'lastModifiedAt',
  'lastModifiedBy',
  'lastModifiedByType',
];
const systemData = (at = ''): Part => ({
  why: 'ARM returns systemData with every resource; the ACR examples leave it out',
  extra: SYSTEM_DATA.map((k) => `${at}systemData.${k}`),
});
const health = (at = ''): Part => ({
  why: 'the stand-in reports the read-only healthState of IoT Operations resources; the examples leave it out',
  extra: [`${at}properties.healthState`],
});
const paging: Part = {
  why: 'lists are paged (page size 1): every full page carries a nextLink; the example shows one page without',
  extra: ['nextLink'],
};
const description = (at = ''): Part => ({
  why: "ACR keeps a scope map's description; the example's answer drops the one its request sent",
  extra: [`${at}properties.description`],
});
const tokenCredentials = (at = ''): Part => ({
  why:
    'myToken holds what the TokenCreate example (a certificate, shown as thumbprint and expiry) and the ' +
    'generateCredentials example (two passwords, shown without their value) gave it; the example token has none',
  extra: [
    ...['expiry', 'name', 'thumbprint'].map((k) => `${at}properties.credentials.certificates[].${k}`),
    ...['creationTime', 'expiry', 'name'].map((k) => `${at}properties.credentials.passwords[].${k}`),
  ],
});
const certificateAsThumbprint: Part = {
  why: 'ACR never returns a certificate it was given: it stores and answers its thumbprint and expiry',
  notEchoed: ['properties.credentials.certificates[0].encodedPemCertificate'],
};
const arcCluster: Part = {
  why:
    'the seeded cluster is an Arc-connected k3s cluster: not kind ProvisionedCluster, and with the connectivity ' +
    'and size fields a GET of a connected cluster has (the examples leave them out)',
  extra: ['connectivityStatus', 'infrastructure', 'lastConnectivityTime', 'totalCoreCount'].map(
    (k) => `properties.${k}`,
  ),
};

const INTENDED: Record<string, Intended> = {
  BrokerListener_CreateOrUpdate_Simple: intended({
    why: "server-side default: a port without protocol is stored as the spec's default Mqtt (the example's answer shows the port as sent)",
    extra: ['properties.ports[].protocol'],
  }),
  Instance_Get_MaximumSet_Gen: intended(health(), {
    why: 'the seeded instance has identity type None, which has no principal',
    missing: ['identity.principalId', 'identity.tenantId'],
  }),
  Broker_Get_MaximumSet_Gen: intended(health()),
  Broker_ListByResourceGroup_MaximumSet_Gen: intended(health('value[].')),
  'BrokerListener_Get_MaximumSet_Gen.2025-07-01-preview': intended(health()),
  BrokerListener_ListByResourceGroup_MaximumSet_Gen: intended(health('value[].')),
  BrokerAuthentication_Get_MaximumSet_Gen: intended(health()),
  BrokerAuthentication_ListByResourceGroup_MaximumSet_Gen: intended(health('value[].')),
  BrokerAuthorization_Get_MaximumSet_Gen: intended(health()),
  BrokerAuthorization_ListByResourceGroup_MaximumSet_Gen: intended(health('value[].')),
  RegistryGet: intended(systemData()),
  ScopeMapCreate: intended(systemData(), description()),
  ScopeMapGet: intended(systemData(), description()),
  ScopeMapList: intended(paging, systemData('value[].'), description('value[].')),
  ScopeMapUpdate: intended(systemData(), description()),
  TokenCreate: intended(systemData(), certificateAsThumbprint),
  TokenGet: intended(systemData(), tokenCredentials()),
  TokenList: intended(paging, systemData('value[].'), tokenCredentials('value[].')),
  TokenUpdate: intended(systemData(), certificateAsThumbprint, {
    why:
      "this example's answer repeats the PEM, where ACR (and the TokenCreate example) give thumbprint and expiry; " +
      'the passwords generateCredentials gave myToken stay, as a PATCH that does not name them keeps them',
    missing: ['properties.credentials.certificates[].encodedPemCertificate'],
    extra: [
      'properties.credentials.certificates[].expiry',
      'properties.credentials.certificates[].thumbprint',
      ...['creationTime', 'expiry', 'name'].map((k) => `properties.credentials.passwords[].${k}`),
    ],
  }),
  RegistryGenerateCredentials: intended({
    why: 'ACR answers 202 + Location (a 202 the example lists) and its result gives each password its creationTime',
    extra: ['passwords[].creationTime'],
  }),
  GetClusterExample: intended(arcCluster, {
    why: 'a connected cluster with Azure RBAC has an aadProfile, and every one an arcAgentProfile',
    extra: [
      'properties.aadProfile.adminGroupObjectIDs[]',
      'properties.aadProfile.enableAzureRBAC',
      'properties.aadProfile.tenantID',
      'properties.arcAgentProfile.agentAutoUpgrade',
      'properties.arcAgentProfile.desiredAgentVersion',
    ],
  }),
  GetProvisionedClusterExample: intended(arcCluster, { why: 'not a ProvisionedCluster', missing: ['kind'] }),
  CustomLocationsGet: intended({
    why: 'a custom location of an Arc cluster reports its hostType (Kubernetes); the example leaves it out',
    extra: ['properties.hostType'],
  }),
  CustomLocationsListEnabledResourceTypes: intended(paging),
};

/** What an example needs in place besides what the examples before it created. */
const SETUP: Record<string, () => Promise<void>> = {
  // TokenUpdate moves myToken to the scope map myNewScopeMap, which no other example creates.
  TokenUpdate: async () => {
    const res = await call(`${arm.seed.registryId}/scopeMaps/myNewScopeMap?api-version=2025-11-01`, 'PUT', {
      properties: { actions: ['repositories/myrepository/content/read'] },
    });
    expect(res.status).toBe(201);
    expect(await operationStatus(header(res, 'azure-asyncoperation')!)).toBe('Succeeded');
  },
};

let ca: TestCertificate;
let entra: EntraStandIn;
let arm: ArmStandIn;
const token = () => entra.mintAccessToken({ tenantId: arm.seed.tenantId, clientId: APP });
const call = (url: string, method = 'GET', body?: unknown) =>
  httpsJson(url.startsWith('https:') ? url : `${arm.url}${url}`, {
    method,
    caPem: ca.cert,
    token: token(),
    ...(body === undefined ? {} : { body }),
  });

beforeAll(async () => {
  ca = await createTestCa('ARM replay CA');
  entra = await startEntraStandIn({ ca });
  arm = await startArmStandIn({ ca, auth: { jwks: () => entra.jwks() } });
  entra.addTenant({ tenantId: arm.seed.tenantId, applications: [{ clientId: APP }] });
});

afterAll(async () => {
  await Promise.all([arm?.close(), entra?.close()]);
});

const header = (res: RawResponse, name: string) => {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** Polls an Azure-AsyncOperation monitor to its end; the final status. */
async function operationStatus(url: string): Promise<string> {
  return until(`operation ${url}`, async () => {
    const s = ((await call(url)).body as { status?: string }).status;
    return s && s !== 'InProgress' ? s : undefined;
  });
}

/** Polls a Location monitor until it stops answering 202; the final answer. */
async function locationResult(url: string): Promise<RawResponse> {
  return until(`result ${url}`, async () => {
    const res = await call(url);
    return res.status === 202 ? undefined : res;
  });
}

/** Every page of a list, from the first answer on: its envelope with all pages' items. */
async function readAllPages(first: RawResponse): Promise<{ body: unknown; pages: number }> {
  const page = first.body as { value: unknown[]; nextLink?: string };
  const value = [...page.value];
  let next = page.nextLink;
  let pages = 1;
  while (next) {
    const res = await call(next);
    expect(res.status, `${next}: ${JSON.stringify(res.body)}`).toBe(200);
    const p = res.body as { value: unknown[]; nextLink?: string };
    value.push(...p.value);
    next = p.nextLink;
    pages += 1;
  }
  return { body: { ...page, value }, pages };
}

/** Our answer in its final form: long-running operations followed to their end, lists through all pages. */
async function settle(r: Replay, res: RawResponse): Promise<{ status: number; body: unknown }> {
  const async = header(res, 'azure-asyncoperation');
  const location = header(res, 'location');
  if (r.op.method === 'PUT' || r.op.method === 'PATCH') {
    if (async) expect(await operationStatus(async)).toBe('Succeeded');
    return { status: res.status, body: res.body };
  }
  if (res.status === 202 && location) {
    const done = await locationResult(location);
    if (async) expect(await operationStatus(async)).toBe('Succeeded');
    return { status: done.status, body: done.body };
  }
  if (r.op.method === 'GET' && Array.isArray((res.body as { value?: unknown } | undefined)?.value)) {
    const all = await readAllPages(res);
    expect(all.pages, 'paging is on: a full first page has a nextLink').toBeGreaterThan(1);
    return { status: res.status, body: all.body };
  }
  return { status: res.status, body: res.body };
}

async function replay(r: Replay): Promise<void> {
  await SETUP[r.example.title]?.();
  const req: ReplayRequest = replayRequest(r, arm.seed);
  const res = await call(req.url, req.method, req.body);
  const expected = INTENDED[r.example.title] ?? intended();
  const statuses = Object.keys(r.example.responses).map(Number);
  expect(statuses, `${req.method} ${req.url} → ${res.status} ${JSON.stringify(res.body)}`).toContain(
    res.status,
  );
  const issues = await arm.validator.validateResponse(
    { url: `${arm.url}${req.url}`, method: req.method },
    { status: res.status, headers: res.headers as Record<string, string>, body: res.body },
  );
  expect(issues).toEqual([]);
  for (const h of Object.keys(r.example.responses[String(res.status)]?.headers ?? {})) {
    expect(header(res, h), `header ${h}`).toBeDefined();
  }
  const final = await settle(r, res);
  const theirs = r.example.responses[String(final.status)]?.body;
  if (theirs !== undefined) {
    const schema = responseSchema(index, r.op, final.status);
    const diff = shapeDiff(shapeOf(index, schema, final.body), shapeOf(index, schema, theirs));
    expect(diff, expected.why.join('; ')).toEqual({ missing: expected.missing, extra: expected.extra });
  }
  if (req.body !== undefined && (req.method === 'PUT' || req.method === 'PATCH')) {
    const ours = leaves(final.body);
    const notEchoed = [...leaves(req.body)]
      .filter(([p, v]) => !Object.is(ours.get(p), v))
      .map(([p]) => p)
      .sort();
    expect(notEchoed, expected.why.join('; ')).toEqual(expected.notEchoed);
  }
}

describe('what the stand-in implements', () => {
  test('every route of the stand-in is an operation of the vendored specs', () => {
    expect(routes.filter((r) => !r.op).map((r) => `${r.impl.method} ${r.impl.path}`)).toEqual([]);
    expect(implemented.length).toBeGreaterThan(20);
  });

  test('every operation it implements has official examples, all vendored', () => {
    const without = implemented.filter((op) => Object.keys(op.examples).length === 0);
    expect(without.map((op) => `${op.operationId} has no x-ms-examples`)).toEqual([]);
    const absent = implemented.flatMap((op) =>
      Object.values(op.examples)
        .filter((f) => !existsSync(f))
        .map(
          (f) =>
            `${op.operationId}: ${relative(index.specsDir, f)} is not vendored (see test/contracts/azure/README.md)`,
        ),
    );
    expect(absent).toEqual([]);
    expect(plan.length).toBe(implemented.reduce((n, op) => n + Object.keys(op.examples).length, 0));
  });

  test('every intended difference and setup names an example that is replayed', () => {
    const titles = new Set(plan.map((r) => r.example.title));
    expect([...Object.keys(INTENDED), ...Object.keys(SETUP)].filter((t) => !titles.has(t))).toEqual([]);
  });
});

describe('official examples replayed', () => {
  test.each(plan.map((r) => [`${r.op.operationId}: ${r.example.title}`, r] as const))('%s', async (_t, r) => {
    await replay(r);
    expect(arm.responseIssues).toEqual([]);
  });
});

describe('operations the stand-in does not offer', () => {
  test("answer with ARM's own error (InvalidResourceType or MethodNotAllowed), valid against the spec", async () => {
    const wrong: string[] = [];
    for (const op of notOffered) {
      const url = `${fillPath(op.path, seededNames(arm.seed), 'replay-probe')}?api-version=${op.apiVersion}`;
      const res = await call(url, op.method, ['PUT', 'PATCH', 'POST'].includes(op.method) ? {} : undefined);
      const error = (res.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const armShaped =
        typeof error?.message === 'string' &&
        ((res.status === 404 && error.code === 'InvalidResourceType') ||
          (res.status === 405 && error.code === 'MethodNotAllowed'));
      const issues = await arm.validator.validateResponse(
        { url: `${arm.url}${url}`, method: op.method },
        { status: res.status, headers: res.headers as Record<string, string>, body: res.body },
      );
      if (!armShaped || issues.length > 0) {
        wrong.push(
          `${op.operationId}: ${op.method} ${url} → ${res.status} ${JSON.stringify(res.body)} ${JSON.stringify(issues)}`,
        );
      }
    }
    expect(wrong).toEqual([]);
    expect(notOffered.length).toBeGreaterThan(0);
  });
});
