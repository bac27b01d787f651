// Pure classifier of a registry's HTTP answer: what the caller does next. No I/O; `now` is injected so that an
// HTTP-date Retry-After can be tested.
import { parseChallenges } from './auth.js';
import type { Challenge } from './auth.js';

export type RegistryAnswer =
  | { kind: 'ok' }
  | { kind: 'not-found' }
  | { kind: 'unauthorized'; challenge: Challenge | undefined }
  | { kind: 'denied' }
  /** 408, 429, or 5xx with a Retry-After: wait (afterMs when the registry said how long) and retry. */
  | { kind: 'retry-after'; afterMs: number | undefined }
  /** 5xx without Retry-After: retry with backoff. */
  | { kind: 'server-error'; status: number }
  /** Any other 4xx: the request is wrong, retrying will not help. */
  | { kind: 'rejected'; status: number };

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(h: HeaderBag, name: string): string | undefined {
  if (h instanceof Headers) return h.get(name) ?? undefined;
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export function interpretAnswer(
  status: number,
  headers: HeaderBag,
  now: number = Date.now(),
): RegistryAnswer {
  if (status >= 200 && status < 400) return { kind: 'ok' };
  if (status === 404) return { kind: 'not-found' };
  if (status === 401) {
    const all = parseChallenges(header(headers, 'www-authenticate') ?? '');
    return { kind: 'unauthorized', challenge: all.find((c) => c.scheme === 'bearer') ?? all[0] };
  }
  if (status === 403) return { kind: 'denied' };
  const after = retryAfterMs(header(headers, 'retry-after'), now);
  if (status === 408 || status === 429) return { kind: 'retry-after', afterMs: after };
  if (status >= 500) {
    if (after !== undefined) return { kind: 'retry-after', afterMs: after };
    if (status === 501 || status === 505) return { kind: 'rejected', status };
    return { kind: 'server-error', status };
  }
  return { kind: 'rejected', status };
}
