// Writing ARM answers and reading requests: error results, JSON bodies, header access, URL normalisation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ArmError } from './errors.js';
import type { HandlerResult } from './types.js';

export function errorResult(err: unknown): HandlerResult {
  if (err instanceof ArmError) return { status: err.status, body: err.toBody(), headers: err.headers };
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return {
    status: 500,
    body: { error: { code: 'InternalServerError', message: `ARM stand-in failure: ${message}` } },
  };
}

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export function collapseSlashes(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  return path.replace(/\/{2,}/g, '/') + (q === -1 ? '' : rawUrl.slice(q));
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function lowerHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
