// Generic object storage: one global resourceVersion counter, an event history for watches that resume from a
// resourceVersion, and synchronous fan-out to subscribers (watch streams, the controller, tests).
import type { ResourceType } from './resources.js';
import { clone, type KubeObject } from './types.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  resource: ResourceType;
  /** A private copy; subscribers must not mutate it. */
  object: KubeObject;
  rv: number;
}

export type Subscriber = (event: StoreEvent) => void;

const HISTORY_LIMIT = 20_000;

function resKey(r: ResourceType): string {
  return `${r.group}/${r.resource}`;
}

function objKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class Store {
  private rv = 0;
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();

  /** The latest resourceVersion handed out. */
  currentRv(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can resume from. */
  oldestRv(): number {
    return this.history.length > 0 ? this.history[0]!.rv - 1 : this.rv;
  }

  private table(r: ResourceType): Map<string, KubeObject> {
    let t = this.data.get(resKey(r));
    if (!t) {
      t = new Map();
      this.data.set(resKey(r), t);
    }
    return t;
  }

  get(r: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.table(r).get(objKey(r.namespaced ? namespace : undefined, name));
    return o ? clone(o) : undefined;
  }

  /** Objects of one resource, optionally in one namespace, sorted by namespace then name. */
  list(r: ResourceType, namespace?: string, match?: (o: KubeObject) => boolean): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.table(r).values()) {
      if (namespace && r.namespaced && o.metadata.namespace !== namespace) continue;
      if (match && !match(o)) continue;
      out.push(clone(o));
    }
    return out.sort((a, b) =>
      objKey(a.metadata.namespace, a.metadata.name!).localeCompare(
        objKey(b.metadata.namespace, b.metadata.name!),
      ),
    );
  }

  /** Stores a new or changed object, stamping a fresh resourceVersion; returns the stored copy. */
  put(r: ResourceType, obj: KubeObject): KubeObject {
    const key = objKey(r.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name!);
    const t = this.table(r);
    const type: EventType = t.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    t.set(key, stored);
    this.emit({ type, resource: r, object: clone(stored), rv: this.rv });
    return clone(stored);
  }

  /** Removes an object; the DELETED event carries a fresh resourceVersion. */
  remove(r: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = objKey(r.namespaced ? namespace : undefined, name);
    const t = this.table(r);
    const existing = t.get(key);
    if (!existing) return undefined;
    t.delete(key);
    existing.metadata.resourceVersion = String(++this.rv);
    this.emit({ type: 'DELETED', resource: r, object: clone(existing), rv: this.rv });
    return clone(existing);
  }

  /** Events of one resource after `rv`, or undefined when history no longer reaches back that far. */
  eventsSince(r: ResourceType, rv: number): StoreEvent[] | undefined {
    if (rv < this.oldestRv()) return undefined;
    return this.history.filter((e) => e.rv > rv && e.resource === r);
  }

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    for (const fn of [...this.subscribers]) {
      try {
        fn(event);
      } catch {
        // A failing subscriber (e.g. a closed watch socket) must not break writes.
      }
    }
  }
}
