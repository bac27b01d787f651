// A lock between runs: a coordination.k8s.io/v1 Lease, taken and renewed with optimistic concurrency (every write
// names the resourceVersion it read; a 409 means someone else wrote first). A holder that stops renewing (its
// process was killed) loses the lock once leaseDurationSeconds pass, by the Lease's renewTime or, whatever the
// clocks say, after the waiter itself has seen no renewal for that long (as client-go's leader election does).
import { setTimeout as delay } from 'node:timers/promises';
import { isConflict } from './conflict.js';
import { type KubeClient, type KubeObject, type ObjectRef } from './kube-client.js';

export const HOLDER_ANNOTATION = 'litmus-aio.io/holder';

export interface LeaseHolder {
  /** Unique per run: the Lease's holderIdentity. */
  identity: string;
  /** Who that is, for the waiting run's messages: "workflow 'Deploy' run 123 (attempt 1) ...". */
  description: string;
}

export interface LeaseObject extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** The Lease as a waiting run sees it. */
export interface LeaseView {
  identity: string;
  description: string;
  /** acquireTime: since when it is held. */
  since?: string;
  renewed?: string;
}

export interface LeaseLockOptions {
  namespace: string;
  name: string;
  holder: LeaseHolder;
  durationS: number;
  /** How long to wait for a lock another run holds. */
  timeoutMs: number;
  signal?: AbortSignal;
  labels?: Record<string, string>;
  /** Called when the lock is found held by someone else (once per holder). */
  onWait?: (held: LeaseView) => void;
  /** Renewal problems that did not (yet) lose the lock. */
  onWarn?: (message: string) => void;
  now?: () => Date;
}

export interface HeldLease {
  /** Aborted when another run took the lock (this run stopped renewing in time): stop changing things. */
  readonly lost: AbortSignal;
  /** Stops renewing and frees the lock (only if this run still holds it). */
  release(): Promise<void>;
}

/** The lock stayed held by another run for the whole wait. */
export class LeaseTimeoutError extends Error {
  override name = 'LeaseTimeoutError';
  constructor(
    readonly held: LeaseView,
    readonly waitedMs: number,
  ) {
    super(`the lock is held by ${held.description}${held.since ? ` since ${held.since}` : ''}`);
  }
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export function viewOf(lease: LeaseObject): LeaseView {
  const s = lease.spec ?? {};
  return {
    identity: s.holderIdentity ?? '',
    description: lease.metadata.annotations?.[HOLDER_ANNOTATION] ?? `holder ${s.holderIdentity ?? '(none)'}`,
    ...(s.acquireTime ? { since: s.acquireTime } : {}),
    ...(s.renewTime ? { renewed: s.renewTime } : {}),
  };
}

/**
 * What a run may do with the Lease it read (pure). `unchangedForMs`: how long this run has seen the same
 * resourceVersion (0 on first sight).
 */
export function leaseState(
  lease: LeaseObject | undefined,
  me: string,
  nowMs: number,
  unchangedForMs: number,
): 'absent' | 'free' | 'mine' | 'held' {
  if (!lease) return 'absent';
  const s = lease.spec ?? {};
  if (!s.holderIdentity) return 'free';
  if (s.holderIdentity === me) return 'mine';
  const durationMs = (s.leaseDurationSeconds ?? 0) * 1000;
  const renewed = Date.parse(s.renewTime ?? s.acquireTime ?? '');
  const expiredByClock = Number.isFinite(renewed) && renewed + durationMs < nowMs;
  return expiredByClock || unchangedForMs > durationMs ? 'free' : 'held';
}

function claimed(o: LeaseLockOptions, base: LeaseObject | undefined, now: Date): LeaseObject {
  const t = microTime(now);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      ...(base?.metadata ?? {}),
      name: o.name,
      namespace: o.namespace,
      labels: { ...(base?.metadata.labels ?? {}), ...(o.labels ?? {}) },
      annotations: { ...(base?.metadata.annotations ?? {}), [HOLDER_ANNOTATION]: o.holder.description },
    },
    spec: {
      holderIdentity: o.holder.identity,
      leaseDurationSeconds: o.durationS,
      acquireTime: t,
      renewTime: t,
      leaseTransitions: (base?.spec?.leaseTransitions ?? 0) + (base ? 1 : 0),
    },
  };
}

/** One attempt to take the lock: the Lease now ours, or the view of the Lease someone else holds. */
async function tryTake(
  kube: KubeClient,
  o: LeaseLockOptions,
  seen: { rv?: string; since: number },
): Promise<LeaseObject | LeaseView | undefined> {
  const ref = refOf(o);
  const now = o.now?.() ?? new Date();
  const lease = await kube.get<LeaseObject>(ref);
  const rv = lease?.metadata.resourceVersion;
  if (rv !== seen.rv) Object.assign(seen, { rv, since: performance.now() });
  const state = leaseState(lease, o.holder.identity, now.getTime(), performance.now() - seen.since);
  if (state === 'mine') return lease;
  if (state === 'held') return viewOf(lease!);
  try {
    return await (lease ? kube.replace(claimed(o, lease, now)) : kube.create(claimed(o, undefined, now)));
  } catch (e) {
    if (isConflict(e)) return undefined; // another run wrote first: read again
    throw e;
  }
}

/** Takes the lock, waiting (with backoff) up to timeoutMs for another holder; then keeps it renewed. */
export async function acquireLease(kube: KubeClient, o: LeaseLockOptions): Promise<HeldLease> {
  const started = performance.now();
  const seen: { rv?: string; since: number } = { since: started };
  let told = '';
  for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
    o.signal?.throwIfAborted();
    const got = await tryTake(kube, o, seen);
    if (got && 'metadata' in got) return keepRenewed(kube, o, got);
    if (got) {
      if (told !== got.identity) o.onWait?.(got);
      told = got.identity;
      const left = o.timeoutMs - (performance.now() - started);
      if (left <= 0) throw new LeaseTimeoutError(got, performance.now() - started);
      await delay(Math.min(wait, left), undefined, o.signal ? { signal: o.signal } : {});
    }
  }
}

function keepRenewed(kube: KubeClient, o: LeaseLockOptions, taken: LeaseObject): HeldLease {
  let held = taken;
  const lost = new AbortController();
  let renewing: Promise<void> = Promise.resolve();
  const renewOnce = async (): Promise<void> => {
    const now = microTime(o.now?.() ?? new Date());
    try {
      held = await kube.replace({ ...held, spec: { ...held.spec, renewTime: now } });
    } catch (e) {
      const current = isConflict(e)
        ? await kube.get<LeaseObject>(refOf(o)).catch(() => undefined)
        : undefined;
      if (current && current.spec?.holderIdentity === o.holder.identity) held = current;
      else if (isConflict(e)) {
        stop();
        const by = current ? viewOf(current).description : 'nobody (it was deleted)';
        lost.abort(new Error(`the deploy lock (Lease ${o.namespace}/${o.name}) was taken over by ${by}`));
      } else o.onWarn?.(`renewing Lease ${o.namespace}/${o.name} failed: ${(e as Error).message}`);
    }
  };
  const timer = setInterval(
    () => {
      renewing = renewing.then(renewOnce);
    },
    Math.max(1000, (o.durationS * 1000) / 3),
  );
  timer.unref();
  const stop = (): void => clearInterval(timer);
  return {
    lost: lost.signal,
    async release() {
      stop();
      await renewing;
      if (!lost.signal.aborted) await releaseLease(kube, refOf(o), o.holder.identity);
    },
  };
}

const refOf = (o: { namespace: string; name: string }): ObjectRef => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  namespace: o.namespace,
  name: o.name,
});

/** Frees the Lease if `identity` still holds it (also used by the post step). Returns whether it did. */
export async function releaseLease(kube: KubeClient, ref: ObjectRef, identity: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const lease = await kube.get<LeaseObject>(ref);
    if (!lease || lease.spec?.holderIdentity !== identity) return false;
    const spec = { ...lease.spec };
    delete spec.holderIdentity;
    const annotations = { ...(lease.metadata.annotations ?? {}) };
    delete annotations[HOLDER_ANNOTATION];
    try {
      await kube.replace({ ...lease, metadata: { ...lease.metadata, annotations }, spec });
      return true;
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }
  return false;
}
