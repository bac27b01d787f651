// Three-way ownership of a resource this tool writes: what is live, what the inputs want now, and what this tool
// last applied (recorded per resource, see ownership-store.ts). That record is what tells "our own earlier desired
// state" (update freely) from "someone changed it since" (drift: stop unless forced) and "never ours" (conflict).
// Pure: no I/O. Values are compared in a canonical form the caller supplies (the service adds fields of its own).
import { createHash } from 'node:crypto';
import { jsonDiff } from '../util/json-diff.js';

export interface Owner {
  stage: string;
  /** Where the resource lives, e.g. "Kubernetes CRs in namespace x" or "ARM instance y". */
  where: string;
}

/** What this tool last applied to one resource. */
export interface AppliedEntry {
  owner: Owner;
  /** The canonical desired state last sent. */
  desired?: unknown;
  /** The canonical state the service stored after that write (read back: includes the fields it adds). */
  applied?: unknown;
  /** SHA-256 of `applied`, for people reading the record. */
  hash?: string;
  /** ISO time of the last completed write. */
  at?: string;
  /** Set before a write and cleared after it: a run that died in between left this desired state behind. */
  pending?: unknown;
}

export type Ownership =
  /** Nothing live: create it. */
  | { kind: 'absent' }
  /** Live is what we applied for today's inputs (or, without a record, equals them): nothing to write. */
  | { kind: 'in-sync'; recorded: boolean }
  /** Live is what we last applied (or a write of ours interrupted before its record): ours to update. */
  | { kind: 'ours'; interrupted: boolean }
  /** Live differs from what we last applied: someone else changed it. */
  | { kind: 'drift'; diff: string[]; since?: string }
  /** A resource with our name we never applied, different from what the inputs want. */
  | { kind: 'foreign'; diff: string[] };

export const canonicalJson = (v: unknown): string => JSON.stringify(v ?? null);

export const hashOf = (v: unknown): string => createHash('sha256').update(canonicalJson(v)).digest('hex');

/** Every field of `want` is in `have` with the same value (the service may add fields of its own). */
export function covers(have: unknown, want: unknown): boolean {
  if (Array.isArray(want)) {
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => covers(have[i], w));
  }
  if (want && typeof want === 'object') {
    if (!have || typeof have !== 'object' || Array.isArray(have)) return false;
    const h = have as Record<string, unknown>;
    return Object.entries(want as Record<string, unknown>).every(([k, w]) => covers(h[k], w));
  }
  return have === want;
}

/**
 * Decides whose a resource is. `live` and `desired` are canonical; `entry` is our record (undefined: none, or one
 * made for another store).
 */
export function classify(live: unknown, desired: unknown, entry: AppliedEntry | undefined): Ownership {
  if (live === undefined) return { kind: 'absent' };
  const same = canonicalJson(live) === canonicalJson(desired);
  if (entry?.applied !== undefined && canonicalJson(live) === canonicalJson(entry.applied)) {
    return canonicalJson(entry.desired) === canonicalJson(desired) || same
      ? { kind: 'in-sync', recorded: true }
      : { kind: 'ours', interrupted: false };
  }
  if (entry?.pending !== undefined && covers(live, entry.pending)) return { kind: 'ours', interrupted: true };
  if (entry?.applied !== undefined) {
    return { kind: 'drift', diff: jsonDiff(entry.applied, live), ...(entry.at ? { since: entry.at } : {}) };
  }
  if (same) return { kind: 'in-sync', recorded: false };
  return { kind: 'foreign', diff: jsonDiff(live, desired) };
}

/** The record to keep once `desired` was written and the service stored `stored`. */
export function appliedEntry(owner: Owner, desired: unknown, stored: unknown, now: Date): AppliedEntry {
  return { owner, desired, applied: stored, hash: hashOf(stored), at: now.toISOString() };
}
