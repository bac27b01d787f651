// Waiting in tests: poll a condition with backoff until it holds or a deadline passes (never a fixed sleep), and
// say what was awaited and the last error when it did not hold. Also the assertion a tool run succeeded.
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'vitest';
import type { ToolResult } from './kube-apiserver/tools.js';

/** The probe's value once it is neither undefined nor false; a probe that throws counts as "not yet". */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let wait = 10;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    const left = deadline - performance.now();
    if (left <= 0) {
      const why = last === undefined ? '' : `: ${last instanceof Error ? last.message : String(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await delay(Math.min(wait, left));
    wait = Math.min(wait * 2, 250);
  }
}

/** A kubectl/helm run that must succeed: its stdout, or a failed expectation showing its stderr. */
export function ok(r: ToolResult): string {
  expect(r.code, `exit ${r.code}: ${r.stderr}`).toBe(0);
  return r.stdout;
}
