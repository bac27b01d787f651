// Retries and bounded concurrency for registry work: exponential backoff with jitter, Retry-After honoured (capped),
// a bounded number of attempts; a pool that runs n tasks at a time and cancels the rest on the first failure.
import { RegistryError } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  baseMs: number;
  /** Longest wait between attempts, Retry-After included. */
  maxMs: number;
}

export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** The wait before retry number `attempt` (0-based): Retry-After when given, else backoff with jitter. */
export function retryDelay(
  p: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: number,
) {
  if (retryAfterMs !== undefined) return Math.min(p.maxMs, retryAfterMs);
  return Math.min(p.maxMs, p.baseMs * 2 ** attempt) * (0.5 + random / 2);
}

/** Runs `fn`, again on retryable RegistryErrors (408/429/5xx, dropped connections), at most `retries` more times. */
export async function withRetries<T>(p: RetryPolicy, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (signal.aborted) throw e;
      if (!(e instanceof RegistryError && e.retryable) || attempt >= p.retries) throw e;
      await sleep(retryDelay(p, attempt, e.retryAfterMs, Math.random()), signal);
    }
  }
}

/** Runs `fn` over items, `n` at a time; the first failure cancels the rest and is what rejects. */
export async function pool<T>(
  items: T[],
  n: number,
  signal: AbortSignal,
  fn: (t: T, s: AbortSignal) => Promise<void>,
): Promise<void> {
  const ac = new AbortController();
  const onAbort = () => ac.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item, ac.signal);
      } catch (e) {
        if (failure === undefined) {
          failure = e;
          ac.abort(e);
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw failure;
}
