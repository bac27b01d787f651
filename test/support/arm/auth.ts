// Bearer-token authentication as ARM does it: an RS256 access token signed by the (stand-in) Entra ID, for one of
// ARM's audiences, unexpired, from the subscription's tenant. Failures are ARM's 401s.
import { systemClock } from '../identity/clock.js';
import type { Clock } from '../identity/clock.js';
import { audiences, verifyJwtSignature } from '../identity/jwt.js';
import type { Jwks, JwtClaims } from '../identity/jwt.js';
import { armErrors } from './errors.js';

export const ARM_AUDIENCES = [
  'https://management.core.windows.net/',
  'https://management.core.windows.net',
  'https://management.azure.com/',
  'https://management.azure.com',
];

export interface ArmAuthOptions {
  /** Keys that sign valid access tokens: the Entra stand-in's `jwks()` (or a function, for key rotation). */
  jwks: Jwks | (() => Jwks);
  /** Accepted `aud` values; default ARM's four. */
  audiences?: string[];
  /** Clock skew ARM tolerates on `exp`/`nbf`; default 300 s. */
  leewaySeconds?: number;
  clock?: Clock;
}

export interface Principal {
  objectId: string;
  appId: string;
  tenantId: string;
  claims: JwtClaims;
}

/**
 * Returns the caller, or throws the ArmError ARM would answer with. The tenant is checked later, against the
 * subscription the request addresses (InvalidAuthenticationTokenTenant).
 */
export function authenticate(header: string | undefined, opts: ArmAuthOptions): Principal {
  if (!header) throw armErrors.missingAuthorization();
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw armErrors.invalidToken("The 'Authorization' header is not a bearer token.");
  const jwks = typeof opts.jwks === 'function' ? opts.jwks() : opts.jwks;
  const verified = verifyJwtSignature(m[1]!, jwks);
  if (!verified.ok) {
    throw armErrors.invalidToken(
      verified.reason === 'malformed' ? 'It is not a JWT.' : 'The signature could not be verified.',
    );
  }
  const claims = verified.claims;
  const allowed = opts.audiences ?? ARM_AUDIENCES;
  const aud = audiences(claims);
  if (!aud.some((a) => allowed.includes(a))) throw armErrors.wrongAudience(aud.join(','), allowed);
  const clock = opts.clock ?? systemClock;
  const now = clock.now();
  const leewayMs = (opts.leewaySeconds ?? 300) * 1000;
  const exp = Number(claims.exp ?? 0) * 1000;
  if (now > exp + leewayMs) throw armErrors.expiredToken(new Date(exp), new Date(now));
  const nbf = Number(claims.nbf ?? 0) * 1000;
  if (now < nbf - leewayMs) throw armErrors.invalidToken('The token is not yet valid.');
  return {
    objectId: String(claims.oid ?? ''),
    appId: String(claims.appid ?? claims.azp ?? ''),
    tenantId: String(claims.tid ?? ''),
    claims,
  };
}
