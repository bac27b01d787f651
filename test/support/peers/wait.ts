// Polling with exponential backoff and a deadline: the only way the sandbox waits for something. No fixed sleeps.

export interface WaitOptions {
  /** What is awaited, for the timeout message. */
  description: string;
  /** Give up after this long; default 15 s. */
  timeoutMs?: number;
  /** First delay between polls; default 10 ms, doubling up to `maxDelayMs`. */
  initialDelayMs?: number;
  /** Longest delay between polls; default 250 ms. */
  maxDelayMs?: number;
  /** Checked before every poll: an Error returned here ends the wait at once with that error (e.g. a peer exited). */
  abort?: () => Error | undefined;
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Calls `probe` until it returns a value other than `undefined`/`false`, and returns that value. A probe that throws
 * counts as "not yet"; its last error is quoted in the timeout error.
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions,
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const maxDelay = opts.maxDelayMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let wait = opts.initialDelayMs ?? 10;
  let lastError: unknown;
  for (;;) {
    const aborted = opts.abort?.();
    if (aborted) throw aborted;
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const aborted = opts.abort?.();
      if (aborted) throw aborted;
      const why = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.description}${why}`, {
        cause: lastError,
      });
    }
    await delay(Math.min(wait, left));
    wait = Math.min(wait * 2, maxDelay);
  }
}
