export { aadsts, aadstsBody } from './aadsts.js';
export type { AadstsBody, AadstsError } from './aadsts.js';
export { createTestClock, systemClock } from './clock.js';
export type { Clock, TestClock } from './clock.js';
export { DEFAULT_FIC_AUDIENCE, JWT_BEARER, startEntraStandIn } from './entra.js';
export type {
  EntraApplication,
  EntraOptions,
  EntraRequestRecord,
  EntraStandIn,
  EntraTenant,
  FederatedCredential,
  MintOptions,
} from './entra.js';
export { audiences, createSigningKey, decodeJwt, signJwt, verifyJwtSignature } from './jwt.js';
export type { Jwk, Jwks, JwtClaims, SigningKey, VerifyResult } from './jwt.js';
export { GITHUB_ISSUER, requestGithubIdToken, startGithubOidcStandIn } from './oidc.js';
export type { GithubOidcOptions, GithubOidcSettings, GithubOidcStandIn, OidcRequestRecord } from './oidc.js';
