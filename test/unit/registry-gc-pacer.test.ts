import { describe, expect, test } from 'vitest';
import { GcPacer, gcPacingAvailable } from '../../src/registry/gc-pacer.js';

describe('GcPacer', () => {
  test('collects once per pace of streamed bytes, across uneven chunks', () => {
    let collected = 0;
    const p = new GcPacer(() => collected++, 100);
    for (const n of [30, 30, 30]) p.streamed(n);
    expect(collected).toBe(0);
    p.streamed(10);
    expect(collected).toBe(1);
    p.streamed(250);
    expect(collected).toBe(2);
  });

  test('without a collector it only counts', () => {
    const p = new GcPacer(null, 1);
    expect(() => p.streamed(1_000)).not.toThrow();
  });

  test('reaches V8 young-generation collection on this runtime', () => {
    expect(gcPacingAvailable()).toBe(true);
    // The flag is set in V8, not leaked as a global into this context.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
