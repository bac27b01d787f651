// Generic ARM resource behaviour shared by every provider: GET, paged list, asynchronous PUT (201/200 +
// Azure-AsyncOperation, provisioningState Accepted → Provisioning/Updating → Succeeded/Failed) and asynchronous DELETE
// (202 + Location).
import { armErrors } from './errors.js';
import { fullType } from './ids.js';
import type { ArmResource } from './store.js';
import type { HandlerResult, RequestContext } from './types.js';

const DEFAULT_PROVISIONING = { create: ['Accepted', 'Provisioning'], update: ['Accepted', 'Updating'] };

function notFound(ctx: RequestContext, id: string): never {
  const rest = id.split('/providers/')[1] ?? id;
  const [ns, ...parts] = rest.split('/');
  const types = parts.filter((_, i) => i % 2 === 0);
  const names = parts.filter((_, i) => i % 2 === 1);
  throw armErrors.resourceNotFound(
    `${fullType(ns!, types)}/${names.join('/')}`,
    ctx.path.resourceGroup ?? '',
  );
}

/** The parent of a child resource must exist (ParentResourceNotFound otherwise). */
export function requireParent(ctx: RequestContext): void {
  const pairs = ctx.path.pairs;
  if (pairs.length < 2 && !ctx.path.trailing) return;
  const parentId = ctx.path.trailing
    ? ctx.id
    : ctx.id.slice(0, ctx.id.lastIndexOf('/', ctx.id.lastIndexOf('/') - 1));
  if (!ctx.store.get(parentId)) {
    const names = pairs.slice(0, ctx.path.trailing ? pairs.length : -1).map((p) => p.name);
    throw armErrors.parentResourceNotFound(names.join('/'));
  }
}

export function handleGet(ctx: RequestContext): HandlerResult {
  const resource = ctx.store.get(ctx.id);
  if (!resource) notFound(ctx, ctx.id);
  return { status: 200, body: resource };
}

/** Where a page starts: the offset carried (opaquely, base64url) by the `$skiptoken` of a nextLink. */
function pageStart(ctx: RequestContext): number {
  const token = ctx.url.searchParams.get('$skiptoken');
  if (token === null) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw armErrors.invalidSkipToken(token);
  return Number(m[1]);
}

/**
 * A list answers one page of `ctx.pageSize` items. As many resource providers do, every full page carries a
 * `nextLink` (the same URL with a `$skiptoken`), even when the page it points to turns out empty.
 */
export function handleList(ctx: RequestContext): HandlerResult {
  requireParent(ctx);
  const all = ctx.store.children(ctx.id, ctx.path.trailing!);
  if (ctx.pageSize <= 0) return { status: 200, body: { value: all } };
  const start = pageStart(ctx);
  const value = all.slice(start, start + ctx.pageSize);
  if (value.length < ctx.pageSize) return { status: 200, body: { value } };
  const next = new URL(`${ctx.origin}${ctx.url.pathname}`);
  next.searchParams.set('api-version', ctx.apiVersion);
  next.searchParams.set('$skiptoken', Buffer.from(`offset:${start + value.length}`).toString('base64url'));
  return { status: 200, body: { value, nextLink: next.toString() } };
}

function systemData(ctx: RequestContext, existing: ArmResource | undefined): Record<string, unknown> {
  const now = new Date().toISOString();
  const who = ctx.principal.appId || ctx.principal.objectId;
  const prev = existing?.systemData as Record<string, unknown> | undefined;
  return {
    createdBy: prev?.createdBy ?? who,
    createdByType: prev?.createdByType ?? 'Application',
    createdAt: prev?.createdAt ?? now,
    lastModifiedBy: who,
    lastModifiedByType: 'Application',
    lastModifiedAt: now,
  };
}

/** The resource as stored after a PUT: the body's writable parts, ARM's envelope, and system data. */
export function baseResource(
  ctx: RequestContext,
  body: Record<string, unknown>,
  existing: ArmResource | undefined,
): ArmResource {
  const { id: _id, name: _name, type: _type, systemData: _sd, ...writable } = body;
  const properties = { ...((writable.properties as Record<string, unknown> | undefined) ?? {}) };
  delete properties.provisioningState; // read-only: ARM ignores it in a PUT
  delete properties.healthState;
  const pair = ctx.path.pairs[ctx.path.pairs.length - 1]!;
  return {
    id: existing?.id ?? ctx.id,
    name: existing?.name ?? pair.name,
    type: fullType(ctx.def.namespace, ctx.def.types),
    ...writable,
    properties,
    systemData: systemData(ctx, existing),
  };
}

export function handlePut(ctx: RequestContext): HandlerResult {
  const put = ctx.def.put!;
  requireParent(ctx);
  const busy = ctx.store.busyWith(ctx.id);
  if (busy) throw armErrors.anotherOperationInProgress(statusUrl(ctx, busy));
  const existing = ctx.store.get(ctx.id);
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  const built = put.build ? put.build(ctx, body, existing) : baseResource(ctx, body, existing);
  return asyncWrite(ctx, built, existing);
}

/**
 * PATCH (types that declare `patch`): the body's `properties` merged over the stored ones, one level deep (as ACR's
 * Tokens_Update / ScopeMaps_Update do), then the same asynchronous write as a PUT. 404 when the resource is missing.
 */
export function handlePatch(ctx: RequestContext): HandlerResult {
  const existing = ctx.store.get(ctx.id);
  if (!existing) notFound(ctx, ctx.id);
  const busy = ctx.store.busyWith(ctx.id);
  if (busy) throw armErrors.anotherOperationInProgress(statusUrl(ctx, busy));
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  const patch = (body.properties as Record<string, unknown> | undefined) ?? {};
  const { id: _i, name: _n, type: _t, systemData: _s, properties: _p, ...envelope } = existing;
  const merged = { ...envelope, ...body, properties: { ...existing.properties, ...patch } };
  const build = ctx.def.patch?.build ?? ctx.def.put?.build;
  const built = build ? build(ctx, merged, existing) : baseResource(ctx, merged, existing);
  return asyncWrite(ctx, built, existing);
}

function asyncWrite(
  ctx: RequestContext,
  built: ArmResource,
  existing: ArmResource | undefined,
): HandlerResult {
  const def = ctx.def;
  const put = def.put ?? {};
  const states = (def.provisioning ?? DEFAULT_PROVISIONING)[existing ? 'update' : 'create'];
  let step = 0;
  const setState = (r: ArmResource, state: string): ArmResource => ({
    ...r,
    properties: { ...r.properties, provisioningState: state },
  });
  const accepted = setState(built, states[0]!);
  ctx.store.put(accepted);
  const op = ctx.lro.start({
    subscriptionId: ctx.path.subscriptionId,
    namespace: def.namespace,
    location: def.location,
    apiVersion: ctx.apiVersion,
    resourceId: accepted.id,
    failWith: ctx.lroFailure,
    progress: () => {
      const current = ctx.store.get(accepted.id);
      step = Math.min(step + 1, states.length - 1);
      if (current) ctx.store.put(setState(current, states[step]!));
    },
    complete: async () => {
      const done = setState(ctx.store.get(accepted.id) ?? accepted, 'Succeeded');
      await put.committed?.(ctx, done);
      ctx.store.put(done);
      ctx.store.setBusy(accepted.id, undefined);
    },
    failed: () => {
      const current = ctx.store.get(accepted.id) ?? accepted;
      ctx.store.put(setState(current, 'Failed'));
      ctx.store.setBusy(accepted.id, undefined);
    },
  });
  ctx.store.setBusy(accepted.id, op.name);
  return {
    status: existing ? 200 : 201,
    body: accepted,
    headers: ctx.lro.headers(ctx.origin, op, false),
  };
}

export function handleDelete(ctx: RequestContext): HandlerResult {
  const def = ctx.def;
  const existing = ctx.store.get(ctx.id);
  if (!existing) return { status: 204 }; // ARM: deleting what is not there succeeds
  const busy = ctx.store.busyWith(ctx.id);
  if (busy) throw armErrors.anotherOperationInProgress(statusUrl(ctx, busy));
  ctx.store.put({ ...existing, properties: { ...existing.properties, provisioningState: 'Deleting' } });
  const op = ctx.lro.start({
    subscriptionId: ctx.path.subscriptionId,
    namespace: def.namespace,
    location: def.location,
    apiVersion: ctx.apiVersion,
    resourceId: existing.id,
    failWith: ctx.lroFailure,
    complete: async () => {
      await def.delete?.committed?.(ctx, existing);
      ctx.store.delete(existing.id);
      ctx.store.setBusy(existing.id, undefined);
      return undefined;
    },
    failed: () => {
      const current = ctx.store.get(existing.id);
      if (current)
        ctx.store.put({ ...current, properties: { ...current.properties, provisioningState: 'Failed' } });
      ctx.store.setBusy(existing.id, undefined);
    },
  });
  ctx.store.setBusy(existing.id, op.name);
  return { status: 202, headers: ctx.lro.headers(ctx.origin, op, true) };
}

function statusUrl(ctx: RequestContext, operationName: string): string {
  const op = ctx.lro.get(operationName);
  return op ? `${ctx.origin}${ctx.lro.paths(op).status}?api-version=${op.apiVersion}` : operationName;
}
