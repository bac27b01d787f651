// The Kubernetes API stand-in's fault responder: the shared fault plan (../faults) decides which requests fail and
// how; this renders the failures as kube-apiserver words them, as metav1.Status objects.
import type { FaultResponder } from '../faults/index.js';
import type { ResourceRequest } from './server.js';
import { ApiError, internalError, staleResourceVersion } from './status.js';

/** What an injected status fault carries that the Status wording uses. */
export interface KubeFault {
  retryAfterSeconds?: number;
  message?: string;
}

/**
 * The Status error for an injected `status` (429, 409, 503, 504, 500, ...); a 409 on a named object reads as a stale
 * resourceVersion unless the rule gives a message. `retryAfterSeconds` lands in `details` for 429 and 503.
 */
export function kubeFaultError(status: number, fault: KubeFault, rr: ResourceRequest | undefined): ApiError {
  const retry =
    fault.retryAfterSeconds !== undefined ? { retryAfterSeconds: fault.retryAfterSeconds } : undefined;
  switch (status) {
    case 429:
      return new ApiError(
        429,
        'TooManyRequests',
        fault.message ?? 'Too many requests, please try again later.',
        retry ?? {},
      );
    case 409:
      if (rr?.name && !fault.message) return staleResourceVersion(rr.resource, rr.name);
      return new ApiError(
        409,
        'Conflict',
        fault.message ?? 'Operation cannot be fulfilled: injected conflict',
      );
    case 503:
      return new ApiError(
        503,
        'ServiceUnavailable',
        fault.message ?? 'The server is currently unable to handle the request',
        retry,
      );
    case 504:
      return new ApiError(
        504,
        'Timeout',
        fault.message ??
          'Timeout: request did not complete within requested timeout - context deadline exceeded',
      );
    case 500:
      return internalError(fault.message ?? 'injected fault');
    default:
      return new ApiError(status, 'InternalError', fault.message ?? `injected fault (${status})`);
  }
}

/** The Status object (JSON body) for an injected status fault. */
export function kubeFaultBody(
  status: number,
  fault: KubeFault,
  rr: ResourceRequest | undefined,
): Record<string, unknown> {
  return kubeFaultError(status, fault, rr).toStatus();
}

/** How the stand-in answers a fired fault for the request `rr` (undefined for non-resource paths). */
export function kubeFaultResponder(rr: ResourceRequest | undefined): FaultResponder {
  return {
    errorBody: (status, _kind, _req, fault) => kubeFaultBody(status, fault, rr),
    headers: () => ({ 'content-type': 'application/json', 'cache-control': 'no-cache, private' }),
  };
}
