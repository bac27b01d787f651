// Fault injection: make chosen requests fail the way a busy or broken apiserver fails them.
import { ApiError, internalError, staleResourceVersion } from './status.js';
import type { ResourceRequest } from './server.js';

export interface Fault {
  /** Request filters; every given one must match. `path` is the URL path without the query. */
  method?: string;
  path?: string | RegExp;
  verb?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  /** How many matching requests it affects (default 1); Infinity for all. */
  times?: number;
  /** Answer with this status code, worded as the apiserver words it (429, 409, 500, 503, 504, ...). */
  status?: number;
  /** Sent as the Retry-After header and details.retryAfterSeconds (429/503). */
  retryAfterSeconds?: number;
  message?: string;
  /** Close the connection without answering. */
  drop?: boolean;
  /** Hold the request this long before handling (or failing) it: a slow or timing-out server. */
  delayMs?: number;
}

export interface FaultTarget {
  method: string;
  path: string;
  verb?: string;
  rr?: ResourceRequest;
}

/** Finds (and uses up one shot of) the first fault matching the request. */
export function takeFault(faults: Fault[], t: FaultTarget): Fault | undefined {
  const i = faults.findIndex(
    (f) =>
      (f.method === undefined || f.method.toUpperCase() === t.method) &&
      (f.path === undefined || (typeof f.path === 'string' ? f.path === t.path : f.path.test(t.path))) &&
      (f.verb === undefined || f.verb === t.verb) &&
      (f.resource === undefined || f.resource === t.rr?.resource.resource) &&
      (f.namespace === undefined || f.namespace === t.rr?.namespace) &&
      (f.name === undefined || f.name === t.rr?.name),
  );
  if (i < 0) return undefined;
  const fault = faults[i]!;
  const left = (fault.times ?? 1) - 1;
  if (left <= 0) faults.splice(i, 1);
  else fault.times = left;
  return fault;
}

export function faultError(f: Fault, rr: ResourceRequest | undefined): ApiError {
  const retry = f.retryAfterSeconds !== undefined ? { retryAfterSeconds: f.retryAfterSeconds } : undefined;
  switch (f.status) {
    case 429:
      return new ApiError(
        429,
        'TooManyRequests',
        f.message ?? 'Too many requests, please try again later.',
        retry ?? {},
      );
    case 409:
      if (rr?.name && !f.message) return staleResourceVersion(rr.resource, rr.name);
      return new ApiError(409, 'Conflict', f.message ?? 'Operation cannot be fulfilled: injected conflict');
    case 503:
      return new ApiError(
        503,
        'ServiceUnavailable',
        f.message ?? 'The server is currently unable to handle the request',
        retry,
      );
    case 504:
      return new ApiError(
        504,
        'Timeout',
        f.message ?? 'Timeout: request did not complete within requested timeout - context deadline exceeded',
      );
    case 500:
    case undefined:
      return internalError(f.message ?? 'injected fault');
    default:
      return new ApiError(f.status, 'InternalError', f.message ?? `injected fault (${f.status})`);
  }
}
