// The two ways to authenticate to the Litmus Edge API.
// - API token: HTTP Basic with the token as user and an empty password. Confirmed by Litmus' own Grafana data
//   source (litmusautomation/edge-datasource, pkg/edge/devicehub.go: "Basic " + base64(apiToken + ":")) and by the
//   4.0.x API reference (api.litmus.io/le: "Username is your API token, password is empty").
// - OAuth2 client credentials: POST /auth/v3/oauth/token, form grant_type=client_credentials, client_id,
//   client_secret -> {access_token, expires_in} (api.litmus.io/le, 4.0.x: "refresh it before expires_in elapses";
//   docs.litmus.io "How to Create and Use OAuth 2.0 Tokens" names the same flow). The access token is refreshed
//   shortly before it expires, and once more when a request is refused with 401 mid-run.
import { fixFor, LitmusApiError } from './errors.js';
import { errorDetail, request, type Credentials, type Endpoint } from './http.js';

export const OAUTH_TOKEN_PATH = '/auth/v3/oauth/token';

export function tokenCredentials(token: string): Credentials {
  const header = `Basic ${Buffer.from(`${token}:`, 'utf8').toString('base64')}`;
  return {
    input: 'litmus-edge-token',
    header: async () => header,
    refresh: async () => false,
  };
}

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Registers the access token as a secret (the runner masks it). */
  mask(secret: string): void;
  now(): number;
}

/** Refresh when less than this remains (or a tenth of the lifetime, whichever is more). */
const MARGIN_MS = 30_000;

export function oauthCredentials(endpoint: () => Endpoint, o: OAuthOptions): Credentials {
  const input = 'litmus-edge-client-id/litmus-edge-client-secret';
  let current: { header: string; refreshAt: number } | undefined;
  const noAuth: Credentials = { input, header: async () => '', refresh: async () => false };
  const fetchToken = async (signal: AbortSignal): Promise<void> => {
    const e = endpoint();
    const form = { grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret };
    const a = await request(e, noAuth, 'POST', OAUTH_TOKEN_PATH, undefined, {
      signal,
      form,
      anonymous: true,
    });
    const body = (a.body ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (a.status >= 300 || typeof body.access_token !== 'string' || !body.access_token) {
      const status = a.status >= 300 ? a.status : 502;
      throw new LitmusApiError(
        a.status,
        `POST ${OAUTH_TOKEN_PATH}`,
        e.where,
        a.status >= 300 ? errorDetail(a.body) : 'the answer holds no access_token',
        a.status === 400 || a.status === 401 ? fixFor(401, { input }) : fixFor(status, { input }),
      );
    }
    o.mask(body.access_token);
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000;
    current = {
      header: `Bearer ${body.access_token}`,
      refreshAt: o.now() + lifetimeMs - Math.max(MARGIN_MS, lifetimeMs / 10),
    };
  };
  return {
    input,
    async header(signal) {
      if (!current || o.now() >= current.refreshAt) await fetchToken(signal);
      return current!.header;
    },
    async refresh(signal) {
      await fetchToken(signal);
      return true;
    },
  };
}
