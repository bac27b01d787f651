// A broker takes time to apply a new policy: AIO reconciles a BrokerAuthentication, a listener port and the
// trusted-CA ConfigMap in seconds (through ARM's cloud-to-edge sync, sometimes tens of seconds). Until then the
// client is refused in ways that look like misconfiguration. So the probe is retried while its failure means
// "not applied yet", with backoff, until the deadline; a refusal that persists is reported by its cause, with
// how long it persisted.
import { setTimeout as delay } from 'node:timers/promises';
import { cancelledFailure } from '../../mqtt/probe.js';
import { ProbeFailure, type FailureKind } from '../../mqtt/diagnose.js';
import type { Logger } from '../../pipeline/logger.js';

/**
 * Failures a policy that is still being applied produces: the port not open yet (refused), the client CA not
 * trusted yet (TLS alert unknown CA), the authorization not in force yet (CONNACK/SUBACK/PUBACK 0x87).
 * Not retried: a server certificate or name we do not trust, an expired or incomplete client chain — those are
 * facts of the certificates, and waiting cannot change them.
 */
export const NOT_APPLIED_YET: ReadonlySet<FailureKind> = new Set([
  'tcp-unreachable',
  'client-cert-rejected',
  'not-authorized',
]);

export interface PolicyWait {
  /** Attempts made, 1 when the first one passed. */
  attempts: number;
  /** Time from the first attempt until the one that passed. */
  waitedMs: number;
  /** The refusal seen until the policy took effect. */
  until?: ProbeFailure;
}

export interface WaitOptions {
  deadline: number;
  signal: AbortSignal;
  log: Logger;
  /** First pause between attempts; doubled each time up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** The refusal that persisted until the deadline, with how long and how often it was seen. */
export function persisted(f: ProbeFailure, attempts: number, waitedMs: number): ProbeFailure {
  if (attempts <= 1) return f;
  return new ProbeFailure(
    f.kind,
    `${f.problem} (still so after ${(waitedMs / 1000).toFixed(1)} s and ${attempts} attempts, so not a policy that was still being applied)`,
    f.fix,
    f.report,
  );
}

export async function waitForPolicy<T>(
  attempt: () => Promise<T>,
  o: WaitOptions,
): Promise<{ value: T } & PolicyWait> {
  const started = performance.now();
  let wait = o.initialDelayMs ?? 200;
  let until: ProbeFailure | undefined;
  for (let n = 1; ; n++) {
    try {
      const value = await attempt();
      return { value, attempts: n, waitedMs: performance.now() - started, ...(until ? { until } : {}) };
    } catch (e) {
      if (o.signal.aborted) throw cancelledFailure(started);
      const waited = performance.now() - started;
      const retryable = e instanceof ProbeFailure && NOT_APPLIED_YET.has(e.kind);
      // A timeout after refusals that meant "not applied yet" is that refusal persisting: report it.
      if (!retryable)
        throw until && e instanceof ProbeFailure && e.kind === 'timeout' ? persisted(until, n, waited) : e;
      until = e;
      const left = o.deadline - performance.now();
      if (left <= wait) throw persisted(e, n, waited);
      o.log.info(
        `waiting for the broker to apply the policy (attempt ${n}, ${(waited / 1000).toFixed(1)} s): ${e.problem}`,
      );
      await delay(wait, undefined, { signal: o.signal }).catch(() => undefined);
      wait = Math.min(wait * 2, o.maxDelayMs ?? 5000);
    }
  }
}
