// A stand-in for an Azure Container Registry's data plane: one HTTPS login server (127.0.0.1:<port>) that answers
// ACR's token endpoints itself (token-service.ts) and passes /v2/ to a real docker-registry peer configured for
// token auth (realm https://<login server>/oauth2/token, service = the login server, issuer "Azure Container
// Registry"), so every access token the stand-in issues is checked by the real registry. Faults: the shared fault
// plan (any status on any path, e.g. a 401 on /oauth2/exchange), role assignments (no role → the exchange is
// refused; AcrPull → push is granted as pull only), a clock for refresh-token expiry, and expired access tokens.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { applyFault, createFaultPlan } from '../faults/index.js';
import type { FaultPlan } from '../faults/index.js';
import { systemClock } from '../identity/clock.js';
import type { Clock } from '../identity/clock.js';
import { closeServer, listenOnLoopback, readBody, sendJson } from '../identity/http.js';
import type { Jwks } from '../identity/jwt.js';
import { startRegistry } from '../peers/registry.js';
import type { RegistryPeer } from '../peers/registry.js';
import { issueLoopbackServerCert } from '../test-pki.js';
import type { TestCertificate } from '../test-pki.js';
import type { EntraPrincipal } from './entra-token.js';
import { createRegistryProxy } from './proxy.js';
import type { RegistryProxy, Upstream } from './proxy.js';
import { acrErrorBody, exchange, token } from './token-service.js';
import type { AcrRequestRecord, Answer, TokenServiceState } from './token-service.js';
import { ACR_ISSUER, createTokenSigner } from './tokens.js';
import type { AcrRole } from './tokens.js';

export interface AcrDataPlaneOptions {
  /** Issues the login server's (and the registry's) TLS certificates. */
  ca: TestCertificate;
  /** Keys that sign Entra access tokens: the Entra stand-in's `jwks`. */
  entraJwks: () => Jwks;
  /** The registry's tenant: Entra tokens of other tenants are refused. Default: any tenant. */
  tenantId?: string;
  /** Role assignments by principal object id or app id. Default: none, and a principal without one has AcrPush. */
  roles?: Record<string, AcrRole[]>;
  /** The admin user (Basic at /oauth2/token, `password` grant). Default: disabled. */
  adminUser?: { username: string; password: string };
  /** Anonymous pull. Default false. */
  anonymousPull?: boolean;
  /** Default 3 h, as ACR. */
  refreshTokenLifetimeSeconds?: number;
  /** Default 1 h. */
  accessTokenLifetimeSeconds?: number;
  /** Judges Entra tokens (leeway 300 s) and refresh tokens. Share it with the Entra stand-in to move time. */
  clock?: Clock;
  faults?: FaultPlan;
}

export interface AcrDataPlane {
  /** `127.0.0.1:<port>`: what `registry` names, and the token `service`. */
  loginServer: string;
  url: string;
  caPem: string;
  /** A directory with ca.crt, for skopeo's --cert-dir. */
  certDir: string;
  /** The docker-registry peer behind the login server. */
  registry: RegistryPeer;
  /** Replaces a principal's role assignments (object id or app id); an empty list leaves it without access. */
  setRoles(principalId: string, roles: AcrRole[]): void;
  /** Fault: the next `count` access tokens are issued already expired. */
  issueExpiredAccessTokens(count: number): void;
  /** Every refresh token issued, in order (for secrecy assertions). */
  readonly issuedRefreshTokens: readonly string[];
  readonly requests: AcrRequestRecord[];
  readonly faults: FaultPlan;
  close(): Promise<void>;
}

const isRegistryPath = (p: string) => p === '/v2' || p.startsWith('/v2/');

function send(res: ServerResponse, a: Answer): void {
  sendJson(res, a.status, a.body);
}

function scopesOf(values: string[]): string[] {
  return values.flatMap((v) => v.split(' ')).filter((v) => v !== '');
}

interface HandlerDeps {
  state: TokenServiceState;
  requests: AcrRequestRecord[];
  faults: FaultPlan;
  proxy: RegistryProxy;
}

/** One login-server request: faults first, /v2/ to the registry, the token endpoints here, anything else a 404. */
function createHandler({ state, requests, faults, proxy }: HandlerDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `https://${state.loginServer}`);
    const rec: AcrRequestRecord = { method: req.method ?? 'GET', path: url.pathname, status: 0 };
    requests.push(rec);
    res.on('finish', () => (rec.status = res.statusCode));
    const fault = await applyFault(faults, req, res, {
      errorBody: (status, _kind, _req, f) => acrErrorBody(status, f.message),
    });
    if (fault.handled) return;
    if (isRegistryPath(url.pathname)) return proxy.forward(req, res);
    const form = () => readBody(req).then((b) => new URLSearchParams(b.toString('utf8')));
    // ACR serves /oauth2/exchange on POST only; other methods are a 404 (Azure/acr#166).
    if (url.pathname === '/oauth2/exchange' && req.method === 'POST') {
      return send(res, exchange(await form(), state, rec));
    }
    if (url.pathname === '/oauth2/token' && req.method === 'POST') {
      const f = await form();
      const service = f.get('service') ?? undefined;
      return send(res, token({ service, scopes: scopesOf(f.getAll('scope')), form: f }, state, rec));
    }
    if (url.pathname === '/oauth2/token' && req.method === 'GET') {
      const service = url.searchParams.get('service') ?? undefined;
      const scopes = scopesOf(url.searchParams.getAll('scope'));
      return send(res, token({ service, scopes, authorization: req.headers.authorization }, state, rec));
    }
    req.resume();
    return sendJson(res, 404, { errors: [{ code: 'NOT_FOUND', message: `${req.method} ${url.pathname}` }] });
  };
}

export async function startAcrDataPlane(o: AcrDataPlaneOptions): Promise<AcrDataPlane> {
  const faults = o.faults ?? createFaultPlan();
  const clock = o.clock ?? systemClock;
  const [signer, frontCert, registryCert] = await Promise.all([
    createTokenSigner(),
    issueLoopbackServerCert(o.ca),
    issueLoopbackServerCert(o.ca),
  ]);
  const roles = new Map<string, AcrRole[]>(Object.entries(o.roles ?? {}));
  const unassigned: AcrRole[] = o.roles === undefined ? ['AcrPush'] : [];
  const rolesOf = (p: EntraPrincipal): AcrRole[] => roles.get(p.objectId) ?? roles.get(p.appId) ?? unassigned;
  const requests: AcrRequestRecord[] = [];
  const backend: { upstream?: Upstream } = {};
  const proxy = createRegistryProxy(() => backend.upstream);
  const state: TokenServiceState = {
    loginServer: '',
    signer,
    entra: { jwks: o.entraJwks, tenantId: o.tenantId, clock, leewaySeconds: 300 },
    clock,
    rolesOf,
    refreshTokenLifetimeSeconds: o.refreshTokenLifetimeSeconds ?? 3 * 3600,
    accessTokenLifetimeSeconds: o.accessTokenLifetimeSeconds ?? 3600,
    admin: o.adminUser,
    anonymousPull: o.anonymousPull ?? false,
    expiredAccessTokens: 0,
    issuedRefreshTokens: [],
  };

  const handle = createHandler({ state, requests, faults, proxy });
  const server = createServer({ cert: frontCert.cert, key: frontCert.key }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, acrErrorBody(500, String(e)));
    });
  });
  const port = await listenOnLoopback(server);
  state.loginServer = `127.0.0.1:${port}`;
  let registry: RegistryPeer;
  try {
    registry = await startRegistry({
      serverCert: registryCert,
      caPem: o.ca.cert,
      tokenAuth: {
        realm: `https://${state.loginServer}/oauth2/token`,
        service: state.loginServer,
        issuer: ACR_ISSUER,
        rootCertBundle: signer.rootPem,
      },
    });
  } catch (e) {
    await closeServer(server);
    throw e;
  }
  backend.upstream = { port: registry.port, ca: o.ca.cert };

  return {
    loginServer: state.loginServer,
    url: `https://${state.loginServer}`,
    caPem: o.ca.cert,
    certDir: registry.certDir!,
    registry,
    setRoles: (id, r) => void roles.set(id, r),
    issueExpiredAccessTokens: (n) => void (state.expiredAccessTokens += n),
    issuedRefreshTokens: state.issuedRefreshTokens,
    requests,
    faults,
    async close() {
      await closeServer(server);
      proxy.close();
      await registry.stop();
    },
  };
}
