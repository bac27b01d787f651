// Optimistic concurrency: a write that names a stale metadata.resourceVersion is refused with HTTP 409. Whoever
// gets one reads again and decides again; these are the shared test and pause between attempts.
import { KubeApiError } from './kube-client.js';

/** How many times a read-decide-write cycle is tried before a conflict is reported. */
export const MAX_CONFLICT_ATTEMPTS = 5;

export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.code === 409;

/** 20-80 ms, then 40-160 ms, ...: short, and jittered so two runs do not collide again in lockstep. */
export const conflictBackoff = (attempt: number): Promise<void> =>
  new Promise((r) => setTimeout(r, (20 + Math.random() * 60) * 2 ** (attempt - 1)));
