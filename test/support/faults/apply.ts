// Turns a fired fault into HTTP behaviour on a node:http(s) request. A stand-in calls applyFault first thing for
// every request; when it reports `handled`, the stand-in does nothing more with that request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault, FaultAttributes, FaultKind, FaultPlan } from './plan.js';

/** How a stand-in renders the responses a fault produces, so they look like that service's own errors. */
export interface FaultResponder {
  /**
   * The error body for a fault status (`conflict` is always 409); `fault` carries the rule's `message` and
   * `retryAfterSeconds`. Default: `{error: {code, message}}`.
   */
  errorBody?(
    status: number,
    kind: 'status' | 'burst' | 'conflict',
    req: IncomingMessage,
    fault: Extract<Fault, { kind: 'status' | 'burst' | 'conflict' }>,
  ): unknown;
  /** Headers every fault response carries (request ids and the like); they may override the JSON content-type. */
  headers?(req: IncomingMessage): Record<string, string>;
}

export interface FaultOutcome {
  /** true: the fault answered (or dropped) the request; the stand-in must not touch it again. */
  handled: boolean;
  /** The fault that fired, if any (a `delay` fires and then lets the request through). */
  fault?: Fault;
}

/** The kinds applyFault acts on; `lro-failed` is left to the stand-in that runs long-running operations. */
export const HTTP_FAULT_KINDS: readonly FaultKind[] = ['status', 'burst', 'conflict', 'drop', 'delay'];

const REASONS: Record<number, string> = {
  408: 'RequestTimeout',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

export function defaultFaultBody(status: number, message?: string): unknown {
  const code = REASONS[status] ?? `Status${status}`;
  return { error: { code, message: message ?? `Injected fault: ${code} (${status}).` } };
}

/**
 * Consults the plan for this request and, when a fault fires, acts it out. `attributes` are the request attributes
 * beyond method and path that rules may match (the Kubernetes stand-in passes verb, resource, namespace and name).
 */
export async function applyFault(
  plan: FaultPlan | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  responder: FaultResponder = {},
  attributes?: FaultAttributes,
): Promise<FaultOutcome> {
  if (!plan) return { handled: false };
  const fault = plan.take({ method: req.method, url: req.url, attributes }, HTTP_FAULT_KINDS);
  if (!fault) return { handled: false };
  switch (fault.kind) {
    case 'drop':
      req.socket.destroy();
      return { handled: true, fault };
    case 'delay': {
      const stillThere = await holdFor(fault.ms, res);
      return { handled: !stillThere, fault };
    }
    case 'conflict':
      respond(
        req,
        res,
        responder,
        409,
        fault.body ??
          responder.errorBody?.(409, 'conflict', req, fault) ??
          defaultFaultBody(409, fault.message),
        {},
      );
      return { handled: true, fault };
    case 'status':
    case 'burst': {
      const headers: Record<string, string> = { ...(fault.kind === 'status' ? fault.headers : {}) };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) {
        headers['retry-after-ms'] = String(fault.retryAfterMs);
        headers['x-ms-retry-after-ms'] = String(fault.retryAfterMs);
      }
      const body =
        fault.body ??
        responder.errorBody?.(fault.status, fault.kind, req, fault) ??
        defaultFaultBody(fault.status, fault.message);
      respond(req, res, responder, fault.status, body, headers);
      return { handled: true, fault };
    }
    default:
      return { handled: false, fault };
  }
}

function respond(
  req: IncomingMessage,
  res: ServerResponse,
  responder: FaultResponder,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  req.resume(); // drain any request body so the connection stays usable
  const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    ...responder.headers?.(req),
    ...headers,
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Waits `ms`, or less if the client goes away first. Resolves true when the client is still waiting. */
function holdFor(ms: number, res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed || res.socket?.destroyed) {
      resolve(false);
      return;
    }
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!(res.destroyed || res.socket?.destroyed));
    }, ms);
    res.once('close', onClose);
  });
}
