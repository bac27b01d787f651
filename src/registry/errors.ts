// One error type for every registry failure: what went wrong (naming the registry and repository, never a
// credential), what to do about it, and the registry's own error code and message when it sent one.

export type RegistryFailure =
  | 'unauthorized'
  | 'denied'
  | 'not-found'
  | 'digest-mismatch'
  | 'unsupported'
  | 'unreachable'
  | 'tls'
  | 'rejected'
  | 'server-error'
  | 'aborted';

export interface RegistryErrorInit {
  kind: RegistryFailure;
  problem: string;
  fix: string;
  status?: number;
  /** The registry's `errors[0].code`, e.g. MANIFEST_UNKNOWN, UNAUTHORIZED, DENIED. */
  code?: string;
  /** The registry's `errors[0].message`. */
  registryMessage?: string;
  /** Worth retrying (408/429/5xx, dropped connection). */
  retryable?: boolean;
  /** Retry-After, in milliseconds, when the registry sent one. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly kind: RegistryFailure;
  readonly problem: string;
  readonly fix: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly registryMessage: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(i: RegistryErrorInit) {
    super(i.fix ? `${i.problem}. Fix: ${i.fix}` : i.problem, i.cause !== undefined ? { cause: i.cause } : {});
    this.kind = i.kind;
    this.problem = i.problem;
    this.fix = i.fix;
    this.status = i.status;
    this.code = i.code;
    this.registryMessage = i.registryMessage;
    this.retryable = i.retryable ?? false;
    this.retryAfterMs = i.retryAfterMs;
  }
}

/** The first entry of a distribution error body `{"errors":[{"code","message","detail"}]}`, if there is one. */
export function registryErrorBody(body: string): { code: string; message: string } | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined;
    if (!first || typeof first.code !== 'string') return undefined;
    return { code: first.code, message: typeof first.message === 'string' ? first.message : '' };
  } catch {
    return undefined;
  }
}
