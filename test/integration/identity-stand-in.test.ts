// GitHub OIDC → Entra ID → ARM, end to end with the real @azure/identity credentials and @actions/core's getIDToken;
// then each AADSTS error from a realistic misconfiguration, asserted through the SDK's own error, and never a token
// in an error message.
import * as core from '@actions/core';
import { ResourceManagementClient } from '@azure/arm-resources';
import {
  AuthenticationRequiredError,
  ClientAssertionCredential,
  ClientSecretCredential,
} from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { IOTOPS_API_VERSION, startArmStandIn } from '../support/arm/index.js';
import type { ArmStandIn } from '../support/arm/index.js';
import {
  ARM_SCOPE,
  httpsJson,
  identityOptions,
  resourcesClientOptions,
} from '../support/arm/client-options.js';
import {
  createSigningKey,
  createTestClock,
  decodeJwt,
  GITHUB_ISSUER,
  requestGithubIdToken,
  signJwt,
  startEntraStandIn,
  startGithubOidcStandIn,
} from '../support/identity/index.js';
import type { EntraStandIn, GithubOidcStandIn, JwtClaims } from '../support/identity/index.js';
import { createTestCa, issueLoopbackServerCert } from '../support/test-pki.js';
import type { TestCertificate } from '../support/test-pki.js';

const CLIENT_ID = '0c8a3f52-6d1e-4b7a-9c2d-5e4f3a2b1c0d'; // app with a federated credential for main
const SECRET_CLIENT_ID = 'd4c3b2a1-0f9e-4d8c-b7a6-5f4e3d2c1b0a'; // app with a client secret
const SECRET_VALUE = 'Qx58Q~s3cr3t-value-not-the-id';
const SECRET_ID = '6b9f7a5e-3c1d-4e2f-8a0b-9c8d7e6f5a4b';
const MAIN_SUBJECT = 'repo:octo/litmus:ref:refs/heads/main';
const AUDIENCE = 'api://AzureADTokenExchange';

let ca: TestCertificate;
const clock = createTestClock();
let oidc: GithubOidcStandIn;
let entra: EntraStandIn;
let arm: ArmStandIn;
let tenantId: string;

beforeAll(async () => {
  ca = await createTestCa('Identity test CA');
  oidc = await startGithubOidcStandIn({ clock });
  entra = await startEntraStandIn({ ca, clock });
  arm = await startArmStandIn({ ca, auth: { jwks: () => entra.jwks() } });
  tenantId = arm.seed.tenantId;
  entra.addTenant({
    tenantId,
    displayName: 'Contoso',
    applications: [
      {
        clientId: CLIENT_ID,
        federatedCredentials: [{ name: 'main', issuer: oidc.issuer, subject: MAIN_SUBJECT }],
      },
      { clientId: SECRET_CLIENT_ID, secrets: [SECRET_VALUE] },
    ],
  });
});

afterAll(async () => {
  await Promise.all([oidc?.close(), entra?.close(), arm?.close()]);
});

beforeEach(() => {
  clock.reset();
  oidc.configure({
    subject: undefined,
    environment: undefined,
    clockSkewSeconds: 0,
    lifetimeSeconds: 300,
    repository: undefined,
  });
});

/** The pattern DESIGN.md prescribes: a fresh GitHub ID token for every Entra token request. */
function oidcCredential(
  tenant = tenantId,
  clientId = CLIENT_ID,
  audience = AUDIENCE,
): ClientAssertionCredential {
  return new ClientAssertionCredential(
    tenant,
    clientId,
    () => requestGithubIdToken(oidc.env(), audience),
    identityOptions(entra.authorityHost, ca.cert),
  );
}

async function failure(credential: TokenCredential): Promise<Error> {
  const err = await credential.getToken(ARM_SCOPE).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err).toBeInstanceOf(Error);
  // No token of any stand-in may appear in what the SDK reports.
  for (const t of [...oidc.issued, ...entra.issued]) expect(err!.message).not.toContain(t);
  return err!;
}

describe('GitHub OIDC stand-in', () => {
  test('issues RS256 ID tokens with GitHub’s claims, verifiable with its published JWKS', async () => {
    const jwt = await requestGithubIdToken(oidc.env(), AUDIENCE);
    const decoded = decodeJwt(jwt)!;
    expect(decoded.header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const c = decoded.claims;
    expect(c).toMatchObject({
      iss: oidc.issuer,
      sub: MAIN_SUBJECT,
      aud: AUDIENCE,
      repository: 'octo/litmus',
      repository_owner: 'octo',
      ref: 'refs/heads/main',
      job_workflow_ref: 'octo/litmus/.github/workflows/deploy.yml@refs/heads/main',
    });
    expect(Number(c.exp) - Number(c.iat)).toBe(300);
    expect(Number(c.nbf)).toBeLessThanOrEqual(Number(c.iat));
    expect(c.jti).toMatch(/^[0-9a-f-]{36}$/);
    const discovery = (await (await fetch(`${oidc.issuer}/.well-known/openid-configuration`)).json()) as {
      jwks_uri: string;
    };
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(decoded.header.kid);
  });

  test('an environment job gets the environment subject; subject, lifetime and skew are configurable', async () => {
    oidc.configure({ environment: 'prod' });
    expect(decodeJwt(oidc.mint(AUDIENCE))!.claims).toMatchObject({
      sub: 'repo:octo/litmus:environment:prod',
      environment: 'prod',
    });
    oidc.configure({ subject: 'repo:octo/litmus:pull_request', lifetimeSeconds: 60, clockSkewSeconds: -120 });
    const c = decodeJwt(oidc.mint(AUDIENCE))!.claims as JwtClaims;
    expect(c.sub).toBe('repo:octo/litmus:pull_request');
    expect(Number(c.exp) - Number(c.iat)).toBe(60);
    expect(Math.abs(Number(c.iat) - (Math.floor(Date.now() / 1000) - 120))).toBeLessThanOrEqual(2);
  });

  test('the request token is checked; without `audience` GitHub’s default audience is used', async () => {
    const wrong = await fetch(`${oidc.requestUrl}&audience=${AUDIENCE}`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    const res = await fetch(oidc.requestUrl, { headers: { authorization: `Bearer ${oidc.requestToken}` } });
    const { value } = (await res.json()) as { value: string };
    expect(decodeJwt(value)!.claims.aud).toBe('https://github.com/octo');
  });

  test('@actions/core getIDToken (the real client) gets a token and masks it', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, oidc.env());
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const jwt = await core.getIDToken(AUDIENCE);
      expect(decodeJwt(jwt)!.claims.aud).toBe(AUDIENCE);
      expect(written.join('')).toContain(`::add-mask::${jwt}`);
    } finally {
      process.stdout.write = write;
      process.env = saved;
    }
  });
});

describe('token flow: OIDC → ClientAssertionCredential → Entra stand-in → ARM', () => {
  test('an access token ARM accepts; getAssertion calls the OIDC endpoint for each token request', async () => {
    const oidcBefore = oidc.requests.filter((r) => r.path.endsWith('/idtoken')).length;
    const entraBefore = entra.requests.length;
    const credential = oidcCredential();
    const rm = new ResourceManagementClient(
      credential,
      arm.seed.subscriptionId,
      resourcesClientOptions(arm.url, ca.cert),
    );
    const instance = await rm.resources.getById(arm.seed.instanceId, IOTOPS_API_VERSION);
    expect(instance.name).toBe('aio-instance');

    const access = decodeJwt(entra.issued.at(-1)!)!.claims;
    expect(access).toMatchObject({
      aud: 'https://management.azure.com/',
      tid: tenantId,
      appid: CLIENT_ID,
      oid: entra.objectIdOf(tenantId, CLIENT_ID),
    });
    expect(arm.requests.at(-1)).toMatchObject({ status: 200, appId: CLIENT_ID });

    // A second resource means a second token request, and so a fresh assertion from the OIDC endpoint.
    // (msal-node 5 invokes the assertion callback twice per token request, so count at least one each.)
    await credential.getToken('https://vault.azure.net/.default');
    const idTokenCalls = oidc.requests.filter((r) => r.path.endsWith('/idtoken')).slice(oidcBefore);
    expect(idTokenCalls.length).toBeGreaterThanOrEqual(2);
    expect(idTokenCalls.every((r) => r.audience === AUDIENCE && r.status === 200)).toBe(true);
    const presented = entra.requests
      .slice(entraBefore)
      .filter((r) => r.assertionJti)
      .map((r) => r.assertionJti);
    expect(presented).toHaveLength(2);
    expect(new Set(presented).size).toBe(2);
    const issuedJtis = oidc.issued.map((t) => decodeJwt(t)!.claims.jti);
    for (const jti of presented) expect(issuedJtis).toContain(jti);

    // What MSAL asked the Entra stand-in: tenant discovery, then the token endpoint with the assertion.
    const asked = entra.requests.slice(entraBefore);
    expect(asked[0]).toMatchObject({
      method: 'GET',
      path: `/${tenantId}/v2.0/.well-known/openid-configuration`,
    });
    expect(asked.filter((r) => r.path.endsWith('/oauth2/v2.0/token'))).toEqual([
      expect.objectContaining({ status: 200, grantType: 'client_credentials', clientId: CLIENT_ID }),
      expect.objectContaining({ status: 200, grantType: 'client_credentials', clientId: CLIENT_ID }),
    ]);
  });

  test('an HTTPS issuer: Entra fetches its discovery document and keys trusting the test CA', async () => {
    const tlsOidc = await startGithubOidcStandIn({ tls: await issueLoopbackServerCert(ca) });
    const tlsEntra = await startEntraStandIn({
      ca,
      issuerCa: ca.cert,
      tenants: [
        {
          tenantId,
          applications: [
            {
              clientId: CLIENT_ID,
              federatedCredentials: [{ issuer: tlsOidc.issuer, subject: MAIN_SUBJECT }],
            },
          ],
        },
      ],
    });
    try {
      expect(tlsOidc.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const credential = new ClientAssertionCredential(
        tenantId,
        CLIENT_ID,
        async () => tlsOidc.mint(AUDIENCE),
        identityOptions(tlsEntra.authorityHost, ca.cert),
      );
      await expect(credential.getToken(ARM_SCOPE)).resolves.toMatchObject({ token: expect.any(String) });
      expect(tlsOidc.requests.map((r) => r.path)).toEqual([
        '/.well-known/openid-configuration',
        '/.well-known/jwks',
      ]);
    } finally {
      await Promise.all([tlsOidc.close(), tlsEntra.close()]);
    }
  });

  test('client secret flow works with the secret value', async () => {
    const token = await new ClientSecretCredential(
      tenantId,
      SECRET_CLIENT_ID,
      SECRET_VALUE,
      identityOptions(entra.authorityHost, ca.cert),
    ).getToken(ARM_SCOPE);
    expect(decodeJwt(token.token)!.claims.appid).toBe(SECRET_CLIENT_ID);
  });
});

describe('AADSTS errors from realistic misconfigurations, through the SDK', () => {
  test.each([
    {
      what: '700213: the job runs in environment prod but the federated credential is for the main branch',
      setup: () => oidc.configure({ environment: 'prod' }),
      credential: () => oidcCredential(),
      expected: [
        "AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:octo/litmus:environment:prod'",
        'Check your federated identity credential Subject, Audience and Issuer',
      ],
    },
    {
      what: '7002138: the repository was renamed Octo/Litmus (subjects match only case-insensitively)',
      setup: () => oidc.configure({ repository: 'Octo/Litmus' }),
      credential: () => oidcCredential(),
      expected: [
        'AADSTS7002138:',
        'matches with case-insensitive comparison, but not with case-sensitive comparison',
      ],
    },
    {
      what: '700212: the ID token was requested without the api://AzureADTokenExchange audience',
      setup: () => {},
      credential: () => oidcCredential(tenantId, CLIENT_ID, 'https://github.com/octo'),
      expected: [
        "AADSTS700212: No matching federated identity record found for presented assertion audience 'https://github.com/octo'",
      ],
    },
    {
      what: '700024: the runner clock is 15 minutes slow, so the assertion has expired on arrival',
      setup: () => oidc.configure({ clockSkewSeconds: -900 }),
      credential: () => oidcCredential(),
      expected: [
        'AADSTS700024: Client assertion is not within its valid time range. Current time:',
        'expiry time of assertion',
      ],
    },
    {
      what: '7000215: the client secret ID was configured instead of its value',
      setup: () => {},
      credential: () =>
        new ClientSecretCredential(
          tenantId,
          SECRET_CLIENT_ID,
          SECRET_ID,
          identityOptions(entra.authorityHost, ca.cert),
        ),
      expected: [
        'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID',
      ],
    },
    {
      what: '700016: the service principal object id was configured as the client id',
      setup: () => {},
      credential: () => oidcCredential(tenantId, entra.objectIdOf(tenantId, CLIENT_ID)),
      expected: ["AADSTS700016: Application with identifier '", "was not found in the directory 'Contoso'"],
    },
    {
      what: '90002: a typo in the tenant id',
      setup: () => {},
      credential: () => oidcCredential(tenantId.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))),
      expected: ['AADSTS90002: Tenant', 'not found. Check to make sure you have the correct tenant ID'],
    },
  ])('$what', async ({ setup, credential, expected }) => {
    setup();
    const err = await failure(credential());
    // @azure/identity wraps MSAL's server error as AuthenticationRequiredError, keeping Entra's description.
    expect(err).toBeInstanceOf(AuthenticationRequiredError);
    for (const text of expected) expect(err.message).toContain(text);
  });

  test('700024 in a long job: an assertion fetched once and reused; a fresh one per request avoids it', async () => {
    const cached = await requestGithubIdToken(oidc.env(), AUDIENCE);
    const reusing = new ClientAssertionCredential(
      tenantId,
      CLIENT_ID,
      async () => cached,
      identityOptions(entra.authorityHost, ca.cert),
    );
    clock.advance(20 * 60); // twenty minutes into the job
    const err = await failure(reusing);
    expect(err.message).toContain('AADSTS700024');
    await expect(oidcCredential().getToken(ARM_SCOPE)).resolves.toMatchObject({ token: expect.any(String) });
  });

  test('700211: the federated credential names another issuer (e.g. github.com’s while the runner is GHES)', async () => {
    const ghes = 'a1a1a1a1-0000-4000-8000-00000000a1a1';
    entra.addApplication(tenantId, {
      clientId: ghes,
      federatedCredentials: [{ issuer: GITHUB_ISSUER, subject: MAIN_SUBJECT }],
    });
    const err = await failure(oidcCredential(tenantId, ghes));
    expect(err.message).toContain(
      `AADSTS700211: No matching federated identity record found for presented assertion issuer '${oidc.issuer}'`,
    );
  });

  test('50013: an assertion not signed by the issuer’s published keys is refused', async () => {
    const forger = await createSigningKey();
    const forged = signJwt(decodeJwt(oidc.mint(AUDIENCE))!.claims, forger);
    const err = await failure(
      new ClientAssertionCredential(
        tenantId,
        CLIENT_ID,
        async () => forged,
        identityOptions(entra.authorityHost, ca.cert),
      ),
    );
    expect(err.message).toContain(
      'AADSTS50013: Assertion failed signature validation. [Reason - The key was not found.]',
    );
    expect(err.message).not.toContain(forged);
  });

  test('error bodies have Entra’s shape', async () => {
    const res = await httpsJson(entra.tokenEndpoint(tenantId), {
      method: 'POST',
      caPem: ca.cert,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': 'req-42' },
      rawBody: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: SECRET_CLIENT_ID,
        client_secret: 'wrong',
        scope: ARM_SCOPE,
      }).toString(),
    });
    expect(res.status).toBe(401);
    const body = res.body as Record<string, unknown>;
    expect(body).toMatchObject({
      error: 'invalid_client',
      error_codes: [7000215],
      correlation_id: 'req-42',
      trace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
    });
    expect(String(body.error_description)).toMatch(
      /^AADSTS7000215: .* Trace ID: .* Correlation ID: req-42 Timestamp: /,
    );
  });
});
