// Polls with exponential backoff until a condition holds or a deadline passes. Never a fixed sleep.
import { setTimeout as delay } from 'node:timers/promises';

export interface PollOptions {
  timeoutMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
}

/** Resolves true as soon as `check` returns true, false when the deadline passes first. */
export async function pollUntil(check: () => boolean | Promise<boolean>, o: PollOptions): Promise<boolean> {
  const deadline = performance.now() + o.timeoutMs;
  let wait = o.initialDelayMs ?? 10;
  for (;;) {
    if (await check()) return true;
    const left = deadline - performance.now();
    if (left <= 0 || o.signal?.aborted) return false;
    await delay(Math.min(wait, left), undefined, o.signal ? { signal: o.signal } : undefined).catch(
      () => undefined,
    );
    wait = Math.min(wait * 2, o.maxDelayMs ?? 500);
  }
}
