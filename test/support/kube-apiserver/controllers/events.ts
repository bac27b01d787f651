// core/v1 Events and events.k8s.io/v1 Events are one storage on a real cluster. Here they are two tables kept in
// step: a write to either is converted and mirrored to the other under the same namespace/name (uid and
// resourceVersion differ between the two).
import { clone, deepEqual, type KubeObject } from '../types.js';
import { o, R, type Ctx, type Obj } from './context.js';

export function coreToNew(e: KubeObject): Obj {
  const src = o(e.source);
  return {
    metadata: { name: e.metadata.name, namespace: e.metadata.namespace, labels: e.metadata.labels },
    eventTime: e.eventTime ?? null,
    ...(e.series ? { series: e.series } : {}),
    reportingController: e.reportingComponent || src.component || '',
    reportingInstance: e.reportingInstance || src.host || '',
    ...(e.action ? { action: e.action } : {}),
    reason: e.reason,
    regarding: e.involvedObject,
    ...(e.related ? { related: e.related } : {}),
    note: e.message,
    type: e.type,
    ...(Object.keys(src).length ? { deprecatedSource: src } : {}),
    ...(e.firstTimestamp ? { deprecatedFirstTimestamp: e.firstTimestamp } : {}),
    ...(e.lastTimestamp ? { deprecatedLastTimestamp: e.lastTimestamp } : {}),
    ...(typeof e.count === 'number' ? { deprecatedCount: e.count } : {}),
  };
}

export function newToCore(e: KubeObject): Obj {
  return {
    metadata: { name: e.metadata.name, namespace: e.metadata.namespace, labels: e.metadata.labels },
    involvedObject: e.regarding ?? {},
    reason: e.reason,
    message: e.note,
    source: e.deprecatedSource ?? { component: e.reportingController },
    firstTimestamp: e.deprecatedFirstTimestamp ?? null,
    lastTimestamp: e.deprecatedLastTimestamp ?? null,
    count: e.deprecatedCount ?? (e.series ? o(e.series).count : undefined),
    type: e.type,
    eventTime: e.eventTime ?? null,
    ...(e.series ? { series: e.series } : {}),
    ...(e.action ? { action: e.action } : {}),
    ...(e.related ? { related: e.related } : {}),
    reportingComponent: e.reportingController ?? '',
    reportingInstance: e.reportingInstance ?? '',
  };
}

const strip = (x: Obj): unknown => JSON.parse(JSON.stringify({ ...x, metadata: undefined }));

/**
 * Mirrors an Event's current state (type DELETED when it is gone) to the other API group; returns the
 * resourceVersion of the write it made, if any.
 */
export function mirrorEvent(ctx: Ctx, fromCore: boolean, type: string, e: KubeObject): string | undefined {
  const target = fromCore ? R.newEvents : R.events;
  const ns = e.metadata.namespace;
  const name = e.metadata.name!;
  const existing = ctx.store.get(target, ns, name);
  if (type === 'DELETED') {
    if (!existing) return undefined;
    ctx.api.delete(target, ns, name, {});
    return String(ctx.store.currentRv());
  }
  const body = fromCore ? coreToNew(e) : newToCore(e);
  if (body.count === undefined) delete body.count;
  const manager = { manager: 'event-mirror' };
  if (!existing) return ctx.api.create(target, ns, body, manager).metadata.resourceVersion;
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = existing;
  if (deepEqual(strip(rest), strip(body))) return undefined;
  const next = { ...clone(body), metadata: { ...existing.metadata, labels: e.metadata.labels } };
  return ctx.api.update(target, ns, name, next, manager).metadata.resourceVersion;
}
