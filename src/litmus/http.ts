// One HTTPS request to Litmus Edge, and the retries around it: 429 and 5xx (Retry-After honoured, capped) and
// answers that never came are retried with backoff; a 401 lets the credentials refresh once (an OAuth token that
// expired mid-run). Bodies are JSON. Nothing here logs a header or a body: they hold the token and the client key.
import https from 'node:https';
import { retryDelay, sleep, type RetryPolicy } from '../registry/retry.js';
import { fixFor, LitmusApiError, LitmusTlsError } from './errors.js';

export interface Credentials {
  /** The Authorization header value for the next request. */
  header(signal: AbortSignal): Promise<string>;
  /** After a 401: get fresh credentials; false when there is nothing to refresh (a static token). */
  refresh(signal: AbortSignal): Promise<boolean>;
  /** The inputs that hold them, for messages (e.g. "litmus-edge-token"). */
  input: string;
}

export interface Endpoint {
  /** https://host:port[/base] the paths are resolved against (a port-forward: 127.0.0.1:<local port>). */
  base: URL;
  agent: https.Agent;
  /** Sent as Host (a port-forward is reached at 127.0.0.1, the server is named by its Service). */
  hostHeader?: string;
  where: string;
}

export interface RequestOptions {
  signal: AbortSignal;
  retry?: RetryPolicy;
  timeoutMs?: number;
  /** A form body instead of JSON (the OAuth token request). */
  form?: Record<string, string>;
  /** Send no Authorization header (the OAuth token request). */
  anonymous?: boolean;
}

export interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseMs: 250, maxMs: 5_000 };
const MAX_BODY = 8 * 1024 * 1024;

function parseRetryAfter(v: string | string[] | undefined): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  if (/^\d+$/.test(s.trim())) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** PEM blocks an answer may echo back (a config it refused holds the client key): never shown. */
const stripPem = (s: string): string =>
  s.replace(/-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g, '(PEM removed)');

/** What Litmus Edge said went wrong: `message`/`error`/`detail` of a JSON body, else the text (shortened). */
export function errorDetail(body: unknown): string {
  let text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
  if (body && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    const k = ['message', 'error', 'detail', 'Message', 'Error'].find(
      (x) => typeof o[x] === 'string' && o[x],
    );
    if (k) text = o[k] as string;
  }
  text = stripPem(text);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || '(empty answer)';
}

function once(
  e: Endpoint,
  method: string,
  path: string,
  headers: Record<string, string>,
  payload: string | undefined,
  o: RequestOptions,
): Promise<Answer> {
  const url = new URL(path.replace(/^\//, ''), e.base.href.endsWith('/') ? e.base : `${e.base.href}/`);
  return new Promise<Answer>((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        agent: e.agent,
        headers: { ...headers, ...(e.hostHeader ? { host: e.hostHeader } : {}) },
        timeout: o.timeoutMs ?? 30_000,
        signal: o.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error(`answer larger than ${MAX_BODY} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text for the message
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function attempt(
  e: Endpoint,
  creds: Credentials,
  method: string,
  path: string,
  body: unknown,
  o: RequestOptions,
): Promise<Answer> {
  const endpoint = `${method} ${path}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (!o.anonymous) headers.authorization = await creds.header(o.signal);
  let payload: string | undefined;
  if (o.form) {
    payload = new URLSearchParams(o.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  try {
    return await once(e, method, path, headers, payload, o);
  } catch (err) {
    if (err instanceof LitmusTlsError || o.signal.aborted) throw err;
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new LitmusApiError(0, endpoint, e.where, why, fixFor(0, creds));
  }
}

/**
 * Sends one request, retrying per `o.retry`; resolves with any 2xx-4xx answer except 401 (after one refresh) and
 * 429. Throws LitmusApiError for 401, for 429/5xx and dropped connections once the retries are spent, and
 * LitmusTlsError (never retried) when the certificate is refused.
 */
export async function request(
  e: Endpoint,
  creds: Credentials,
  method: string,
  path: string,
  body: unknown,
  o: RequestOptions,
): Promise<Answer> {
  const policy = o.retry ?? DEFAULT_RETRY;
  const endpoint = `${method} ${path}`;
  let refreshed = false;
  for (let n = 0; ; n++) {
    let error: LitmusApiError;
    try {
      const a = await attempt(e, creds, method, path, body, o);
      if (a.status === 401 && !o.anonymous && !refreshed && (await creds.refresh(o.signal))) {
        refreshed = true; // an expired OAuth token: fetched again once
        n--;
        continue;
      }
      if (a.status === 401)
        throw new LitmusApiError(401, endpoint, e.where, errorDetail(a.body), fixFor(401, creds));
      if (a.status !== 429 && a.status < 500) return a;
      const retryAfter = parseRetryAfter(a.headers['retry-after']);
      error = new LitmusApiError(
        a.status,
        endpoint,
        e.where,
        `${errorDetail(a.body)} (after ${n + 1} attempt(s))`,
        fixFor(a.status, creds),
        retryAfter,
      );
    } catch (err) {
      if (!(err instanceof LitmusApiError) || !err.retryable) throw err;
      error = err;
    }
    if (n >= policy.retries || o.signal.aborted) throw error;
    await sleep(retryDelay(policy, n, error.retryAfterMs, Math.random()), o.signal);
  }
}
