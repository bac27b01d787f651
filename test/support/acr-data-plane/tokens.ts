// ACR's own tokens, as Azure/acr docs/AAD-OAuth.md shows their claims: a refresh token from /oauth2/exchange (with the
// caller's registry permissions captured at exchange time) and access tokens from /oauth2/token (an `access` list in
// the distribution token format). Both are ES256 JWTs whose header carries the signing certificate (`x5c`): that is
// how docker-registry 2.8's token auth finds and trusts the key (registry/auth/token/token.go: x5c chain verified
// against `rootcertbundle`, `iss` and `aud` compared as strings, `exp`/`nbf` with 60 s leeway on its own clock).
import { createPrivateKey, createPublicKey, randomUUID, sign, verify, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createTestCa, issueTestCert } from '../test-pki.js';

export const ACR_ISSUER = 'Azure Container Registry';

/** What the caller may do in the registry, as the refresh token records it (ARM's action names). */
export const ACR_ACTIONS = {
  pull: 'Microsoft.ContainerRegistry/registries/pull/read',
  push: 'Microsoft.ContainerRegistry/registries/push/write',
  delete: 'Microsoft.ContainerRegistry/registries/artifacts/delete',
} as const;

/** Built-in roles on a registry and the data actions each carries. */
export type AcrRole = 'AcrPull' | 'AcrPush' | 'AcrDelete' | 'Owner';
export const ROLE_ACTIONS: Record<AcrRole, string[]> = {
  AcrPull: [ACR_ACTIONS.pull],
  AcrPush: [ACR_ACTIONS.pull, ACR_ACTIONS.push],
  AcrDelete: [ACR_ACTIONS.delete],
  Owner: ['*'],
};

export interface ResourceActions {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenSigner {
  /** PEM of the root the registry trusts (its `rootcertbundle`). */
  rootPem: string;
  sign(claims: Record<string, unknown>): string;
  /** The claims when the signature is ours; undefined otherwise. Times are not judged here. */
  verify(token: string): Record<string, unknown> | undefined;
}

export async function createTokenSigner(): Promise<TokenSigner> {
  const root = await createTestCa('ACR stand-in token signing root');
  const leaf = await issueTestCert(root, { commonName: 'ACR stand-in token signing' });
  const x5c = [new X509Certificate(leaf.cert).raw.toString('base64')];
  const privateKey: KeyObject = createPrivateKey(leaf.key);
  const publicKey = createPublicKey(privateKey);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return {
    rootPem: root.cert,
    sign(claims) {
      const input = `${b64({ typ: 'JWT', alg: 'ES256', x5c })}.${b64(claims)}`;
      // JOSE ES256 is r||s (IEEE P1363), not DER: libtrust rejects anything else.
      const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${sig.toString('base64url')}`;
    },
    verify(token) {
      const parts = token.split('.');
      if (parts.length !== 3) return undefined;
      const [h, c, s] = parts as [string, string, string];
      const good = verify(
        'sha256',
        Buffer.from(`${h}.${c}`),
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(s, 'base64url'),
      );
      if (!good) return undefined;
      try {
        return JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    },
  };
}

/** `repository:litmusedge/x:pull,push` → {type, name, actions}; undefined when it is not a scope. */
export function parseScope(scope: string): ResourceActions | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((a) => a !== '');
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

/** The part of the requested access that the permissions allow (the token spec: grant a subset, never fail). */
export function grantedAccess(requested: ResourceActions[], permissions: string[]): ResourceActions[] {
  const all = permissions.includes('*');
  const may = (a: string) =>
    all ||
    (a === 'pull' && permissions.includes(ACR_ACTIONS.pull)) ||
    (a === 'push' && permissions.includes(ACR_ACTIONS.push)) ||
    (a === 'delete' && permissions.includes(ACR_ACTIONS.delete));
  return requested.map((r) => ({
    ...r,
    actions:
      r.type === 'repository'
        ? r.actions.filter(may)
        : r.type === 'registry' && r.name === 'catalog' && all
          ? r.actions
          : [],
  }));
}

export interface TokenTimes {
  /** Seconds since the epoch. */
  now: number;
  lifetime: number;
}

/** The claims every ACR token carries (Azure/acr docs/AAD-OAuth.md). */
function commonClaims(o: TokenTimes & { loginServer: string; subject: string }): Record<string, unknown> {
  return {
    jti: randomUUID(),
    sub: o.subject,
    nbf: o.now,
    exp: o.now + o.lifetime,
    iat: o.now,
    iss: ACR_ISSUER,
    aud: o.loginServer,
    version: '1.0',
    roles: [],
  };
}

export function refreshTokenClaims(
  o: TokenTimes & { loginServer: string; subject: string; tenant: string; permissions: string[] },
): Record<string, unknown> {
  return {
    ...commonClaims(o),
    grant_type: 'refresh_token',
    tenant: o.tenant,
    permissions: { actions: o.permissions, notActions: [] },
  };
}

export function accessTokenClaims(
  o: TokenTimes & { loginServer: string; subject: string; access: ResourceActions[] },
): Record<string, unknown> {
  return { ...commonClaims(o), access: o.access, grant_type: 'access_token' };
}
