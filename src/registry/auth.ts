// Registry authentication: the WWW-Authenticate challenge parser (pure) and the credential kinds. Basic sends the
// credentials on every request; Bearer trades them (or nothing, anonymously) at the challenge's realm for a token
// per scope, cached until it expires. The Google service-account key is basic with user `_json_key` and the raw
// JSON as the password. Nothing here logs, and no message carries a credential or a token.
import { RegistryError } from './errors.js';

export interface Challenge {
  /** Lower-case: `basic`, `bearer`, … */
  scheme: string;
  /** Parameter names lower-case (realm, service, scope, error); values unquoted. */
  params: Record<string, string>;
}

/** Every challenge in a WWW-Authenticate value (`Bearer realm="…",service="…", Basic realm="…"`). */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skip = (re: RegExp) => {
    while (i < s.length && re.test(s[i] ?? '')) i++;
  };
  let current: Challenge | undefined;
  while (i < s.length) {
    skip(/[\s,]/);
    const start = i;
    while (i < s.length && /[^\s,=]/.test(s[i] ?? '')) i++;
    const token = s.slice(start, i);
    if (!token) break;
    skip(/\s/);
    if (s[i] === '=' && current) {
      i++;
      skip(/\s/);
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++; // closing quote
      } else {
        const vs = i;
        while (i < s.length && /[^\s,]/.test(s[i] ?? '')) i++;
        value = s.slice(vs, i);
      }
      current.params[token.toLowerCase()] = value;
    } else if (s[i] === '=') {
      break; // a parameter before any scheme: not a challenge
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

/** The first challenge in the header (Bearer preferred when several are offered); undefined when there is none. */
export function parseChallenge(header: string): Challenge | undefined {
  const all = parseChallenges(header);
  return all.find((c) => c.scheme === 'bearer') ?? all[0];
}

/** GET a URL with the registry's own transport (its TLS trust): status and body text. */
export type TokenGet = (
  url: URL,
  headers: Record<string, string>,
  signal?: AbortSignal,
) => Promise<{ status: number; body: string }>;

export interface RegistryAuth {
  /** For messages: `anonymous` or `user <name>` (never the secret). */
  readonly describe: string;
  /** How access is granted on this registry, for a refusal's fix (e.g. ACR's roles); generic words otherwise. */
  readonly grants?: { pull: string; push: string };
  /**
   * The Authorization header value for requests needing `scopes` (`repository:<repo>:pull[,push]`) after the
   * registry answered with `challenge`; undefined to go anonymous. `fresh` skips the token cache (after a 401).
   */
  authorization(
    challenge: Challenge | undefined,
    scopes: string[],
    o: { fresh: boolean; get: TokenGet; signal?: AbortSignal },
  ): Promise<string | undefined>;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

function bearerFlow(
  credentials: { username: string; password: string } | undefined,
  now: () => number,
): RegistryAuth['authorization'] {
  const cache = new Map<string, CachedToken>();
  return async (challenge, scopes, o) => {
    if (challenge === undefined) return undefined;
    if (challenge.scheme === 'basic') {
      if (!credentials) return undefined;
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    if (challenge.scheme !== 'bearer') return undefined;
    const realm = challenge.params['realm'];
    if (!realm) {
      throw new RegistryError({
        kind: 'unsupported',
        problem: 'the registry asked for a Bearer token without naming a realm',
        fix: 'check the registry URL: this does not look like an OCI distribution endpoint',
      });
    }
    const service = challenge.params['service'];
    const key = `${realm} ${service ?? ''} ${scopes.join(' ')}`;
    const hit = cache.get(key);
    if (hit && !o.fresh && hit.expiresAt > now()) return `Bearer ${hit.value}`;
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    for (const sc of scopes) url.searchParams.append('scope', sc);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credentials) {
      headers['authorization'] =
        `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    const r = await o.get(url, headers, o.signal);
    const where = `the token service ${url.host}`;
    if (r.status === 401 || r.status === 403) {
      throw new RegistryError({
        kind: r.status === 401 ? 'unauthorized' : 'denied',
        status: r.status,
        problem: `${where} refused ${credentials ? `the credentials of user ${credentials.username}` : 'an anonymous token'} for ${scopes.join(' ')} (HTTP ${r.status})`,
        fix: credentials
          ? 'check the registry username and password (or key): they are wrong, expired, or lack access to this repository'
          : 'this repository needs credentials: pass the registry username and password',
      });
    }
    if (r.status < 200 || r.status >= 300) {
      throw new RegistryError({
        kind: r.status >= 500 ? 'server-error' : 'rejected',
        status: r.status,
        retryable: r.status >= 500 || r.status === 429,
        problem: `${where} answered HTTP ${r.status} to a token request for ${scopes.join(' ')}`,
        fix: r.status >= 500 ? 'retry later: the token service is failing' : 'check the registry URL',
      });
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(r.body) as typeof parsed;
    } catch {
      parsed = {};
    }
    const token =
      typeof parsed.token === 'string' && parsed.token
        ? parsed.token
        : typeof parsed.access_token === 'string'
          ? parsed.access_token
          : '';
    if (!token) {
      throw new RegistryError({
        kind: 'unsupported',
        problem: `${where} answered without a token or access_token`,
        fix: 'check the registry URL: the realm it names does not issue registry tokens',
      });
    }
    const ttl = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    cache.set(key, { value: token, expiresAt: now() + Math.max(0, ttl * 1000 - 10_000) });
    return `Bearer ${token}`;
  };
}

/** No credentials: anonymous Bearer tokens where the registry issues them. */
export function anonymousAuth(now: () => number = Date.now): RegistryAuth {
  return { describe: 'anonymous', authorization: bearerFlow(undefined, now) };
}

/** user:password, sent as Basic or traded for Bearer tokens, as the registry asks. */
export function basicAuth(username: string, password: string, now: () => number = Date.now): RegistryAuth {
  return { describe: `user ${username}`, authorization: bearerFlow({ username, password }, now) };
}

/** A Google service-account JSON key (Artifact Registry): user `_json_key`, the raw JSON as the password. */
export function googleKeyAuth(keyJson: string, now: () => number = Date.now): RegistryAuth {
  return basicAuth('_json_key', keyJson, now);
}
