// Entra ID stand-in: the v2.0 token endpoint (`POST /{tenant}/oauth2/v2.0/token`, client-credentials grant with a
// client secret or a federated client assertion) and the per-tenant OpenID discovery document and keys that MSAL
// reads first. Federated assertions are checked like Entra does: issuer, signature (keys fetched from the issuer's
// discovery document), validity window, subject, audience against the application's federated credentials, with
// the real AADSTS errors. Access tokens are RS256 JWTs the ARM stand-in verifies with `jwks()`.
//
// HTTPS only (MSAL refuses an http authority): the server certificate comes from the given test CA, and clients
// trust it through the Azure SDK's `tlsOptions: {ca}`.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { applyFault, createFaultPlan } from '../faults/index.js';
import type { FaultPlan } from '../faults/index.js';
import { createTestCa, issueLoopbackServerCert } from '../test-pki.js';
import type { TestCertificate } from '../test-pki.js';
import { aadsts, aadstsBody } from './aadsts.js';
import type { AadstsError } from './aadsts.js';
import { epochSeconds, systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { closeServer, getJson, listenOnLoopback, readBody, sendJson } from './http.js';
import { audiences, createSigningKey, decodeJwt, signJwt, verifyJwtSignature } from './jwt.js';
import type { Jwks, JwtClaims, SigningKey } from './jwt.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const DEFAULT_FIC_AUDIENCE = 'api://AzureADTokenExchange';

export interface FederatedCredential {
  name?: string;
  issuer: string;
  subject: string;
  /** Default `['api://AzureADTokenExchange']`. */
  audiences?: string[];
}

export interface EntraApplication {
  /** The application (client) id. */
  clientId: string;
  displayName?: string;
  /** Object id of the service principal (the `oid` of its tokens); default random. */
  objectId?: string;
  federatedCredentials?: FederatedCredential[];
  /** Client secret values. */
  secrets?: string[];
}

export interface EntraTenant {
  tenantId: string;
  /** The directory name quoted in AADSTS700016; default `<tenantId>`. */
  displayName?: string;
  applications?: EntraApplication[];
}

export interface EntraOptions {
  tenants?: EntraTenant[];
  /** CA that issues the server certificate; default a fresh one (see `caPem`). */
  ca?: TestCertificate;
  clock?: Clock;
  faults?: FaultPlan;
  /** Lifetime of issued access tokens; default 3599 s. */
  accessTokenLifetimeSeconds?: number;
  /** Tolerance on the assertion's nbf/exp; default 0 (tests state skew explicitly). */
  assertionLeewaySeconds?: number;
  /**
   * Where the keys of a federated issuer come from. Default: `<iss>/.well-known/openid-configuration` → `jwks_uri`
   * over http(s), trusting `issuerCa` for https.
   */
  resolveJwks?: (issuer: string) => Promise<Jwks>;
  issuerCa?: string;
}

export interface EntraRequestRecord {
  method: string;
  path: string;
  status: number;
  tenant?: string;
  clientId?: string;
  grantType?: string;
  /** AADSTS code of an error answer. */
  aadsts?: number;
  /** `jti` of the client assertion presented (never the assertion itself). */
  assertionJti?: string;
}

export interface MintOptions {
  tenantId: string;
  clientId: string;
  /** Default `https://management.azure.com/`. */
  audience?: string;
  lifetimeSeconds?: number;
  claims?: Record<string, unknown>;
}

export interface EntraStandIn {
  /** `https://127.0.0.1:<port>`: the `authorityHost` for @azure/identity. */
  authorityHost: string;
  /** PEM of the CA that signed this server's certificate. */
  caPem: string;
  tokenEndpoint(tenantId: string): string;
  addTenant(tenant: EntraTenant): void;
  addApplication(tenantId: string, app: EntraApplication): void;
  /** The service principal's object id (the `oid` of its access tokens). */
  objectIdOf(tenantId: string, clientId: string): string;
  /** Keys that sign access tokens (give them to the ARM stand-in). */
  jwks(): Jwks;
  /** Mints an access token directly, as the token endpoint would. */
  mintAccessToken(o: MintOptions): string;
  /** Every access token issued, in order. */
  readonly issued: string[];
  readonly requests: EntraRequestRecord[];
  readonly faults: FaultPlan;
  close(): Promise<void>;
}

interface TenantState {
  tenantId: string;
  displayName: string;
  apps: Map<string, Required<Pick<EntraApplication, 'clientId' | 'objectId'>> & EntraApplication>;
}

const GUID_OR_NAME = '[A-Za-z0-9.-]+';
const DISCOVERY_RE = new RegExp(`^/(${GUID_OR_NAME})/v2\\.0/\\.well-known/openid-configuration$`);
const KEYS_RE = new RegExp(`^/(${GUID_OR_NAME})/discovery/v2\\.0/keys$`);
const TOKEN_RE = new RegExp(`^/(${GUID_OR_NAME})/oauth2/v2\\.0/token$`);

export async function startEntraStandIn(options: EntraOptions = {}): Promise<EntraStandIn> {
  const clock = options.clock ?? systemClock;
  const faults = options.faults ?? createFaultPlan();
  const ca = options.ca ?? (await createTestCa('Entra stand-in CA'));
  const serverCert = await issueLoopbackServerCert(ca);
  const key: SigningKey = await createSigningKey();
  const tenants = new Map<string, TenantState>();
  const issued: string[] = [];
  const requests: EntraRequestRecord[] = [];
  const jwksCache = new Map<string, Promise<Jwks>>();
  const leeway = options.assertionLeewaySeconds ?? 0;

  const addTenant = (t: EntraTenant) => {
    const state: TenantState = {
      tenantId: t.tenantId,
      displayName: t.displayName ?? t.tenantId,
      apps: new Map(),
    };
    tenants.set(t.tenantId.toLowerCase(), state);
    for (const app of t.applications ?? []) addApplication(t.tenantId, app);
  };
  const addApplication = (tenantId: string, app: EntraApplication) => {
    const tenant = tenants.get(tenantId.toLowerCase());
    if (!tenant) throw new Error(`Entra stand-in: unknown tenant ${tenantId}`);
    tenant.apps.set(app.clientId.toLowerCase(), { ...app, objectId: app.objectId ?? randomUUID() });
  };
  for (const t of options.tenants ?? []) addTenant(t);

  const resolveJwks =
    options.resolveJwks ??
    (async (issuer: string): Promise<Jwks> => {
      const base = issuer.replace(/\/$/, '');
      const config = (await getJson(`${base}/.well-known/openid-configuration`, {
        ca: options.issuerCa,
      })) as {
        jwks_uri?: string;
      };
      if (!config.jwks_uri) throw new Error('discovery document has no jwks_uri');
      return (await getJson(config.jwks_uri, { ca: options.issuerCa })) as Jwks;
    });
  const issuerKeys = (issuer: string) => {
    let p = jwksCache.get(issuer);
    if (!p) {
      p = resolveJwks(issuer);
      p.catch(() => jwksCache.delete(issuer));
      jwksCache.set(issuer, p);
    }
    return p;
  };

  function mintAccessToken(o: MintOptions): string {
    const tenant = tenants.get(o.tenantId.toLowerCase());
    const app = tenant?.apps.get(o.clientId.toLowerCase());
    const oid = app?.objectId ?? randomUUID();
    const now = epochSeconds(clock);
    const iss = `https://sts.windows.net/${o.tenantId}/`;
    const claims: JwtClaims = {
      aud: o.audience ?? 'https://management.azure.com/',
      iss,
      iat: now,
      nbf: now,
      exp: now + (o.lifetimeSeconds ?? options.accessTokenLifetimeSeconds ?? 3599),
      aio: randomUUID(),
      appid: o.clientId,
      appidacr: '2',
      idp: iss,
      idtyp: 'app',
      oid,
      rh: '0.AAAA.',
      sub: oid,
      tid: o.tenantId,
      uti: randomUUID().replace(/-/g, '').slice(0, 22),
      ver: '1.0',
      ...o.claims,
    };
    const token = signJwt(claims, key);
    issued.push(token);
    return token;
  }

  const discovery = (tenant: string) => {
    const base = `${authorityHost}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${authorityHost}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${authorityHost}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver', 'oid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  };

  /** Checks a client-credentials request; returns the error or the token response. */
  async function token(tenantId: string, form: URLSearchParams, record: EntraRequestRecord) {
    const grant = form.get('grant_type');
    const clientId = form.get('client_id') ?? undefined;
    record.grantType = grant ?? undefined;
    record.clientId = clientId;
    const tenant = tenants.get(tenantId.toLowerCase());
    if (!tenant) return aadsts.tenantNotFound(tenantId);
    if (!grant) return aadsts.missingParameter('grant_type');
    if (grant !== 'client_credentials') return aadsts.unsupportedGrantType(grant);
    if (!clientId) return aadsts.missingParameter('client_id');
    const app = tenant.apps.get(clientId.toLowerCase());
    if (!app) return aadsts.applicationNotFound(clientId, tenant.displayName);
    const scope = form.get('scope') ?? '';
    const resource = scope.split(' ').find((s) => s.endsWith('/.default'));
    if (!resource) return aadsts.invalidScope(scope);

    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (!(app.secrets ?? []).includes(secret)) return aadsts.invalidClientSecret(clientId);
    } else if (assertion !== null) {
      if (form.get('client_assertion_type') !== JWT_BEARER)
        return aadsts.missingParameter('client_assertion_type');
      const jti = decodeJwt(assertion)?.claims.jti;
      if (jti !== undefined) record.assertionJti = String(jti);
      const failure = await checkFederatedAssertion(assertion, app);
      if (failure) return failure;
    } else {
      return aadsts.credentialRequired();
    }
    const audience = resource.slice(0, -'.default'.length);
    const lifetime = options.accessTokenLifetimeSeconds ?? 3599;
    return {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: mintAccessToken({ tenantId: tenant.tenantId, clientId: app.clientId, audience }),
    };
  }

  async function checkFederatedAssertion(
    assertion: string,
    app: EntraApplication,
  ): Promise<AadstsError | undefined> {
    const decoded = decodeJwt(assertion);
    if (!decoded) return aadsts.malformedAssertion();
    const claims = decoded.claims;
    const iss = String(claims.iss ?? '');
    const fics = (app.federatedCredentials ?? []).filter((f) => f.issuer === iss);
    if (fics.length === 0) return aadsts.noFicForIssuer(iss);
    let keys: Jwks;
    try {
      keys = await issuerKeys(iss);
    } catch (err) {
      return aadsts.badAssertionSignature(
        `Unable to retrieve the signing keys of issuer '${iss}': ${String(err)}`,
      );
    }
    const verified = verifyJwtSignature(assertion, keys);
    if (!verified.ok) {
      const reason =
        verified.reason === 'unknown-key' ? 'The key was not found.' : 'The signature is invalid.';
      return aadsts.badAssertionSignature(reason);
    }
    const now = epochSeconds(clock);
    const nbf = Number(claims.nbf ?? claims.iat ?? 0);
    const exp = Number(claims.exp ?? 0);
    if (!(now >= nbf - leeway && now < exp + leeway)) return aadsts.assertionTimeRange(now, nbf, exp);
    const sub = String(claims.sub ?? '');
    const bySubject = fics.filter((f) => f.subject === sub);
    if (bySubject.length === 0) {
      return fics.some((f) => f.subject.toLowerCase() === sub.toLowerCase())
        ? aadsts.ficSubjectCaseMismatch(sub)
        : aadsts.noFicForSubject(sub);
    }
    const presented = audiences(claims);
    const ok = bySubject.some((f) =>
      (f.audiences ?? [DEFAULT_FIC_AUDIENCE]).some((a) => presented.includes(a)),
    );
    if (!ok) return aadsts.noFicForAudience(presented.join(','));
    return undefined;
  }

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', authorityHost);
    const record: EntraRequestRecord = { method: req.method ?? 'GET', path: url.pathname, status: 0 };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const correlationId = String(req.headers['client-request-id'] ?? randomUUID());
    const respondError = (e: AadstsError) => {
      record.aadsts = e.code;
      sendJson(res, e.status, aadstsBody(e, clock.now(), correlationId), {
        'x-ms-request-id': randomUUID(),
        'client-request-id': correlationId,
      });
    };
    try {
      const outcome = await applyFault(faults, req, res, {
        errorBody: (status) =>
          aadstsBody(
            {
              status,
              error: 'temporarily_unavailable',
              code: 90033,
              text: 'A transient error has occurred.',
            },
            clock.now(),
            correlationId,
          ),
      });
      if (outcome.handled) return;
      let m: RegExpMatchArray | null;
      if (req.method === 'GET' && (m = url.pathname.match(DISCOVERY_RE))) {
        record.tenant = m[1];
        return sendJson(res, 200, discovery(m[1]!));
      }
      if (req.method === 'GET' && (m = url.pathname.match(KEYS_RE))) {
        record.tenant = m[1];
        return sendJson(res, 200, { keys: [key.publicJwk] });
      }
      if (req.method === 'POST' && (m = url.pathname.match(TOKEN_RE))) {
        record.tenant = m[1];
        const form = new URLSearchParams((await readBody(req)).toString('utf8'));
        const result = await token(m[1]!, form, record);
        if ('code' in result) return respondError(result);
        return sendJson(res, 200, result, {
          'x-ms-request-id': randomUUID(),
          'client-request-id': correlationId,
          'cache-control': 'no-store, no-cache',
        });
      }
      return sendJson(res, 404, { error: 'not_found', error_description: `No route for ${url.pathname}` });
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: String(err) });
    }
  };

  const server = createServer({ cert: serverCert.cert, key: serverCert.key }, (q, s) => void handler(q, s));
  const port = await listenOnLoopback(server);
  const authorityHost = `https://127.0.0.1:${port}`;

  return {
    authorityHost,
    caPem: ca.cert,
    tokenEndpoint: (tenantId) => `${authorityHost}/${tenantId}/oauth2/v2.0/token`,
    addTenant,
    addApplication,
    objectIdOf: (tenantId, clientId) => {
      const app = tenants.get(tenantId.toLowerCase())?.apps.get(clientId.toLowerCase());
      if (!app) throw new Error(`Entra stand-in: no application ${clientId} in ${tenantId}`);
      return app.objectId;
    },
    jwks: () => ({ keys: [key.publicJwk] }),
    mintAccessToken,
    issued,
    requests,
    faults,
    close: () => closeServer(server),
  };
}
