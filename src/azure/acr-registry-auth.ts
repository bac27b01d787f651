// ACR's data plane with the job's Azure identity: the Entra token for Resource Manager is traded for an ACR refresh
// token (`POST https://<loginServer>/oauth2/exchange`), which is then a registry password for the fixed user
// 00000000-0000-0000-0000-000000000000 (what `az acr login` does): the registry's own Bearer flow
// (src/registry/auth.ts basicAuth) turns it into repository-scoped access tokens. The refresh token lives about 3 h:
// it is exchanged again shortly before its `exp`, and once more when the token service refuses it. Neither token is
// ever logged or put in a message.
import type { IncomingHttpHeaders } from 'node:http';
import { basicAuth } from '../registry/auth.js';
import type { RegistryAuth } from '../registry/auth.js';
import { RegistryError, registryErrorBody } from '../registry/errors.js';
import { interpretAnswer } from '../registry/interpret.js';
import { createTransport, readText } from '../registry/transport.js';
import type { Transport } from '../registry/transport.js';
import type { AzureAccess } from './azure-access.js';
import { AcrError } from './acr-importer.js';

/** The user name ACR expects with a refresh token as the password. */
export const ACR_REFRESH_TOKEN_USER = '00000000-0000-0000-0000-000000000000';

/** Exchange again this long before the refresh token expires, so that no request meets an expired one. */
const RENEW_BEFORE_MS = 5 * 60_000;

export interface AcrAuthOptions {
  /** PEM bundle trusted for the login server besides the system roots (a private CA; the tests' stand-in). */
  ca?: string;
  /** The clock the refresh token's expiry is judged by; default Date.now. */
  now?: () => number;
}

export interface ExchangeOptions {
  /** The HTTP client (TLS trust included); default one made for this call with `ca`. */
  transport?: Transport;
  ca?: string;
  signal?: AbortSignal;
}

/** The Entra token ACR's /oauth2/exchange accepts: one for Resource Manager, from the same credential. */
async function armToken(az: AzureAccess, signal: AbortSignal | undefined): Promise<string> {
  const t = await az.credential.getToken(
    az.clientOptions.credentialScopes,
    signal ? { abortSignal: signal } : {},
  );
  if (!t) throw new AcrError(`${az.describe} returned no access token for Resource Manager`, undefined);
  return t.token;
}

/** ACR's own words from an error body, with anything shaped like a JWT taken out. */
function saidByAcr(body: string): { code: string; message: string } | undefined {
  const said = registryErrorBody(body);
  if (!said) return undefined;
  const message = said.message.replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '<token>').slice(0, 300);
  return { code: said.code, message };
}

function exchangeFailure(
  az: AzureAccess,
  loginServer: string,
  status: number,
  headers: IncomingHttpHeaders,
  body: string,
): RegistryError {
  const said = saidByAcr(body);
  const reg = said ? `: ${said.code}${said.message ? ` ${said.message}` : ''}` : '';
  const common = { status, ...(said ? { code: said.code, registryMessage: said.message } : {}) };
  const what = `${loginServer} refused to exchange the Entra token of ${az.describe} for a registry refresh token`;
  const ans = interpretAnswer(status, headers);
  switch (ans.kind) {
    case 'unauthorized':
    case 'denied':
      return new RegistryError({
        ...common,
        kind: ans.kind,
        problem: `${what} (HTTP ${status}${reg})`,
        fix:
          `give ${az.describe} AcrPull (to read) or AcrPush (to write) on the registry (a new role assignment can ` +
          'take a few minutes to apply); ACR also refuses an Entra token that has expired, is from another tenant ' +
          "than the registry's, or is for Resource Manager while the registry's authentication-as-arm policy is off",
      });
    case 'not-found':
      return new RegistryError({
        ...common,
        kind: 'unsupported',
        problem: `${loginServer} has no ACR token exchange (POST /oauth2/exchange answered HTTP 404)`,
        fix: 'check the registry: acr mode needs an Azure Container Registry login server (<name>.azurecr.io); use mirror-mode oci for other registries',
      });
    case 'retry-after':
    case 'server-error':
      return new RegistryError({
        ...common,
        kind: 'server-error',
        retryable: true,
        ...(ans.kind === 'retry-after' && ans.afterMs !== undefined ? { retryAfterMs: ans.afterMs } : {}),
        problem: `${what} (HTTP ${status}${reg})`,
        fix: `retry later: ${loginServer} is busy or failing`,
      });
    default:
      return new RegistryError({
        ...common,
        kind: 'rejected',
        problem: `${what} (HTTP ${status}${reg})`,
        fix: `check the registry: ${loginServer} does not answer as an Azure Container Registry`,
      });
  }
}

/** Trades the Entra token for an ACR refresh token. `loginServer` is `<name>.azurecr.io` (host:port in tests). */
export async function exchangeAcrRefreshToken(
  az: AzureAccess,
  loginServer: string,
  o: ExchangeOptions = {},
): Promise<string> {
  const transport = o.transport ?? createTransport(o.ca !== undefined ? { ca: o.ca } : {});
  try {
    const body = Buffer.from(
      new URLSearchParams({
        grant_type: 'access_token',
        service: loginServer,
        access_token: await armToken(az, o.signal),
      }).toString(),
    );
    const a = await transport.send({
      method: 'POST',
      url: new URL(`https://${loginServer}/oauth2/exchange`),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.length),
        accept: 'application/json',
      },
      body,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const text = await readText(a);
    if (a.status !== 200) throw exchangeFailure(az, loginServer, a.status, a.headers, text);
    let token: unknown;
    try {
      token = (JSON.parse(text) as { refresh_token?: unknown }).refresh_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || !token) {
      throw new RegistryError({
        kind: 'unsupported',
        status: a.status,
        problem: `${loginServer}/oauth2/exchange answered without a refresh_token`,
        fix: 'check the registry: it does not answer as an Azure Container Registry',
      });
    }
    return token;
  } finally {
    if (!o.transport) transport.close();
  }
}

/** The refresh token's `exp` in ms (read, not verified: it only decides when to exchange again); Infinity if none. */
export function refreshTokenExpiry(token: string): number {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : Infinity;
  } catch {
    return Infinity;
  }
}

interface Session {
  auth: RegistryAuth;
  expiresAt: number;
}

/** RegistryAuth for an ACR login server, signed in as the job's Azure identity. */
export function acrRegistryAuth(az: AzureAccess, loginServer: string, o: AcrAuthOptions = {}): RegistryAuth {
  const now = o.now ?? Date.now;
  let transport: Transport | undefined;
  let current: Promise<Session> | undefined;
  /** A new exchange unless another caller already replaced `stale`: concurrent callers share one. */
  const renew = (stale: Promise<Session> | undefined, signal?: AbortSignal): Promise<Session> => {
    if (current !== stale && current !== undefined) return current;
    transport ??= createTransport(o.ca !== undefined ? { ca: o.ca } : {});
    const p = exchangeAcrRefreshToken(az, loginServer, { transport, ...(signal ? { signal } : {}) }).then(
      (rt) => ({ auth: basicAuth(ACR_REFRESH_TOKEN_USER, rt, now), expiresAt: refreshTokenExpiry(rt) }),
    );
    current = p;
    p.catch(() => {
      if (current === p) current = undefined;
    });
    return p;
  };
  const session = async (signal?: AbortSignal) => {
    let p = current ?? renew(undefined, signal);
    let s = await p;
    if (s.expiresAt - RENEW_BEFORE_MS <= now()) {
      p = renew(p, signal);
      s = await p;
    }
    return { p, s };
  };
  return {
    describe: `${az.describe} (ACR token exchange)`,
    grants: { pull: 'the AcrPull role', push: 'the AcrPush role' },
    async authorization(challenge, scopes, opts) {
      if (challenge === undefined) return undefined;
      const { p, s } = await session(opts.signal);
      try {
        return await s.auth.authorization(challenge, scopes, opts);
      } catch (e) {
        if (!(e instanceof RegistryError && e.kind === 'unauthorized')) throw e;
      }
      // The token service refused the refresh token (expired early, revoked, roles changed): exchange once more.
      const again = await renew(p, opts.signal);
      try {
        return await again.auth.authorization(challenge, scopes, { ...opts, fresh: true });
      } catch (e) {
        if (!(e instanceof RegistryError && e.kind === 'unauthorized')) throw e;
        throw new RegistryError({
          kind: 'unauthorized',
          ...(e.status !== undefined ? { status: e.status } : {}),
          problem: `${loginServer} refused a token for ${scopes.join(' ')} to ${az.describe} right after a fresh token exchange (HTTP ${e.status ?? 401})`,
          fix: `give ${az.describe} AcrPull (to read) or AcrPush (to write) on the registry`,
        });
      }
    },
  };
}
