// A clock the identity stand-ins read instead of Date.now(), so a test can move time (an assertion that outlives
// its lifetime in a long job) without waiting.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface TestClock extends Clock {
  /** Moves this clock forward (or back, with a negative value). */
  advance(seconds: number): void;
  /** Back to real time. */
  reset(): void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Real time plus an offset the test controls. */
export function createTestClock(): TestClock {
  let offsetMs = 0;
  return {
    now: () => Date.now() + offsetMs,
    advance: (seconds) => {
      offsetMs += seconds * 1000;
    },
    reset: () => {
      offsetMs = 0;
    },
  };
}

export const epochSeconds = (clock: Clock) => Math.floor(clock.now() / 1000);
