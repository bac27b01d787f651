// ACR's token service (Azure/acr docs/AAD-OAuth.md and docs/Token-BasicAuth.md), as pure request → answer functions:
//   POST /oauth2/exchange  grant_type=access_token, service, access_token[, tenant] → {"refresh_token"}
//   POST /oauth2/token     grant_type=refresh_token (refresh_token) or password (username, password), service, scope
//   GET  /oauth2/token     ?service=&scope= with Basic auth: the null-GUID user with a refresh token as the password
//                          (what `docker login` after `az acr login` sends), or the admin user; anonymous if enabled
// → {"access_token"}. Scopes a caller may not have are granted as a subset (the distribution token spec), so the
// registry, not the token service, refuses the request. Every refusal is ACR's one 401 body; the reason is recorded.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../identity/clock.js';
import { checkEntraToken } from './entra-token.js';
import type { EntraCheck, EntraPrincipal } from './entra-token.js';
import {
  ACR_ACTIONS,
  ACR_ISSUER,
  accessTokenClaims,
  grantedAccess,
  parseScope,
  refreshTokenClaims,
  ROLE_ACTIONS,
} from './tokens.js';
import type { AcrRole, TokenSigner } from './tokens.js';

export const NULL_GUID_USER = '00000000-0000-0000-0000-000000000000';

export interface Answer {
  status: number;
  body: unknown;
}

/** What the stand-in writes down about a request (never a token or a password). */
export interface AcrRequestRecord {
  method: string;
  path: string;
  status: number;
  grantType?: string;
  /** `basic-refresh-token`, `basic-admin`, `form-refresh-token`, `form-password`, `anonymous`. */
  credential?: string;
  scopes?: string[];
  /** The scopes as granted (a subset of the actions asked for). */
  granted?: string[];
  /** Why a token request was refused (ACR's answer does not say). */
  refusal?: string;
  /** The object id of the Entra principal behind the request. */
  principal?: string;
}

export interface TokenServiceState {
  loginServer: string;
  signer: TokenSigner;
  entra: EntraCheck;
  /** Judges refresh tokens and stamps them. Access tokens use real time: the registry checks them on its own. */
  clock: Clock;
  rolesOf(p: EntraPrincipal): AcrRole[];
  refreshTokenLifetimeSeconds: number;
  accessTokenLifetimeSeconds: number;
  admin: { username: string; password: string } | undefined;
  anonymousPull: boolean;
  /** Fault: this many next access tokens are issued already expired (the registry then answers invalid_token). */
  expiredAccessTokens: number;
  readonly issuedRefreshTokens: string[];
}

/** ACR's error body (the distribution format); ACR says the same for every authentication failure. */
export function acrErrorBody(status: number, message?: string): unknown {
  const code =
    status === 401
      ? 'UNAUTHORIZED'
      : status === 403
        ? 'DENIED'
        : status === 429
          ? 'TOOMANYREQUESTS'
          : 'UNKNOWN';
  const text =
    message ??
    (status === 401
      ? 'authentication required, visit https://aka.ms/acr/authorization for more information.'
      : `injected fault (HTTP ${status})`);
  return { errors: [{ code, message: `${text} CorrelationId: ${randomUUID()}` }] };
}

const unauthorized = (rec: AcrRequestRecord, reason: string): Answer => {
  rec.refusal = reason;
  return { status: 401, body: acrErrorBody(401) };
};
const badRequest = (message: string): Answer => ({
  status: 400,
  body: { errors: [{ code: 'BAD_REQUEST', message }] },
});
const epoch = (ms: number) => Math.floor(ms / 1000);

export function exchange(form: URLSearchParams, s: TokenServiceState, rec: AcrRequestRecord): Answer {
  const grant = form.get('grant_type') ?? '';
  rec.grantType = grant;
  // access_token_refresh_token and refresh_token are deprecated (AAD refresh tokens); only access_token is served.
  if (grant !== 'access_token') return badRequest(`grant_type '${grant}' is not supported`);
  if (form.get('service') !== s.loginServer) return badRequest('service must name this registry');
  const token = form.get('access_token');
  if (!token) return badRequest('access_token is required');
  const check = checkEntraToken(token, s.entra);
  if (!check.ok) return unauthorized(rec, check.reason);
  const p = check.principal;
  rec.principal = p.objectId;
  const tenant = form.get('tenant');
  if (tenant && tenant.toLowerCase() !== p.tenantId.toLowerCase())
    return unauthorized(rec, 'tenant-mismatch');
  const permissions = [...new Set(s.rolesOf(p).flatMap((r) => ROLE_ACTIONS[r]))];
  if (permissions.length === 0) return unauthorized(rec, 'no-role');
  const refresh = s.signer.sign(
    refreshTokenClaims({
      now: epoch(s.clock.now()),
      lifetime: s.refreshTokenLifetimeSeconds,
      loginServer: s.loginServer,
      subject: p.objectId,
      tenant: p.tenantId,
      permissions,
    }),
  );
  s.issuedRefreshTokens.push(refresh);
  return { status: 200, body: { refresh_token: refresh } };
}

export interface TokenRequest {
  service: string | undefined;
  scopes: string[];
  /** `Authorization` header (GET). */
  authorization?: string | undefined;
  /** The form (POST). */
  form?: URLSearchParams;
}

type Caller = { permissions: string[]; subject: string } | { refusal: string };

function refreshTokenCaller(token: string, s: TokenServiceState): Caller {
  const claims = s.signer.verify(token);
  if (!claims || claims.iss !== ACR_ISSUER || claims.grant_type !== 'refresh_token') {
    return { refusal: 'refresh-token-invalid' };
  }
  if (claims.aud !== s.loginServer) return { refusal: 'refresh-token-other-registry' };
  if (epoch(s.clock.now()) >= Number(claims.exp ?? 0)) return { refusal: 'refresh-token-expired' };
  const perms = (claims.permissions as { actions?: unknown } | undefined)?.actions;
  return { permissions: Array.isArray(perms) ? perms.map(String) : [], subject: String(claims.sub ?? '') };
}

function userCaller(user: string, password: string, s: TokenServiceState): Caller {
  if (user === NULL_GUID_USER) return refreshTokenCaller(password, s);
  if (s.admin && user === s.admin.username && password === s.admin.password) {
    return { permissions: ['*'], subject: user };
  }
  return { refusal: 'bad-user-or-password' };
}

function callerOf(r: TokenRequest, s: TokenServiceState, rec: AcrRequestRecord): Caller {
  if (r.form) {
    const grant = r.form.get('grant_type') ?? '';
    rec.grantType = grant;
    if (grant === 'refresh_token') {
      rec.credential = 'form-refresh-token';
      return refreshTokenCaller(r.form.get('refresh_token') ?? '', s);
    }
    if (grant === 'password') {
      rec.credential = 'form-password';
      return userCaller(r.form.get('username') ?? '', r.form.get('password') ?? '', s);
    }
    return { refusal: `unsupported-grant-type ${grant}` };
  }
  const basic = /^Basic\s+(\S+)$/i.exec(r.authorization ?? '');
  if (basic) {
    const [user, ...rest] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
    rec.credential = user === NULL_GUID_USER ? 'basic-refresh-token' : 'basic-admin';
    return userCaller(user ?? '', rest.join(':'), s);
  }
  rec.credential = 'anonymous';
  return s.anonymousPull ? { permissions: [ACR_ACTIONS.pull], subject: '' } : { refusal: 'anonymous' };
}

export function token(r: TokenRequest, s: TokenServiceState, rec: AcrRequestRecord): Answer {
  rec.scopes = r.scopes;
  if (r.service !== undefined && r.service !== s.loginServer) return unauthorized(rec, 'wrong-service');
  const caller = callerOf(r, s, rec);
  if ('refusal' in caller) return unauthorized(rec, caller.refusal);
  const requested = r.scopes.map(parseScope).filter((x) => x !== undefined);
  const access = grantedAccess(requested, caller.permissions);
  rec.granted = access.map((a) => `${a.type}:${a.name}:${a.actions.join(',')}`);
  const expired = s.expiredAccessTokens > 0;
  if (expired) s.expiredAccessTokens -= 1;
  // An expired one is dated so that the registry's 60 s leeway cannot save it.
  const now = epoch(Date.now()) - (expired ? 600 : 0);
  const lifetime = expired ? 480 : s.accessTokenLifetimeSeconds;
  const jwt = s.signer.sign(
    accessTokenClaims({ now, lifetime, loginServer: s.loginServer, subject: caller.subject, access }),
  );
  return { status: 200, body: { access_token: jwt } };
}
