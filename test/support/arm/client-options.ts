// How a real Azure SDK client is pointed at the stand-ins: endpoint, credential scope, and trust of the test CA through
// the pipeline's `tlsOptions` (core-rest-pipeline adds a TLS policy that gives each request its own https agent with
// that CA; nothing global is touched, TLS verification stays on). Also a raw HTTPS helper for endpoints no npm SDK
// covers (connectedClusters, customLocations).
import { request } from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/identity';

export const ARM_SCOPE = 'https://management.azure.com/.default';

/** Options for @azure/arm-resources (core-client style). */
export function resourcesClientOptions(endpoint: string, caPem: string) {
  return {
    endpoint,
    credentialScopes: [ARM_SCOPE],
    tlsOptions: { ca: caPem },
    // Keep the SDK's own retry behaviour but with short delays so tests stay fast.
    retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 },
  };
}

/** Options for @azure/arm-containerregistry 12 (modular, @azure-rest/core-client style). */
export function registryClientOptions(endpoint: string, caPem: string) {
  return {
    endpoint,
    credentials: { scopes: [ARM_SCOPE] },
    tlsOptions: { ca: caPem },
    retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 },
  };
}

/** Options for @azure/identity credentials talking to the Entra stand-in. */
export function identityOptions(authorityHost: string, caPem: string) {
  return { authorityHost, disableInstanceDiscovery: true, tlsOptions: { ca: caPem } };
}

/** A TokenCredential that hands out whatever `mint` returns (e.g. the Entra stand-in's mintAccessToken). */
export function staticCredential(mint: () => string, lifetimeMs = 3_600_000): TokenCredential {
  return {
    getToken: async (): Promise<AccessToken> => ({
      token: mint(),
      expiresOnTimestamp: Date.now() + lifetimeMs,
    }),
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** One HTTPS request trusting `caPem`; the body is parsed as JSON when there is one. */
export function httpsJson(
  url: string,
  opts: {
    method?: string;
    caPem: string;
    token?: string;
    /** Sent as JSON. */
    body?: unknown;
    /** Sent as is (set content-type in `headers`). */
    rawBody?: string;
    headers?: Record<string, string>;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const payload = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: opts.caPem,
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
            : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
