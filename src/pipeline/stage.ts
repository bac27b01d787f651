// The contract between the engine and each stage. Stages depend on these ports only, never on @actions/*.
import type { CleanupRegistry } from './cleanup.js';
import type { Logger } from './logger.js';

export type Mode = 'plan' | 'apply';

export interface StageContext {
  mode: Mode;
  log: Logger;
  cleanup: CleanupRegistry;
  signal: AbortSignal;
  /** Outputs of the stages this one needs (only those that ran in this pipeline). */
  upstream: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** A plan made as the preflight of an apply: whatever the apply would refuse (drift, conflicts) must fail now,
   * before any stage writes. */
  preflight?: boolean;
}

export interface StageOutcome {
  /** In plan mode: whether apply would change something. */
  changed: boolean;
  /** Human-readable, one line each: what changed (or would change). Never secrets. */
  changes: string[];
  /** Findings that are not changes (e.g. smoke latencies); shown beside the changes. */
  details?: string[];
  outputs?: Record<string, string>;
  /** Changes made outside this tool to what it owns (one line each), reported apart from `changes`. */
  drift?: string[];
  /** A stage that verifies rather than changes (smoke, connector checks, check-certs) sets this when its check
   * ran and held: the result's status is then `passed` rather than `unchanged`. */
  passed?: boolean;
}

export interface Stage {
  name: string;
  needs: readonly string[];
  plan(ctx: StageContext): Promise<StageOutcome>;
  apply(ctx: StageContext): Promise<StageOutcome>;
}

/** `passed`: a check ran and held (nothing to change). `unchanged`: a change stage found nothing to do. */
export type StageStatus = 'changed' | 'unchanged' | 'passed' | 'failed' | 'skipped';

export interface StageResult {
  stage: string;
  status: StageStatus;
  changes: string[];
  durationMs: number;
  details?: string[];
  outputs?: Record<string, string>;
  drift?: string[];
  /** For failed stages. */
  error?: { message: string };
  /** For skipped stages: why. */
  reason?: string;
}
