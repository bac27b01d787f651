// What the workload controllers share: resource handles, a keyed timer queue (the "work queue"), status writes,
// ownership helpers, and an Event recorder that aggregates repeats the way client-go's recorder does.
import { createHash } from 'node:crypto';
import type { KubeApi } from '../api.js';
import type { PodRuntime } from '../pod-runtime.js';
import { findResource, type ResourceType } from '../resources.js';
import { clone, isPlainObject, nowRfc3339, type KubeObject, type OwnerReference } from '../types.js';

export type Obj = Record<string, unknown>;
export const o = (v: unknown): Obj => (isPlainObject(v) ? v : {});
export const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(o) : []);
export const labelsOf = (v: unknown): Record<string, string> => o(v) as Record<string, string>;

const must = (g: string, v: string, r: string): ResourceType => {
  const found = findResource(g, v, r);
  if (!found) throw new Error(`kube-apiserver stand-in: ${g}/${v}/${r} is not registered`);
  return found;
};

export const R = {
  deployments: must('apps', 'v1', 'deployments'),
  replicasets: must('apps', 'v1', 'replicasets'),
  statefulsets: must('apps', 'v1', 'statefulsets'),
  jobs: must('batch', 'v1', 'jobs'),
  pods: must('', 'v1', 'pods'),
  nodes: must('', 'v1', 'nodes'),
  events: must('', 'v1', 'events'),
  newEvents: must('events.k8s.io', 'v1', 'events'),
  pvcs: must('', 'v1', 'persistentvolumeclaims'),
  pvs: must('', 'v1', 'persistentvolumes'),
  storageClasses: must('storage.k8s.io', 'v1', 'storageclasses'),
  services: must('', 'v1', 'services'),
  endpoints: must('', 'v1', 'endpoints'),
  endpointSlices: must('discovery.k8s.io', 'v1', 'endpointslices'),
};

export const MANAGER = { manager: 'kube-controller-manager' };

export function ownerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function ownedBy(owner: KubeObject) {
  return (x: KubeObject) => !!x.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid);
}

export function controllerOf(x: KubeObject): OwnerReference | undefined {
  return x.metadata.ownerReferences?.find((r) => r.controller);
}

/** A 10-character hash of a pod template in the alphabet of pod-template-hash / controller-revision-hash. */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template)).digest();
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...digest.subarray(0, 10)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function replicasOf(obj: KubeObject, fallback = 1): number {
  const r = o(obj.spec).replicas;
  return typeof r === 'number' ? r : fallback;
}

/** Pod conditions as the controllers read them. */
export function podReady(pod: KubeObject): boolean {
  return arr(o(pod.status).conditions).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function podReadySince(pod: KubeObject): number | undefined {
  const c = arr(o(pod.status).conditions).find((x) => x.type === 'Ready' && x.status === 'True');
  return c && typeof c.lastTransitionTime === 'string' ? Date.parse(c.lastTransitionTime) : undefined;
}

/** Ready for at least minReadySeconds (second-precision timestamps, as the apiserver stores them). */
export function podAvailable(pod: KubeObject, minReadySeconds: number, now = Date.now()): boolean {
  if (!podReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

export function podTerminal(pod: KubeObject): boolean {
  const phase = o(pod.status).phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** `25%` of `total`, rounded up or down; a plain number as is. */
export function intOrPercent(v: unknown, total: number, roundUp: boolean, fallback: string): number {
  const x = v ?? fallback;
  if (typeof x === 'number') return x;
  const m = /^(\d+)%$/.exec(String(x));
  if (!m) return Number(x) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

let eventSeq = 0;

/** The shared state of the controllers. */
export class Ctx {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly eventNames = new Map<string, string>();
  stopped = false;

  constructor(
    readonly api: KubeApi,
    readonly runtime: PodRuntime,
  ) {}

  get store() {
    return this.api.store;
  }

  /**
   * Runs `fn` after `delayMs` unless a run with the same key is already due sooner. Failures (a write racing a
   * delete) are swallowed: the next event reconciles again.
   */
  schedule(key: string, fn: () => void, delayMs = 5): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      if (this.stopped) return;
      try {
        fn();
      } catch {
        // Raced with a delete or a concurrent write.
      }
    }, delayMs);
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }

  /** Replaces status (status subresource), skipping the write when nothing changed. */
  setStatus(r: ResourceType, obj: KubeObject, status: Obj, manager = MANAGER.manager): KubeObject {
    const cur = this.store.get(r, obj.metadata.namespace, obj.metadata.name!);
    if (!cur || cur.metadata.uid !== obj.metadata.uid) return obj;
    const next = clone(cur);
    next.status = status;
    return this.api.update(r, cur.metadata.namespace, cur.metadata.name!, next, {
      manager,
      subresource: 'status',
    });
  }

  /** Applies `change` to a fresh copy and writes it (main resource) when it changed anything. */
  modify(r: ResourceType, obj: KubeObject, change: (next: KubeObject) => void): KubeObject | undefined {
    const cur = this.store.get(r, obj.metadata.namespace, obj.metadata.name!);
    if (!cur || cur.metadata.uid !== obj.metadata.uid) return undefined;
    const next = clone(cur);
    change(next);
    return this.api.update(r, cur.metadata.namespace, cur.metadata.name!, next, MANAGER);
  }

  /**
   * Records a core/v1 Event about `involved` (controllers mirror it to events.k8s.io/v1). A repeat of the same
   * type/reason/message bumps count and lastTimestamp of the existing Event instead of creating another.
   */
  record(
    involved: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
    fieldPath?: string,
  ): void {
    if (this.stopped) return;
    const md = involved.metadata;
    const namespace = md.namespace ?? 'default';
    const key = `${md.uid}|${type}|${reason}|${message}|${fieldPath ?? ''}`;
    const now = nowRfc3339();
    const known = this.eventNames.get(key);
    const existing = known ? this.store.get(R.events, namespace, known) : undefined;
    if (existing) {
      const next = clone(existing);
      next.count = (typeof existing.count === 'number' ? existing.count : 1) + 1;
      next.lastTimestamp = now;
      this.api.update(R.events, namespace, known!, next, { manager: component });
      return;
    }
    // Like client-go: <object name>.<hex of a nanosecond clock>, so names sort by creation per object.
    const nanos = BigInt(Date.now()) * 1_000_000n + BigInt(eventSeq++ % 1_000_000);
    const name = `${md.name}.${nanos.toString(16)}`;
    this.eventNames.set(key, name);
    const host = typeof o(involved.spec).nodeName === 'string' ? String(o(involved.spec).nodeName) : '';
    this.api.create(
      R.events,
      namespace,
      {
        metadata: { name, namespace },
        involvedObject: {
          kind: involved.kind,
          ...(md.namespace ? { namespace: md.namespace } : {}),
          name: md.name,
          uid: md.uid,
          apiVersion: involved.apiVersion,
          resourceVersion: md.resourceVersion,
          ...(fieldPath ? { fieldPath } : {}),
        },
        reason,
        message,
        source: { component, ...(component === 'kubelet' && host ? { host } : {}) },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: component === 'kubelet' ? host : '',
      },
      { manager: component },
    );
  }
}
