// The HTTP layer of the OCI adapter: node:https with the registry's trust (system roots plus an optional PEM
// bundle; verification is never turned off), keep-alive, bodies streamed both ways, redirects followed for reads
// (without the Authorization header when the host changes), network errors mapped to RegistryError.
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { Readable, pipeline } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { RegistryError } from './errors.js';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** The URL that answered (after redirects). */
  url: URL;
}

export interface SendRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers: Record<string, string>;
  /** A buffer, or a stream sent as it is read (Content-Length must then be in headers). */
  body?: Buffer | Readable;
  signal?: AbortSignal;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
]);
const NOT_RETRYABLE_NET = new Set(['ENOTFOUND']);

export interface Transport {
  send(r: SendRequest): Promise<Answer>;
  /** GET following redirects (at most 5); Authorization is dropped when a redirect changes the host. */
  get(r: Omit<SendRequest, 'method' | 'body'> & { method?: 'GET' | 'HEAD' }): Promise<Answer>;
  close(): void;
}

export function createTransport(o: { ca?: string; idleTimeoutMs?: number } = {}): Transport {
  const ca = o.ca !== undefined ? [...rootCertificates, o.ca] : undefined;
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16, ...(ca ? { ca } : {}) });
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  const idle = o.idleTimeoutMs ?? 120_000;

  const send = (r: SendRequest): Promise<Answer> =>
    new Promise<Answer>((resolve, reject) => {
      const https = r.url.protocol === 'https:';
      if (!https && r.url.protocol !== 'http:') {
        reject(
          new RegistryError({
            kind: 'unsupported',
            problem: `${r.url.protocol} is not a registry protocol (${r.url.host})`,
            fix: 'use an https:// registry',
          }),
        );
        return;
      }
      let bodyError: unknown;
      let settled = false;
      const req = (https ? httpsRequest : httpRequest)(
        r.url,
        {
          method: r.method,
          headers: r.headers,
          agent: https ? httpsAgent : httpAgent,
          ...(r.signal ? { signal: r.signal } : {}),
        },
        (res) => {
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: r.url });
        },
      );
      req.setTimeout(idle, () =>
        req.destroy(Object.assign(new Error(`no data for ${idle} ms`), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (e) => {
        if (settled) return;
        settled = true;
        reject(bodyError ?? networkError(e, r));
      });
      if (r.body instanceof Readable) {
        const body = r.body;
        pipeline(body, req, (e) => {
          if (e && !settled) {
            bodyError = e instanceof RegistryError ? e : bodyError;
            req.destroy(e);
          }
        });
      } else {
        req.end(r.body);
      }
    });

  return {
    send,
    async get(r) {
      let url = r.url;
      let headers = r.headers;
      for (let hop = 0; ; hop++) {
        const a = await send({ ...r, method: r.method ?? 'GET', url, headers });
        const loc = a.headers.location;
        if (![301, 302, 303, 307, 308].includes(a.status) || !loc) return a;
        a.body.resume();
        if (hop >= 5) {
          throw new RegistryError({
            kind: 'rejected',
            status: a.status,
            problem: `more than 5 redirects from ${r.url.host}${r.url.pathname}`,
            fix: 'check the registry URL',
          });
        }
        const next = new URL(loc, url);
        if (next.host !== url.host) {
          headers = Object.fromEntries(
            Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'),
          );
        }
        url = next;
      }
    },
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

function networkError(e: Error & { code?: string }, r: SendRequest): RegistryError {
  const code = e.code ?? '';
  const at = `${r.method} ${r.url.host}${r.url.pathname}`;
  if (e.name === 'AbortError' || code === 'ABORT_ERR') {
    return new RegistryError({ kind: 'aborted', problem: `${at} was cancelled`, fix: '', cause: e });
  }
  if (TLS_CODES.has(code)) {
    return new RegistryError({
      kind: 'tls',
      problem: `TLS verification of ${r.url.host} failed (${code})`,
      fix: 'pass the CA that issued the registry certificate (a PEM bundle); verification stays on',
      cause: e,
    });
  }
  return new RegistryError({
    kind: 'unreachable',
    problem: `${at}: ${code || e.message}`,
    fix: `check that ${r.url.host} is reachable from this runner`,
    retryable: !NOT_RETRYABLE_NET.has(code),
    cause: e,
  });
}

/** The body as text, at most `limit` bytes (more is an error). */
export async function readText(a: Answer, limit = 64 * 1024): Promise<string> {
  return (await readBytes(a, limit, true)).toString('utf8');
}

/** The body as bytes, at most `limit` bytes; `truncate` keeps the first `limit` bytes instead of failing. */
export async function readBytes(a: Answer, limit: number, truncate = false): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of a.body) {
    const b = chunk as Buffer;
    n += b.length;
    if (n > limit) {
      a.body.destroy();
      if (truncate) {
        parts.push(b.subarray(0, b.length - (n - limit)));
        break;
      }
      throw new RegistryError({
        kind: 'rejected',
        problem: `${a.url.host}${a.url.pathname} answered more than ${limit} bytes`,
        fix: 'check the reference: this is too large to be a manifest',
      });
    }
    parts.push(b);
  }
  return Buffer.concat(parts);
}
