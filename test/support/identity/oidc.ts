// GitHub Actions OIDC stand-in: the ACTIONS_ID_TOKEN_REQUEST_URL endpoint a job calls for an ID token
// (`Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`, `&audience=...`, answer `{value: <JWT>}`), plus the
// issuer's discovery document and JWKS, which the Entra stand-in reads to check the token's signature.
// Plain HTTP on loopback by default, because @actions/core's HTTP client cannot be told about a test CA.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { applyFault, createFaultPlan } from '../faults/index.js';
import type { FaultPlan } from '../faults/index.js';
import { epochSeconds, systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { closeServer, listenOnLoopback, sendJson } from './http.js';
import { createSigningKey, signJwt } from './jwt.js';
import type { Jwks, JwtClaims, SigningKey } from './jwt.js';

/** The parts of a workflow run that shape the token's claims. */
export interface GithubRunContext {
  /** owner/name; default `octo/litmus`. */
  repository: string;
  /** default `refs/heads/main`. */
  ref: string;
  /** When set, the default subject is `repo:<repository>:environment:<environment>` (as GitHub does). */
  environment?: string | undefined;
  /** Workflow file path in the repository; default `.github/workflows/deploy.yml`. */
  workflowPath: string;
  eventName: string;
  actor: string;
}

export interface GithubOidcOptions extends Partial<GithubRunContext> {
  /** Overrides the computed `sub`. */
  subject?: string;
  /** Seconds from `iat` to `exp`; default 300 (GitHub's tokens are short-lived). */
  lifetimeSeconds?: number;
  /** Added to the issuing clock, e.g. -600 for a runner whose clock is ten minutes slow. Default 0. */
  clockSkewSeconds?: number;
  /** The `iss` claim; default this stand-in's own origin, so discovery (`<iss>/.well-known/...`) reaches it. */
  issuer?: string;
  /** Extra or overriding claims. */
  claims?: Record<string, unknown>;
  /** Serve HTTPS with this certificate instead of HTTP. */
  tls?: { cert: string; key: string };
  /** The job's request token; default random. */
  requestToken?: string;
  clock?: Clock;
  faults?: FaultPlan;
}

export type GithubOidcSettings = Pick<
  GithubOidcOptions,
  'subject' | 'lifetimeSeconds' | 'clockSkewSeconds' | 'claims' | 'environment' | 'ref' | 'repository'
>;

export interface OidcRequestRecord {
  method: string;
  path: string;
  status: number;
  audience?: string | undefined;
}

export interface GithubOidcStandIn {
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
  issuer: string;
  /** Value for ACTIONS_ID_TOKEN_REQUEST_URL (already carries a query string, like GitHub's). */
  requestUrl: string;
  /** Value for ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  requestToken: string;
  jwksUri: string;
  /** Both environment variables a job with `permissions: id-token: write` has. */
  env(): { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  jwks(): Jwks;
  /** Changes how later tokens are minted (subject, lifetime, skew, claims...). */
  configure(settings: GithubOidcSettings): void;
  /** Mints a token directly (no HTTP), with the current settings. */
  mint(audience?: string): string;
  /** Every token handed out, in order (for "never printed" assertions). */
  readonly issued: string[];
  readonly requests: OidcRequestRecord[];
  readonly faults: FaultPlan;
  close(): Promise<void>;
}

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const TOKEN_PATH_RE = /\/_apis\/distributedtask\/hubs\/Actions\/plans\/[^/]+\/jobs\/[^/]+\/idtoken$/;

export async function startGithubOidcStandIn(options: GithubOidcOptions = {}): Promise<GithubOidcStandIn> {
  const clock = options.clock ?? systemClock;
  const faults = options.faults ?? createFaultPlan();
  const key: SigningKey = await createSigningKey();
  const requestToken = options.requestToken ?? randomBytes(24).toString('base64url');
  const issued: string[] = [];
  const requests: OidcRequestRecord[] = [];
  let settings: GithubOidcSettings = { ...options };
  const ctx = (): GithubRunContext => ({
    repository: settings.repository ?? options.repository ?? 'octo/litmus',
    ref: settings.ref ?? options.ref ?? 'refs/heads/main',
    environment: settings.environment ?? options.environment,
    workflowPath: options.workflowPath ?? '.github/workflows/deploy.yml',
    eventName: options.eventName ?? 'push',
    actor: options.actor ?? 'octocat',
  });

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    const record: OidcRequestRecord = { method: req.method ?? 'GET', path: url.pathname, status: 0 };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    if (
      (await applyFault(faults, req, res, { errorBody: (s) => ({ message: `Injected fault ${s}` }) })).handled
    ) {
      if (!record.status) record.status = -1;
      return;
    }
    if (req.method !== 'GET') return sendJson(res, 405, { message: 'Method not allowed' });
    if (url.pathname === '/.well-known/openid-configuration') return sendJson(res, 200, discovery());
    if (url.pathname === '/.well-known/jwks') return sendJson(res, 200, { keys: [key.publicJwk] });
    if (TOKEN_PATH_RE.test(url.pathname)) {
      const auth = req.headers.authorization ?? '';
      if (auth !== `Bearer ${requestToken}`) {
        return sendJson(res, 401, {
          $id: '1',
          innerException: null,
          message: 'TF400813: The user is not authorized to access this resource.',
          typeName: 'Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException',
          typeKey: 'UnauthorizedRequestException',
          errorCode: 0,
          eventId: 3000,
        });
      }
      const audience = url.searchParams.get('audience') ?? undefined;
      record.audience = audience;
      return sendJson(res, 200, { value: mint(audience) });
    }
    return sendJson(res, 404, { message: `No route for ${url.pathname}` });
  };

  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, (q, s) => void handler(q, s))
    : createHttpServer((q, s) => void handler(q, s));
  const port = await listenOnLoopback(server);
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const issuer = options.issuer ?? origin;
  const jwksUri = `${origin}/.well-known/jwks`;
  const requestUrl =
    `${origin}/${randomUUID()}/_apis/distributedtask/hubs/Actions/plans/${randomUUID()}` +
    `/jobs/${randomUUID()}/idtoken?api-version=2.0`;

  function discovery() {
    return {
      issuer,
      jwks_uri: jwksUri,
      subject_types_supported: ['public', 'pairwise'],
      response_types_supported: ['id_token'],
      claims_supported: [
        'sub',
        'aud',
        'exp',
        'iat',
        'iss',
        'jti',
        'nbf',
        'ref',
        'repository',
        'job_workflow_ref',
      ],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'repo', 'repository_owner', 'environment', 'job_workflow_ref'],
    };
  }

  function mint(audience?: string): string {
    const c = ctx();
    const [owner] = c.repository.split('/');
    const iat = epochSeconds(clock) + (settings.clockSkewSeconds ?? 0);
    const lifetime = settings.lifetimeSeconds ?? 300;
    const sha = randomBytes(20).toString('hex');
    const workflowRef = `${c.repository}/${c.workflowPath}@${c.ref}`;
    const sub =
      settings.subject ??
      (c.environment
        ? `repo:${c.repository}:environment:${c.environment}`
        : `repo:${c.repository}:ref:${c.ref}`);
    const claims: JwtClaims = {
      jti: randomUUID(),
      sub,
      ...(c.environment ? { environment: c.environment } : {}),
      aud: audience ?? `https://github.com/${owner}`,
      ref: c.ref,
      sha,
      repository: c.repository,
      repository_owner: owner,
      repository_owner_id: '100001',
      repository_id: '200002',
      repository_visibility: 'private',
      run_id: '3000003',
      run_number: '42',
      run_attempt: '1',
      actor: c.actor,
      actor_id: '400004',
      workflow: 'deploy',
      workflow_ref: workflowRef,
      workflow_sha: sha,
      job_workflow_ref: workflowRef,
      job_workflow_sha: sha,
      head_ref: '',
      base_ref: '',
      event_name: c.eventName,
      ref_type: c.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      ref_protected: 'false',
      runner_environment: 'github-hosted',
      iss: issuer,
      // GitHub's own tokens carry nbf a little before iat and a short exp.
      nbf: iat - 600,
      exp: iat + lifetime,
      iat,
      ...settings.claims,
    };
    const token = signJwt(claims, key);
    issued.push(token);
    return token;
  }

  return {
    url: origin,
    issuer,
    requestUrl,
    requestToken,
    jwksUri,
    env: () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken }),
    jwks: () => ({ keys: [key.publicJwk] }),
    configure: (s) => {
      settings = { ...settings, ...s };
    },
    mint,
    issued,
    requests,
    faults,
    close: () => closeServer(server),
  };
}

/**
 * Fetches an ID token the way @actions/core's getIDToken does: GET `<ACTIONS_ID_TOKEN_REQUEST_URL>&audience=...`
 * with the request token as bearer, and returns `value`. For tests' getAssertion callbacks.
 */
export async function requestGithubIdToken(
  env: { ACTIONS_ID_TOKEN_REQUEST_URL?: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN?: string },
  audience = 'api://AzureADTokenExchange',
): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const token = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !token)
    throw new Error('ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN not set');
  const res = await fetch(`${url}&audience=${encodeURIComponent(audience)}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`OIDC token request failed: ${res.status}`);
  const body = (await res.json()) as { value?: string };
  if (!body.value) throw new Error('OIDC token response has no value');
  return body.value;
}
