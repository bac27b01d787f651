// acr mode against the ARM + Entra stand-ins and two real registry peers: src/azure/acr-importer.ts imports by digest
// and the stand-in copies for real (skopeo) from the "source" peer to the peer behind the ACR resource, so digests
// are checked with skopeo at the target. NoForce/Force, 429 + Retry-After, a failed and a hung long-running
// operation; src/azure/acr-pull-token.ts creates and rotates a pull-only token. The stand-in validates every request
// body and its own answers against the ContainerRegistry 2025-11-01 spec (oav): nothing may be flagged.
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { AcrError, acrImporter, importCredentials } from '../../src/azure/acr-importer.js';
import { decidePullPassword, ensureAcrPullToken } from '../../src/azure/acr-pull-token.js';
import type { AzureAccess } from '../../src/azure/azure-access.js';
import type { ImageImporter, ImageRef } from '../../src/registry/types.js';
import { ARM_SCOPE, httpsJson, staticCredential } from '../support/arm/client-options.js';
import { startArmStandIn } from '../support/arm/index.js';
import type { ArmStandIn } from '../support/arm/index.js';
import { peerImportHooks } from '../support/arm/peer-import.js';
import type { PeerImportHooks } from '../support/arm/peer-import.js';
import { startEntraStandIn } from '../support/identity/index.js';
import type { EntraStandIn } from '../support/identity/index.js';
import { pushTestImage } from '../support/kube-apiserver/kubelet/test-images.js';
import type { PushedImage } from '../support/kube-apiserver/kubelet/test-images.js';
import { startRegistry } from '../support/peers/registry.js';
import type { RegistryPeer } from '../support/peers/registry.js';
import { createSkopeo } from '../support/peers/skopeo.js';
import type { Skopeo } from '../support/peers/skopeo.js';
import { createTestCa, issueLoopbackServerCert } from '../support/test-pki.js';
import type { TestCertificate } from '../support/test-pki.js';

const APP = '5a0c3b1e-2f4d-4e6a-8b9c-0d1e2f3a4b5c';
// The source peer stands in for Google Artifact Registry: user _json_key, the key JSON as the password.
const KEY_JSON = '{"type":"service_account","project_id":"litmus-sales-enablement"}';
const REPO = 'litmusedge/litmusedge-std-docker';

let ca: TestCertificate;
let entra: EntraStandIn;
let arm: ArmStandIn;
let source: RegistryPeer;
let target: RegistryPeer;
let skopeo: Skopeo;
let imports: PeerImportHooks;
let az: AzureAccess;
let v1: PushedImage;
let v2: PushedImage;

beforeAll(async () => {
  ca = await createTestCa('ACR importer test CA');
  skopeo = await createSkopeo();
  [entra, source, target] = await Promise.all([
    startEntraStandIn({ ca }),
    issueLoopbackServerCert(ca).then((serverCert) =>
      startRegistry({ serverCert, username: '_json_key', password: KEY_JSON, caPem: ca.cert }),
    ),
    issueLoopbackServerCert(ca).then((serverCert) =>
      startRegistry({ serverCert, username: 'acr', password: 'acr-secret', caPem: ca.cert }),
    ),
  ]);
  arm = await startArmStandIn({ ca, auth: { jwks: () => entra.jwks() } });
  entra.addTenant({ tenantId: arm.seed.tenantId, applications: [{ clientId: APP }] });
  imports = peerImportHooks({
    registries: { [arm.seed.registryId]: target },
    sources: [source],
    skopeo,
  });
  arm.hooks.importImage = imports.importImage;
  arm.hooks.targetTagExists = imports.targetTagExists;
  const push = { registry: source.host, ca: ca.cert, creds: source.creds, repository: REPO };
  v1 = await pushTestImage({ ...push, tag: 'latest', labels: { build: '1' } });
  v2 = await pushTestImage({ ...push, tag: 'next', labels: { build: '2' } });
  az = {
    credential: staticCredential(() => entra.mintAccessToken({ tenantId: arm.seed.tenantId, clientId: APP })),
    describe: `test app ${APP}`,
    subscriptionId: arm.seed.subscriptionId,
    resourceManager: arm.url,
    clientOptions: {
      endpoint: arm.url,
      credentialScopes: [ARM_SCOPE],
      tlsOptions: { ca: ca.cert },
      retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 },
    },
  };
}, 60_000);

afterAll(async () => {
  await Promise.all([arm?.close(), entra?.close(), source?.stop(), target?.stop()]);
  await skopeo?.dispose();
});

afterEach(() => {
  // oav checked every request body and every answer of the stand-in.
  expect(arm.responseIssues).toEqual([]);
  expect(arm.requests.filter((r) => r.errorCode === 'InvalidRequestContent')).toEqual([]);
  arm.faults.reset();
});

const registry = () => ({
  subscriptionId: arm.seed.subscriptionId,
  resourceGroup: arm.seed.resourceGroup,
  registryName: arm.seed.registryName,
});
const from = (img: PushedImage): ImageRef & { digest: string } => ({
  registry: source.host,
  repository: REPO,
  digest: img.digest,
});
const to = (tag: string): ImageRef => ({ registry: arm.seed.loginServer, repository: REPO, tag });
const credentials = { username: '_json_key', password: KEY_JSON };
const importer = (o: { deadlineMs?: number } = {}): Promise<ImageImporter> =>
  acrImporter(az, registry(), { pollIntervalMs: 20, ...o });
const signal = () => new AbortController().signal;

/** The digest at the target peer, from skopeo's raw manifest bytes. */
async function targetDigest(tag: string): Promise<string> {
  const r = await skopeo.ok([
    'inspect',
    '--raw',
    '--creds',
    target.creds,
    '--cert-dir',
    target.certDir!,
    `docker://${target.host}/${REPO}:${tag}`,
  ]);
  return `sha256:${createHash('sha256').update(r.stdout, 'utf8').digest('hex')}`;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(Error);
  return e as Error;
}

describe('acrImporter', () => {
  test('imports by digest: the stand-in copies for real and the target tag has the source digest', async () => {
    const since = arm.requests.length;
    const imp = await importer();
    expect(imp.where).toBe(
      `Azure Container Registry ${arm.seed.registryName} (resource group ${arm.seed.resourceGroup})`,
    );
    await imp.importImage(from(v1), to('3.16.2'), { mode: 'NoForce', credentials, signal: signal() });
    expect(await targetDigest('3.16.2')).toBe(v1.digest);
    const own = arm.requests.slice(since);
    expect(own.find((r) => r.operationId === 'Registries_ImportImage')).toMatchObject({
      method: 'POST',
      status: 202,
    });
    // The operation stayed InProgress while the copy ran, then Succeeded.
    expect(own.filter((r) => r.kind.startsWith('operation')).length).toBeGreaterThan(2);
    expect(imports.copies.at(-1)).toBe(
      `docker://${source.host}/${REPO}@${v1.digest} -> ${target.host}/${REPO}:3.16.2`,
    );
  });

  test('NoForce onto an existing tag fails with ACR’s Conflict code and message; nothing is copied', async () => {
    const imp = await importer();
    const e = await failure(
      imp.importImage(from(v2), to('3.16.2'), { mode: 'NoForce', credentials, signal: signal() }),
    );
    expect(e).toBeInstanceOf(AcrError);
    expect((e as AcrError).code).toBe('Conflict');
    expect(e.message).toContain(`Tag ${REPO}:3.16.2 already exists in target registry`);
    expect(await targetDigest('3.16.2')).toBe(v1.digest);
  });

  test('Force overwrites the tag with the new digest', async () => {
    const imp = await importer();
    await imp.importImage(from(v2), to('3.16.2'), { mode: 'Force', credentials, signal: signal() });
    expect(await targetDigest('3.16.2')).toBe(v2.digest);
  });

  test('a base64-encoded _json_key is sent as the raw JSON (Azure/acr#549)', async () => {
    expect(
      importCredentials({ username: '_json_key', password: Buffer.from(KEY_JSON).toString('base64') }),
    ).toEqual(credentials);
    expect(
      importCredentials({ username: '_json_key_base64', password: Buffer.from(KEY_JSON).toString('base64') }),
    ).toEqual(credentials);
    const imp = await importer();
    await imp.importImage(from(v1), to('b64'), {
      mode: 'NoForce',
      credentials: { username: '_json_key', password: Buffer.from(KEY_JSON).toString('base64') },
      signal: signal(),
    });
    expect(await targetDigest('b64')).toBe(v1.digest);
  });

  test('429 with Retry-After: the SDK waits as told, then the import succeeds', async () => {
    arm.faults.add({
      match: { method: 'POST', path: /\/importImage$/ },
      fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
    });
    const since = arm.requests.length;
    const imp = await importer();
    await imp.importImage(from(v1), to('throttled'), { mode: 'NoForce', credentials, signal: signal() });
    const posts = arm.requests.slice(since).filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.status)).toEqual([429, 202]);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(await targetDigest('throttled')).toBe(v1.digest);
  });

  test('a failed long-running operation is reported with ACR’s code and message', async () => {
    arm.faults.add({
      match: { method: 'POST', path: /\/importImage$/ },
      fault: {
        kind: 'lro-failed',
        code: 'InvalidParameters',
        message: 'The source image us-docker.pkg.dev/vendor/missing@sha256:00 could not be found.',
      },
    });
    const imp = await importer();
    const e = await failure(
      imp.importImage(from(v1), to('failed'), { mode: 'NoForce', credentials, signal: signal() }),
    );
    expect(e).toBeInstanceOf(AcrError);
    expect((e as AcrError).code).toBe('InvalidParameters');
    expect(e.message).toContain('could not be found');
    expect(e.message).toContain(
      `ACR import of ${source.host}/${REPO}@${v1.digest} into ${arm.seed.registryName}`,
    );
  });

  test('an import stuck in Running hits the client deadline with the known cause named', async () => {
    arm.lro.holdRunning((s) => s.namePrefix === 'registries-');
    const imp = await importer({ deadlineMs: 600 });
    const started = Date.now();
    const e = await failure(
      imp.importImage(from(v1), to('hung'), { mode: 'NoForce', credentials, signal: signal() }),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(e).toBeInstanceOf(AcrError);
    expect((e as AcrError).code).toBe('ImportDeadlineExceeded');
    expect(e.message).toContain('deadline of 1 s');
    expect(e.message).toContain('Azure/acr#549');
    expect(e.message).toContain('base64');
  });

  test('an identity without the import permission gets the role to assign', async () => {
    arm.faults.add({
      match: { method: 'POST', path: /\/importImage$/ },
      fault: {
        kind: 'status',
        status: 403,
        body: {
          error: {
            code: 'AuthorizationFailed',
            message: `The client '${APP}' does not have authorization to perform action 'Microsoft.ContainerRegistry/registries/importImage/action'.`,
          },
        },
      },
    });
    const imp = await importer();
    const e = await failure(
      imp.importImage(from(v1), to('denied'), { mode: 'NoForce', credentials, signal: signal() }),
    );
    expect(e).toBeInstanceOf(AcrError);
    expect((e as AcrError).code).toBe('AuthorizationFailed');
    expect((e as AcrError).fix).toContain('Microsoft.ContainerRegistry/registries/importImage/action');
  });
});

describe('ensureAcrPullToken', () => {
  const day = 86_400_000;
  const t0 = new Date('2026-11-01T00:00:00Z');
  const tokenId = () => `${arm.seed.registryId}/tokens/litmusedge-litmusedge-std-docker-pull`;
  const writes = (since: number) =>
    arm.requests
      .slice(since)
      .filter((r) => r.method !== 'GET')
      .map((r) => r.operationId);

  test('first call: scope map + token + password1; second: unchanged; after pull-token-days: password2', async () => {
    let since = arm.requests.length;
    const first = await ensureAcrPullToken(az, registry(), { repository: REPO, now: t0, pollIntervalMs: 20 });
    expect(first).toMatchObject({
      username: 'litmusedge-litmusedge-std-docker-pull',
      action: 'created',
      slot: 'password1',
    });
    expect(first.password).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    expect(writes(since)).toEqual(['ScopeMaps_Create', 'Tokens_Create', 'Registries_GenerateCredentials']);
    const scopeMap = arm.store.get(
      `${arm.seed.registryId}/scopeMaps/litmusedge-litmusedge-std-docker-pull-scope`,
    );
    expect(scopeMap?.properties?.actions).toEqual([
      `repositories/${REPO}/content/read`,
      `repositories/${REPO}/metadata/read`,
    ]);
    // ACR keeps name and creation time, never the value.
    const stored = arm.store.get(tokenId())?.properties?.credentials as {
      passwords: Record<string, unknown>[];
    };
    expect(stored.passwords).toHaveLength(1);
    expect(stored.passwords[0]).toMatchObject({ name: 'password1' });
    expect(stored.passwords[0]).not.toHaveProperty('value');

    since = arm.requests.length;
    const current = { username: first.username, password: first.password };
    const again = await ensureAcrPullToken(az, registry(), {
      repository: REPO,
      now: new Date(Date.now() + 29 * day),
      current,
    });
    expect(again).toMatchObject({
      action: 'unchanged',
      slot: 'password1',
      password: first.password,
      changes: [],
    });
    expect(writes(since)).toEqual([]);

    since = arm.requests.length;
    const rotated = await ensureAcrPullToken(az, registry(), {
      repository: REPO,
      now: new Date(Date.now() + 31 * day),
      current,
      pollIntervalMs: 20,
    });
    expect(rotated).toMatchObject({ action: 'rotated', slot: 'password2' });
    expect(rotated.password).not.toBe(first.password);
    expect(rotated.changes.join('\n')).toContain('rotation after 30 days');
    expect(writes(since)).toEqual(['Registries_GenerateCredentials']);
    const after = arm.store.get(tokenId())?.properties?.credentials as { passwords: { name: string }[] };
    expect(after.passwords.map((p) => p.name)).toEqual(['password1', 'password2']);
  });

  test('the next rotation goes back to password1 (the older slot)', () => {
    const now = new Date('2027-03-01T00:00:00Z');
    const d = decidePullPassword(
      [
        { name: 'password1', creationTime: new Date('2027-01-01T00:00:00Z') },
        { name: 'password2', creationTime: new Date('2027-01-20T00:00:00Z') },
      ],
      { rotateAfterDays: 30, now, haveCurrent: true },
    );
    expect(d).toMatchObject({ action: 'generate', slot: 'password1' });
  });

  test('a tier that refuses tokens is reported with the fix', async () => {
    arm.faults.add({
      match: { method: 'GET', path: /\/scopeMaps\/[^/]+$/ },
      fault: {
        kind: 'status',
        status: 400,
        body: {
          error: {
            code: 'NotSupported',
            message: 'Scope maps are not supported for registries in Basic SKU.',
          },
        },
      },
    });
    const e = await failure(ensureAcrPullToken(az, registry(), { repository: 'other/app', now: t0 }));
    expect(e).toBeInstanceOf(AcrError);
    expect((e as AcrError).fix).toContain('--sku Premium');
  });
});

describe('ARM stand-in: tokens answer like ACR', () => {
  test('PATCH on a token updates it (no 405); a certificate comes back as thumbprint + expiry, never the PEM', async () => {
    const { acrManagementClient } = await import('../../src/azure/acr-importer.js');
    const client = await acrManagementClient(az, arm.seed.subscriptionId);
    const rg = arm.seed.resourceGroup;
    const reg = arm.seed.registryName;
    const cert = await issueLoopbackServerCert(ca);
    const updated = await client.tokens
      .update(
        rg,
        reg,
        'litmusedge-litmusedge-std-docker-pull',
        {
          status: 'disabled',
          credentials: {
            certificates: [
              { name: 'certificate1', encodedPemCertificate: Buffer.from(cert.cert).toString('base64') },
            ],
          },
        },
        { updateIntervalInMs: 20 },
      )
      .pollUntilDone();
    expect(updated.status).toBe('disabled');
    const c = updated.credentials?.certificates?.[0];
    expect(c?.encodedPemCertificate).toBeUndefined();
    expect(c?.thumbprint).toMatch(/^[0-9A-F]{40}$/);
    expect(c?.expiry).toBeInstanceOf(Date);
    // The passwords survive a PATCH that does not name them.
    expect(updated.credentials?.passwords?.map((p) => p.name)).toEqual(['password1', 'password2']);
  });

  test('enabledResourceTypes of the custom location lists what the AIO extension enables (no 404)', async () => {
    const res = await httpsJson(
      `${arm.url}${arm.seed.customLocationId}/enabledResourceTypes?api-version=2021-08-15`,
      {
        method: 'GET',
        caPem: ca.cert,
        token: entra.mintAccessToken({ tenantId: arm.seed.tenantId, clientId: APP }),
      },
    );
    expect(res.status).toBe(200);
    const value = (
      res.body as { value: { properties: { extensionType: string; typesMetadata: unknown[] } }[] }
    ).value;
    expect(value[0]!.properties.extensionType).toBe('microsoft.iotoperations');
    expect(value[0]!.properties.typesMetadata).toContainEqual({
      apiVersion: '2025-10-01',
      resourceProviderNamespace: 'Microsoft.IoTOperations',
      resourceType: 'instances/brokers/listeners',
    });
  });
});
