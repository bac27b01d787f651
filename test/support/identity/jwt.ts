// RS256 JWTs with Node's crypto only: signing keys published as JWKS, compact serialisation, signature checks.
// Shared by the OIDC stand-in (issues GitHub ID tokens), the Entra stand-in (checks them, issues access tokens) and
// the ARM stand-in (checks access tokens).
import { createPublicKey, generateKeyPair, randomUUID, sign, verify } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';

export interface Jwk extends JsonWebKey {
  kid: string;
  kty: 'RSA';
  alg: 'RS256';
  use: 'sig';
  n: string;
  e: string;
}

export interface Jwks {
  keys: Jwk[];
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: Jwk;
}

export type JwtClaims = Record<string, unknown> & {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
};

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

export type VerifyResult =
  | { ok: true; header: Record<string, unknown>; claims: JwtClaims }
  | {
      ok: false;
      reason: 'malformed' | 'unsupported-alg' | 'unknown-key' | 'bad-signature';
      claims?: JwtClaims;
    };

export async function createSigningKey(kid: string = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await new Promise<{ privateKey: KeyObject; publicKey: KeyObject }>(
    (resolve, reject) =>
      generateKeyPair('rsa', { modulusLength: 2048 }, (err, pub, priv) =>
        err ? reject(err) : resolve({ publicKey: pub, privateKey: priv }),
      ),
  );
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    kid,
    privateKey,
    publicJwk: { kty: 'RSA', n: String(jwk.n), e: String(jwk.e), kid, alg: 'RS256', use: 'sig' },
  };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function signJwt(
  claims: JwtClaims,
  key: SigningKey,
  extraHeader: Record<string, unknown> = {},
): string {
  const header = { typ: 'JWT', alg: 'RS256', kid: key.kid, x5t: key.kid, ...extraHeader };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), key.privateKey);
  return `${signingInput}.${b64url(signature)}`;
}

/** Splits and parses a compact JWT without checking anything; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return {
      header,
      claims: claims as JwtClaims,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2]!, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** Checks the RS256 signature against a key set (by `kid`). Claims are not judged here. */
export function verifyJwtSignature(token: string, jwks: Jwks): VerifyResult {
  const decoded = decodeJwt(token);
  if (!decoded) return { ok: false, reason: 'malformed' };
  const { header, claims, signingInput, signature } = decoded;
  if (header.alg !== 'RS256') return { ok: false, reason: 'unsupported-alg', claims };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) return { ok: false, reason: 'unknown-key', claims };
  const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  const good = verify('sha256', Buffer.from(signingInput), publicKey, signature);
  return good ? { ok: true, header, claims } : { ok: false, reason: 'bad-signature', claims };
}

/** `aud` as a list. */
export function audiences(claims: JwtClaims): string[] {
  const aud = claims.aud;
  return Array.isArray(aud) ? aud.map(String) : aud === undefined ? [] : [String(aud)];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
