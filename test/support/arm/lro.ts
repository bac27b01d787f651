// ARM asynchronous operations. A long-running request answers 201/202 with `Azure-AsyncOperation` (a status monitor:
// `{id, name, status, startTime, endTime, error?}`) and, for DELETE/POST, `Location` (202 while running, then the
// final result). The operation advances when it is polled: the first `pollsBeforeDone` polls report InProgress, the
// next one completes it — running its `complete` step (state change, sync hooks) before answering, so a client
// that sees Succeeded can rely on the side effects having happened.
import { randomUUID } from 'node:crypto';
import { ArmError } from './errors.js';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

export interface OperationError {
  code: string;
  message: string;
}

export interface AsyncOperation {
  /** Operation name (a GUID, or e.g. `registries-<guid>` for ACR). */
  name: string;
  subscriptionId: string;
  namespace: string;
  location: string;
  apiVersion: string;
  resourceId: string;
  status: OperationStatus;
  startTime: string;
  endTime?: string;
  error?: OperationError;
  /** HTTP status of the Location result when the operation failed (default 400). */
  failureHttpStatus: number;
  /** Body of the Location result when it succeeded (none → 204). */
  result?: unknown;
  /** How many status/result polls it has seen. */
  polls: number;
}

export interface StartOperation {
  subscriptionId: string;
  namespace: string;
  location: string;
  apiVersion: string;
  resourceId: string;
  namePrefix?: string;
  /** Polls answered InProgress before completion; default: the tracker's setting. */
  pollsBeforeDone?: number;
  /** Fail instead of succeeding (an injected `lro-failed` fault or a business rule such as NoForce). */
  failWith?: OperationError & { httpStatus?: number };
  /** Runs on every poll answered InProgress (e.g. Accepted → Provisioning). */
  progress?(): void;
  /** Runs when the operation succeeds; may return the Location result; a throw fails the operation. */
  complete(): Promise<unknown> | unknown;
  /** Runs when the operation fails (e.g. mark the resource Failed). */
  failed?(error: OperationError): Promise<void> | void;
  /** The operation name; default `<namePrefix><uuid>`. */
  name?: string;
  /**
   * Work started with the operation (e.g. a real image copy), unless the operation is held or set to fail: polls
   * answer InProgress until it settles, so the operation takes as long as the work does; a throw fails it (an
   * ArmError keeps its code, message and status), else `complete` runs.
   */
  work?: () => Promise<unknown>;
}

interface Entry {
  op: AsyncOperation;
  start: StartOperation;
  left: number;
  finishing?: Promise<void>;
  working?: Promise<unknown>;
  /** false while `working` runs. */
  settled: boolean;
  /** Stays InProgress for ever (a held operation, like an ACR import from Google stuck in Running). */
  held: boolean;
}

interface HoldRule {
  match: (s: StartOperation) => boolean;
  left: number;
}

export interface LroSettings {
  /** Polls answered InProgress before an operation completes; default 1. */
  pollsBeforeDone: number;
  /** `Retry-After` (seconds) on 201/202 and InProgress answers; default 0 so SDK pollers do not wait. */
  retryAfterSeconds: number;
}

export class LroTracker {
  private readonly ops = new Map<string, Entry>();
  private readonly holds: HoldRule[] = [];

  constructor(readonly settings: LroSettings) {}

  start(s: StartOperation): AsyncOperation {
    const name = s.name ?? `${s.namePrefix ?? ''}${randomUUID()}`;
    const op: AsyncOperation = {
      name,
      subscriptionId: s.subscriptionId,
      namespace: s.namespace,
      location: s.location,
      apiVersion: s.apiVersion,
      resourceId: s.resourceId,
      status: 'InProgress',
      startTime: new Date().toISOString(),
      failureHttpStatus: s.failWith?.httpStatus ?? 400,
      polls: 0,
    };
    const hold = this.holds.find((h) => h.left > 0 && h.match(s));
    if (hold) hold.left -= 1;
    const entry: Entry = {
      op,
      start: s,
      left: s.pollsBeforeDone ?? this.settings.pollsBeforeDone,
      settled: true,
      held: hold !== undefined,
    };
    if (s.work && !hold && !s.failWith) {
      entry.settled = false;
      entry.working = s.work();
      entry.working.then(
        () => (entry.settled = true),
        () => (entry.settled = true),
      );
    }
    this.ops.set(name.toLowerCase(), entry);
    return op;
  }

  /**
   * The next `times` operations that `match` accepts stay InProgress for ever: a client-side deadline is the only way
   * out (Azure/acr#549: imports from Google Artifact Registry hang in Running when the key is base64-encoded).
   */
  holdRunning(match: (s: StartOperation) => boolean, times = 1): void {
    this.holds.push({ match, left: times });
  }

  get(name: string): AsyncOperation | undefined {
    return this.ops.get(name.toLowerCase())?.op;
  }

  all(): AsyncOperation[] {
    return [...this.ops.values()].map((e) => e.op);
  }

  /** Counts a poll and advances the operation; resolves once any completion step has run. */
  async poll(name: string): Promise<AsyncOperation | undefined> {
    const entry = this.ops.get(name.toLowerCase());
    if (!entry) return undefined;
    entry.op.polls += 1;
    if (entry.op.status === 'InProgress') {
      if (entry.left > 0 || !entry.settled || entry.held) {
        if (entry.left > 0) entry.left -= 1;
        entry.start.progress?.();
      } else await (entry.finishing ??= this.finish(entry));
    }
    return entry.op;
  }

  private async finish(entry: Entry): Promise<void> {
    const { op, start } = entry;
    if (start.failWith) {
      await this.fail(entry, { code: start.failWith.code, message: start.failWith.message });
      return;
    }
    try {
      await entry.working;
      op.result = await start.complete();
      op.status = 'Succeeded';
      op.endTime = new Date().toISOString();
    } catch (err) {
      const error =
        err instanceof ArmError
          ? { code: err.code, message: err.message }
          : { code: 'InternalServerError', message: err instanceof Error ? err.message : String(err) };
      if (err instanceof ArmError) op.failureHttpStatus = err.status;
      await this.fail(entry, error);
    }
  }

  private async fail(entry: Entry, error: OperationError): Promise<void> {
    entry.op.status = 'Failed';
    entry.op.error = error;
    entry.op.endTime = new Date().toISOString();
    await entry.start.failed?.(error);
  }

  /** `/subscriptions/{s}/providers/{ns}/locations/{loc}/operationStatuses/{name}` (and operationResults). */
  paths(op: AsyncOperation): { status: string; result: string } {
    const base = `/subscriptions/${op.subscriptionId}/providers/${op.namespace}/locations/${op.location}`;
    return { status: `${base}/operationStatuses/${op.name}`, result: `${base}/operationResults/${op.name}` };
  }

  /** Headers for the 201/202 that starts `op`. */
  headers(origin: string, op: AsyncOperation, withLocation: boolean): Record<string, string> {
    const p = this.paths(op);
    const q = `?api-version=${op.apiVersion}`;
    return {
      'azure-asyncoperation': `${origin}${p.status}${q}`,
      ...(withLocation ? { location: `${origin}${p.result}${q}` } : {}),
      'retry-after': String(this.settings.retryAfterSeconds),
    };
  }

  /** The status monitor body. */
  statusBody(op: AsyncOperation): Record<string, unknown> {
    return {
      id: this.paths(op).status,
      name: op.name,
      resourceId: op.resourceId,
      status: op.status,
      startTime: op.startTime,
      ...(op.endTime ? { endTime: op.endTime } : {}),
      ...(op.status === 'InProgress' ? {} : { percentComplete: 100 }),
      ...(op.error ? { error: op.error } : {}),
    };
  }
}

export const OPERATION_PATH_RE =
  /^\/subscriptions\/([^/]+)\/providers\/([^/]+)\/locations\/([^/]+)\/(operationStatuses|operationResults)\/([^/]+)$/i;
