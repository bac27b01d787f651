// ACR's data plane signed in with the job's Azure identity (src/azure/acr-registry-auth.ts), end to end: an Entra
// token from the Entra stand-in is exchanged at the ACR stand-in's /oauth2/exchange for a refresh token, which the
// registry's Bearer flow turns into access tokens that a real docker-registry (token auth) checks. The OCI adapter
// copies an image in and reads it back; skopeo does the same as `docker login` after `az acr login` would. Refused
// Entra tokens, a pull-only identity, expired refresh and access tokens, and a failing exchange are covered too.
import { request } from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import {
  ACR_REFRESH_TOKEN_USER,
  acrRegistryAuth,
  exchangeAcrRefreshToken,
  refreshTokenExpiry,
} from '../../src/azure/acr-registry-auth.js';
import type { AcrAuthOptions } from '../../src/azure/acr-registry-auth.js';
import type { AzureAccess } from '../../src/azure/azure-access.js';
import { anonymousAuth, basicAuth } from '../../src/registry/auth.js';
import { RegistryError } from '../../src/registry/errors.js';
import { ociHttpRegistry } from '../../src/registry/oci-http.js';
import type { ImageRef } from '../../src/registry/types.js';
import { startAcrDataPlane } from '../support/acr-data-plane/index.js';
import type { AcrDataPlane, AcrRequestRecord } from '../support/acr-data-plane/index.js';
import { createSigningKey, createTestClock, signJwt, startEntraStandIn } from '../support/identity/index.js';
import type { EntraStandIn, TestClock } from '../support/identity/index.js';
import { pushTestImage } from '../support/kube-apiserver/kubelet/test-images.js';
import type { PushedImage } from '../support/kube-apiserver/kubelet/test-images.js';
import { startRegistry } from '../support/peers/registry.js';
import type { RegistryPeer } from '../support/peers/registry.js';
import { createSkopeo } from '../support/peers/skopeo.js';
import type { Skopeo } from '../support/peers/skopeo.js';
import { createTestCa, issueLoopbackServerCert } from '../support/test-pki.js';
import type { TestCertificate } from '../support/test-pki.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const WRITER = '5a0c3b1e-2f4d-4e6a-8b9c-0d1e2f3a4b5c';
const READER = '9d8c7b6a-5f4e-4d3c-8b2a-1a0b9c8d7e6f';
const NOBODY = '1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6';
const REPO = 'litmusedge/litmusedge-std-docker';
const ARM_SCOPE = 'https://management.azure.com/.default';

let ca: TestCertificate;
let clock: TestClock;
let entra: EntraStandIn;
let acr: AcrDataPlane;
let source: RegistryPeer;
let skopeo: Skopeo;
let image: PushedImage;
let seeded: PushedImage;

/** An AzureAccess whose credential hands out what `mint` returns (Entra stand-in tokens by default). */
function accessFor(clientId: string, mint?: () => string): AzureAccess {
  const credential: TokenCredential = {
    getToken: async (): Promise<AccessToken> => ({
      token: mint ? mint() : entra.mintAccessToken({ tenantId: TENANT, clientId }),
      expiresOnTimestamp: clock.now() + 3_600_000,
    }),
  };
  return {
    credential,
    describe: `test app ${clientId}`,
    resourceManager: 'https://management.azure.com',
    clientOptions: { endpoint: 'https://management.azure.com', credentialScopes: [ARM_SCOPE] },
  };
}

const target = (az: AzureAccess, o: AcrAuthOptions = {}) =>
  ociHttpRegistry(new URL(acr.url), acrRegistryAuth(az, acr.loginServer, { ca: ca.cert, ...o }), {
    ca: ca.cert,
    retryBaseMs: 10,
    retryMaxMs: 50,
  });
const at = (repository: string, tag: string): ImageRef => ({ registry: acr.loginServer, repository, tag });
const signal = () => new AbortController().signal;
const since = (mark: number, path: string) => acr.requests.slice(mark).filter((r) => r.path === path);
const exchanges = (mark: number) => since(mark, '/oauth2/exchange');
const tokenRequests = (mark: number) => since(mark, '/oauth2/token');

/** The RegistryError `p` rejects with (a failed expectation when it resolves or throws something else). */
async function refusal(p: Promise<unknown>): Promise<RegistryError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(RegistryError);
  return e as RegistryError;
}

/** Everything the product wrote to the console while `fn` ran (nothing there may carry a token). */
async function consoleDuring(fn: () => Promise<void>): Promise<string> {
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation(() => undefined),
  );
  try {
    await fn();
    return spies.flatMap((s) => s.mock.calls.map((c) => c.map(String).join(' '))).join('\n');
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

beforeAll(async () => {
  ca = await createTestCa('ACR data plane test CA');
  clock = createTestClock();
  [entra, source, skopeo] = await Promise.all([
    startEntraStandIn({ ca, clock }),
    issueLoopbackServerCert(ca).then((serverCert) =>
      startRegistry({ serverCert, username: 'vendor', password: 'vendor-secret', caPem: ca.cert }),
    ),
    createSkopeo(),
  ]);
  entra.addTenant({
    tenantId: TENANT,
    applications: [{ clientId: WRITER }, { clientId: READER }, { clientId: NOBODY }],
  });
  acr = await startAcrDataPlane({
    ca,
    entraJwks: () => entra.jwks(),
    tenantId: TENANT,
    clock,
    roles: { [WRITER]: ['AcrPush'], [READER]: ['AcrPull'], [NOBODY]: [] },
    adminUser: { username: 'contosoregistry', password: 'admin-secret' },
  });
  image = await pushTestImage({
    registry: source.host,
    ca: ca.cert,
    creds: source.creds,
    repository: REPO,
    tag: 'latest',
  });
  // A second repository written by a plain Bearer client with the null-GUID user, as `docker push` would.
  const rt = await exchangeAcrRefreshToken(accessFor(WRITER), acr.loginServer, { ca: ca.cert });
  seeded = await pushTestImage({
    registry: acr.loginServer,
    ca: ca.cert,
    creds: `${ACR_REFRESH_TOKEN_USER}:${rt}`,
    repository: 'seeded/app',
    tag: 'v1',
    labels: { seeded: 'yes' },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([acr?.close(), entra?.close(), source?.stop()]);
  await skopeo?.dispose();
});

afterEach(() => {
  clock.reset();
  acr.faults.reset();
});

describe('ACR data plane with the job identity (acrRegistryAuth)', () => {
  test('copies an image in through the token exchange and reads its digest back; no token reaches the console', async () => {
    const mark = acr.requests.length;
    const src = ociHttpRegistry(new URL(source.url), basicAuth('vendor', 'vendor-secret'), { ca: ca.cert });
    const dst = target(accessFor(WRITER));
    let copied: string | undefined;
    let resolved: string | undefined;
    const printed = await consoleDuring(async () => {
      const r = await dst.copyFrom(
        src,
        { registry: source.host, repository: REPO, tag: 'latest' },
        at(REPO, '3.16.2'),
        { platforms: 'all', signal: signal() },
      );
      copied = r.descriptor.digest;
      resolved = (await dst.resolve(at(REPO, '3.16.2')))?.digest;
    });
    expect(copied).toBe(image.digest);
    expect(resolved).toBe(image.digest);
    // One exchange for the whole copy; access tokens came from the refresh token as the null-GUID user.
    expect(exchanges(mark).map((r) => r.status)).toEqual([200]);
    const tokens = tokenRequests(mark);
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.every((r) => r.status === 200 && r.credential === 'basic-refresh-token')).toBe(true);
    expect(tokens.some((r) => r.granted?.includes(`repository:${REPO}:pull,push`))).toBe(true);
    for (const rt of acr.issuedRefreshTokens) expect(printed).not.toContain(rt);
  });

  test('skopeo with user 00000000-0000-0000-0000-000000000000 and the refresh token copies and inspects', async () => {
    const rt = await exchangeAcrRefreshToken(accessFor(WRITER), acr.loginServer, { ca: ca.cert });
    expect(refreshTokenExpiry(rt)).toBeGreaterThan(Date.now() + 2 * 3600_000);
    const creds = `${ACR_REFRESH_TOKEN_USER}:${rt}`;
    await skopeo.ok([
      'copy',
      '--src-creds',
      source.creds,
      '--src-cert-dir',
      source.certDir!,
      '--dest-creds',
      creds,
      '--dest-cert-dir',
      acr.certDir,
      '--preserve-digests',
      `docker://${source.host}/${REPO}:latest`,
      `docker://${acr.loginServer}/${REPO}:by-skopeo`,
    ]);
    const inspected = await skopeo.inspect(
      `docker://${acr.loginServer}/${REPO}:by-skopeo`,
      creds,
      acr.certDir,
    );
    expect(inspected.Digest).toBe(image.digest);
    expect((await target(accessFor(READER)).resolve(at(REPO, 'by-skopeo')))?.digest).toBe(image.digest);
    const wrong = await skopeo.run([
      'inspect',
      '--creds',
      `${ACR_REFRESH_TOKEN_USER}:not-a-refresh-token`,
      '--cert-dir',
      acr.certDir,
      `docker://${acr.loginServer}/${REPO}:by-skopeo`,
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/unauthorized|authentication required/i);
  });
});

describe('refusals name the login server and what to do, never a token', () => {
  const foreign = async () => {
    const key = await createSigningKey();
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      { aud: 'https://management.azure.com/', tid: TENANT, oid: WRITER, nbf: now, exp: now + 3600 },
      key,
    );
  };
  const cases: [string, string, () => Promise<string> | string, string][] = [
    [
      'expired',
      WRITER,
      () => entra.mintAccessToken({ tenantId: TENANT, clientId: WRITER, lifetimeSeconds: -3600 }),
      'expired',
    ],
    [
      'for another audience',
      WRITER,
      () =>
        entra.mintAccessToken({ tenantId: TENANT, clientId: WRITER, audience: 'https://vault.azure.net' }),
      'wrong-audience',
    ],
    [
      'from another tenant',
      WRITER,
      () => entra.mintAccessToken({ tenantId: 'f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f', clientId: WRITER }),
      'wrong-tenant',
    ],
    ['not signed by Entra', WRITER, foreign, 'bad-signature'],
    [
      'of an identity without a role on the registry',
      NOBODY,
      () => entra.mintAccessToken({ tenantId: TENANT, clientId: NOBODY }),
      'no-role',
    ],
  ];
  test.each(cases)('an Entra token %s', async (_name, app, make, reason) => {
    const mark = acr.requests.length;
    const entraToken = await make();
    const az = accessFor(app, () => entraToken);
    const err = await refusal(target(az).resolve(at(REPO, 'latest')));
    expect(err.kind).toBe('unauthorized');
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.message).toContain(
      `${acr.loginServer} refused to exchange the Entra token of test app ${app}`,
    );
    expect(err.fix).toContain('AcrPull (to read) or AcrPush (to write)');
    expect(err.message).not.toContain(entraToken);
    expect(err.message).not.toMatch(/eyJ/);
    expect(exchanges(mark).map((r: AcrRequestRecord) => r.refusal)).toEqual([reason]);
    expect(tokenRequests(mark)).toEqual([]);
  });

  test('an exchange the service refuses (injected 401) and a host that is not ACR', async () => {
    acr.faults.add({
      match: { method: 'POST', path: '/oauth2/exchange' },
      fault: { kind: 'status', status: 401 },
    });
    const refused = await refusal(
      exchangeAcrRefreshToken(accessFor(WRITER), acr.loginServer, { ca: ca.cert }),
    );
    expect(refused.message).toMatch(
      /refused to exchange the Entra token .* \(HTTP 401: UNAUTHORIZED authentication required/,
    );
    const notAcr = await refusal(exchangeAcrRefreshToken(accessFor(WRITER), source.host, { ca: ca.cert }));
    expect(notAcr.kind).toBe('unsupported');
    expect(notAcr.message).toContain(`${source.host} has no ACR token exchange`);
    expect(notAcr.fix).toContain('mirror-mode oci');
  });

  test('a token service that refuses even a fresh refresh token: one more exchange, then a clear error', async () => {
    const mark = acr.requests.length;
    acr.faults.add({
      match: { method: 'GET', path: '/oauth2/token', times: 2 },
      fault: { kind: 'status', status: 401 },
    });
    const e = await refusal(target(accessFor(WRITER)).resolve(at('seeded/app', 'v1')));
    expect(e.kind).toBe('unauthorized');
    expect(e.message).toContain(
      `${acr.loginServer} refused a token for repository:seeded/app:pull to test app ${WRITER} right after a fresh token exchange (HTTP 401)`,
    );
    expect(e.fix).toContain('AcrPull (to read) or AcrPush (to write)');
    expect(exchanges(mark).map((r) => r.status)).toEqual([200, 200]);
    for (const rt of acr.issuedRefreshTokens) expect(e.message).not.toContain(rt);
  });

  test('a failing exchange (503 twice) is retried, then the read works', async () => {
    const mark = acr.requests.length;
    acr.faults.add({
      match: { method: 'POST', path: '/oauth2/exchange' },
      fault: { kind: 'burst', status: 503, count: 2 },
    });
    expect((await target(accessFor(READER)).resolve(at('seeded/app', 'v1')))?.digest).toBe(seeded.digest);
    expect(exchanges(mark).map((r) => r.status)).toEqual([503, 503, 200]);
  });

  test('a pull-only identity (AcrPull) reads; its push is granted as pull and refused as a denial naming AcrPush', async () => {
    const mark = acr.requests.length;
    const reader = target(accessFor(READER));
    expect((await reader.resolve(at('seeded/app', 'v1')))?.digest).toBe(seeded.digest);
    const src = ociHttpRegistry(new URL(source.url), basicAuth('vendor', 'vendor-secret'), { ca: ca.cert });
    const e = await refusal(
      reader.copyFrom(
        src,
        { registry: source.host, repository: REPO, tag: 'latest' },
        at('reader/denied', 'v1'),
        {
          platforms: 'all',
          signal: signal(),
        },
      ),
    );
    // docker-registry answers a token without the push scope with 401 error="insufficient_scope": a denial.
    expect(e.kind).toBe('denied');
    expect(e.message).toContain(
      `${acr.loginServer} denied test app ${READER} (ACR token exchange) writing reader/denied (HTTP 401 insufficient_scope`,
    );
    expect(e.fix).toBe(
      `grant test app ${READER} (ACR token exchange) the AcrPush role on reader/denied at ${acr.loginServer}`,
    );
    expect(tokenRequests(mark).some((r) => r.granted?.includes('repository:reader/denied:pull'))).toBe(true);
    expect(tokenRequests(mark).some((r) => r.granted?.some((g) => g.endsWith('push')))).toBe(false);
  });
});

describe('anonymous', () => {
  test('where anonymous pull is on, an anonymous push refused for scope says to give credentials (not to grant anonymous push)', async () => {
    const open = await startAcrDataPlane({ ca, entraJwks: () => entra.jwks(), anonymousPull: true });
    try {
      const anon = ociHttpRegistry(new URL(open.url), anonymousAuth(), { ca: ca.cert });
      const src = ociHttpRegistry(new URL(source.url), basicAuth('vendor', 'vendor-secret'), { ca: ca.cert });
      const e = await refusal(
        anon.copyFrom(
          src,
          { registry: source.host, repository: REPO, tag: 'latest' },
          { registry: open.loginServer, repository: 'anon/denied', tag: 'v1' },
          { platforms: 'all', signal: signal() },
        ),
      );
      expect(e.kind).toBe('unauthorized');
      expect(e.message).toContain(`${open.loginServer} refused anonymous for anon/denied (HTTP 401`);
      expect(e.fix).toBe(
        `give credentials for ${open.loginServer} (it does not serve anon/denied without them), or check the repository name: registries answer a missing repository this way too`,
      );
    } finally {
      await open.close();
    }
  });
});

describe('expiry', () => {
  test('a refresh token the token service finds expired is exchanged again', async () => {
    const reg = target(accessFor(WRITER));
    const mark = acr.requests.length;
    expect((await reg.resolve(at('seeded/app', 'v1')))?.digest).toBe(seeded.digest);
    // Four hours on (Entra and ACR share the clock): the 3 h refresh token is dead, Entra's new token is good.
    clock.advance(4 * 3600);
    expect(await reg.resolve(at('seeded/other', 'v1'))).toBeUndefined();
    expect(exchanges(mark).map((r) => r.status)).toEqual([200, 200]);
    expect(tokenRequests(mark).map((r) => r.refusal)).toContain('refresh-token-expired');
  });

  test('a refresh token about to expire by the client clock is renewed before use', async () => {
    let offsetMs = 0;
    const reg = target(accessFor(WRITER), { now: () => Date.now() + offsetMs });
    const mark = acr.requests.length;
    expect((await reg.resolve(at('seeded/app', 'v1')))?.digest).toBe(seeded.digest);
    offsetMs = 3 * 3600_000 - 60_000;
    expect((await reg.resolve(at('seeded/app', 'v1')))?.digest).toBe(seeded.digest);
    expect(exchanges(mark).map((r) => r.status)).toEqual([200, 200]);
    expect(tokenRequests(mark).every((r) => r.refusal === undefined)).toBe(true);
  });

  test('an access token the registry rejects as expired is replaced with a fresh one', async () => {
    const reg = target(accessFor(WRITER));
    expect((await reg.resolve(at('seeded/app', 'v1')))?.digest).toBe(seeded.digest);
    const mark = acr.requests.length;
    acr.issueExpiredAccessTokens(1);
    expect(await reg.resolve(at('seeded/missing', 'v1'))).toBeUndefined();
    expect(tokenRequests(mark).length).toBe(2);
    expect(exchanges(mark)).toEqual([]);
    const manifests = since(mark, '/v2/seeded/missing/manifests/v1').map((r) => r.status);
    expect(manifests[0]).toBe(401);
  });
});

/** One HTTPS request to the stand-in trusting the test CA: status, headers and parsed body. */
function call(
  method: 'GET' | 'POST',
  path: string,
  o: { form?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  const payload = o.form ? new URLSearchParams(o.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      `${acr.url}${path}`,
      {
        method,
        ca: ca.cert,
        headers: {
          ...(payload ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...o.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('the login server speaks ACR token protocol', () => {
  test('challenge, exchange, POST and GET token (refresh token, admin), anonymous refused, GET exchange 404', async () => {
    const v2 = await call('GET', '/v2/');
    expect(v2.status).toBe(401);
    expect(v2.headers['www-authenticate']).toBe(
      `Bearer realm="https://${acr.loginServer}/oauth2/token",service="${acr.loginServer}"`,
    );
    const exchanged = await call('POST', '/oauth2/exchange', {
      form: {
        grant_type: 'access_token',
        service: acr.loginServer,
        tenant: TENANT,
        access_token: entra.mintAccessToken({ tenantId: TENANT, clientId: WRITER }),
      },
    });
    expect(exchanged.status).toBe(200);
    expect(Object.keys(exchanged.body)).toEqual(['refresh_token']);
    const rt = String(exchanged.body['refresh_token']);
    const scope = `repository:${REPO}:pull`;
    const posted = await call('POST', '/oauth2/token', {
      form: { grant_type: 'refresh_token', service: acr.loginServer, scope, refresh_token: rt },
    });
    expect(posted.status).toBe(200);
    const access = String(posted.body['access_token']);
    const manifest = await call('GET', `/v2/seeded/app/manifests/v1`, {
      headers: { authorization: `Bearer ${access}`, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(manifest.status).toBe(401); // a token for another repository: the registry says so
    const q = `service=${encodeURIComponent(acr.loginServer)}&scope=${encodeURIComponent('repository:seeded/app:pull')}`;
    const admin = await call('GET', `/oauth2/token?${q}`, {
      headers: { authorization: `Basic ${Buffer.from('contosoregistry:admin-secret').toString('base64')}` },
    });
    expect(admin.status).toBe(200);
    const read = await call('GET', `/v2/seeded/app/manifests/v1`, {
      headers: {
        authorization: `Bearer ${String(admin.body['access_token'])}`,
        accept: 'application/vnd.oci.image.manifest.v1+json',
      },
    });
    expect(read.status).toBe(200);
    expect(read.headers['docker-content-digest']).toBe(seeded.digest);
    const anonymous = await call('GET', `/oauth2/token?${q}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ errors: [{ code: 'UNAUTHORIZED' }] });
    expect((await call('GET', '/oauth2/exchange')).status).toBe(404);
  });
});
