// How ACR judges the Entra access token presented at /oauth2/exchange: signed by Entra (the Entra stand-in's keys),
// for Resource Manager or for ACR's own audience, unexpired, from the registry's tenant. ACR's answer to every failure
// is the same 401; the reason is kept for the test's records only.
import type { Clock } from '../identity/clock.js';
import { audiences, verifyJwtSignature } from '../identity/jwt.js';
import type { Jwks } from '../identity/jwt.js';

/** Audiences ACR accepts: ARM's (with the registry's authentication-as-arm policy on) and ACR's own. */
export const ACR_ENTRA_AUDIENCES = [
  'https://management.azure.com/',
  'https://management.azure.com',
  'https://management.core.windows.net/',
  'https://management.core.windows.net',
  'https://containerregistry.azure.net',
  'https://containerregistry.azure.net/',
];

export type EntraRefusal =
  'malformed' | 'bad-signature' | 'wrong-audience' | 'expired' | 'not-yet-valid' | 'wrong-tenant';

export interface EntraPrincipal {
  objectId: string;
  appId: string;
  tenantId: string;
}

export interface EntraCheck {
  jwks: () => Jwks;
  /** Only this tenant's tokens; any tenant when undefined. */
  tenantId: string | undefined;
  clock: Clock;
  leewaySeconds: number;
}

export function checkEntraToken(
  token: string,
  c: EntraCheck,
): { ok: true; principal: EntraPrincipal } | { ok: false; reason: EntraRefusal } {
  const v = verifyJwtSignature(token, c.jwks());
  if (!v.ok) return { ok: false, reason: v.reason === 'malformed' ? 'malformed' : 'bad-signature' };
  const claims = v.claims;
  if (!audiences(claims).some((a) => ACR_ENTRA_AUDIENCES.includes(a))) {
    return { ok: false, reason: 'wrong-audience' };
  }
  const now = c.clock.now();
  const leeway = c.leewaySeconds * 1000;
  if (now > Number(claims.exp ?? 0) * 1000 + leeway) return { ok: false, reason: 'expired' };
  if (now < Number(claims.nbf ?? 0) * 1000 - leeway) return { ok: false, reason: 'not-yet-valid' };
  const tenantId = String(claims.tid ?? '');
  if (c.tenantId !== undefined && tenantId.toLowerCase() !== c.tenantId.toLowerCase()) {
    return { ok: false, reason: 'wrong-tenant' };
  }
  return {
    ok: true,
    principal: {
      objectId: String(claims.oid ?? ''),
      appId: String(claims.appid ?? claims.azp ?? ''),
      tenantId,
    },
  };
}
