// REST semantics of the stand-in: get/list/create/update/patch/apply/delete on the generic store, with the
// apiserver's system fields (uid, resourceVersion, generation, creationTimestamp, managedFields), defaulting,
// optimistic concurrency, dry-run, status/scale subresources, garbage collection and namespace deletion.
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { recordUpdate, serverSideApply } from './apply.js';
import { admitCustomResource, decodeCustomResource, type FieldValidationOptions } from './crd-schema.js';
import { applyDefaults, validate, validateUpdate } from './defaults.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import { decodeProtobuf } from './protobuf.js';
import { isAllowed, type Attributes, type PolicyRule } from './rbac.js';
import { apiVersionOf, findResource, RESOURCES, type ResourceType } from './resources.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  notFound,
  staleResourceVersion,
  successStatus,
  unsupportedMediaType,
} from './status.js';
import type { Store } from './store.js';
import { clone, deepEqual, isPlainObject, nowRfc3339, type KubeObject } from './types.js';

export interface WriteOptions extends FieldValidationOptions {
  /** Field manager recorded in managedFields. */
  manager: string;
  dryRun?: boolean;
  subresource?: string;
  /** Who asks: access reviews answer from these rules (undefined rules = unrestricted). */
  caller?: { user: string; rules?: PolicyRule[] };
}

export interface ApplyRequestOptions extends WriteOptions {
  force?: boolean;
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

const NAMESPACES = findResource('', 'v1', 'namespaces')!;

/** Parses a request body as JSON (or YAML when the content type says so). */
export function parseBody(body: Buffer | undefined, contentType: string): unknown {
  if (contentType.includes('application/vnd.kubernetes.protobuf') && body && body.length > 0) {
    return decodeProtobuf(body, contentType);
  }
  const text = body?.toString('utf8') ?? '';
  if (text.trim() === '') throw badRequest('the request body is empty');
  try {
    return contentType.includes('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw badRequest(`error decoding request body: ${(e as Error).message}`);
  }
}

function asObject(r: ResourceType, v: unknown): KubeObject {
  if (!isPlainObject(v)) throw badRequest(`the body of the request is not a ${r.kind} object`);
  const o = clone(v) as KubeObject;
  if (o.kind !== undefined && o.kind !== r.kind) {
    throw badRequest(`the kind in the data (${String(o.kind)}) does not match the expected kind (${r.kind})`);
  }
  if (o.apiVersion !== undefined && o.apiVersion !== apiVersionOf(r)) {
    throw badRequest(
      `the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${apiVersionOf(r)})`,
    );
  }
  o.apiVersion = apiVersionOf(r);
  o.kind = r.kind;
  if (!isPlainObject(o.metadata)) o.metadata = {};
  return o;
}

/** Everything but metadata and status: a change here bumps metadata.generation. */
function specOf(o: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

function withoutTimes(o: KubeObject): KubeObject {
  const c = clone(o);
  delete c.metadata.resourceVersion;
  c.metadata.managedFields = (c.metadata.managedFields ?? []).map((e) => ({ ...e, time: '' }));
  return c;
}

export class KubeApi {
  constructor(readonly store: Store) {}

  get(r: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const o = this.store.get(r, namespace, name);
    if (!o) throw notFound(r, name);
    return o;
  }

  /** The objects a list request selects, with the resourceVersion of the snapshot. */
  select(r: ResourceType, namespace: string | undefined, query: URLSearchParams) {
    const byLabel = labelMatcher(query.get('labelSelector'));
    const byField = fieldMatcher(query.get('fieldSelector'));
    const rv = String(this.store.currentRv());
    return { rv, items: this.store.list(r, namespace, (o) => byLabel(o) && byField(o)) };
  }

  list(r: ResourceType, namespace: string | undefined, query: URLSearchParams) {
    const { rv, items } = this.select(r, namespace, query);
    return {
      kind: r.listKind,
      apiVersion: apiVersionOf(r),
      metadata: { resourceVersion: rv },
      items: items.map((o) => this.forList(r, o)),
    };
  }

  /** Built-in lists carry items without kind/apiVersion, as the real apiserver sends them. */
  forList(r: ResourceType, o: KubeObject): Record<string, unknown> {
    if (!r.builtin) return o;
    const { kind: _k, apiVersion: _a, ...rest } = o;
    return rest;
  }

  private ensureNamespace(r: ResourceType, namespace: string | undefined): void {
    if (!r.namespaced) return;
    if (!namespace || !this.store.get(NAMESPACES, undefined, namespace))
      throw notFound(NAMESPACES, namespace ?? '');
  }

  private placeInNamespace(r: ResourceType, o: KubeObject, namespace: string | undefined): void {
    if (!r.namespaced) {
      delete o.metadata.namespace;
      return;
    }
    if (o.metadata.namespace && o.metadata.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    o.metadata.namespace = namespace;
  }

  /** Stamps system fields on a new object, defaults and validates it, and stores it unless dry-run. */
  private finishCreate(r: ResourceType, o: KubeObject, opts: WriteOptions, managed: boolean): KubeObject {
    if (!o.metadata.name && o.metadata.generateName)
      o.metadata.name = `${o.metadata.generateName}${randomSuffix()}`;
    admitCustomResource(r, o);
    validate(r, o);
    this.ensureNamespace(r, o.metadata.namespace);
    if (this.store.get(r, o.metadata.namespace, o.metadata.name!)) throw alreadyExists(r, o.metadata.name!);
    for (const k of ['resourceVersion', 'deletionTimestamp', 'selfLink'] as const) delete o.metadata[k];
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = nowRfc3339();
    if (r.generation) o.metadata.generation = 1;
    else delete o.metadata.generation;
    if (r.statusSubresource && r.resource !== 'pods' && r.group !== '') delete o.status;
    applyDefaults(r, o);
    if (!managed) {
      delete o.metadata.managedFields;
      recordUpdate(undefined, o, opts.manager, r.builtin);
    }
    if (opts.dryRun) return o;
    return this.store.put(r, o);
  }

  create(r: ResourceType, namespace: string | undefined, body: unknown, opts: WriteOptions): KubeObject {
    if (r.virtual) return this.review(r, body, opts.caller);
    const o = asObject(r, body);
    this.placeInNamespace(r, o, namespace);
    decodeCustomResource(r, o, 'body', opts);
    return this.finishCreate(r, o, opts, false);
  }

  /** SelfSubjectAccessReview: answered from the caller's rules, never stored. */
  private review(r: ResourceType, body: unknown, caller: WriteOptions['caller']): KubeObject {
    const o = asObject(r, body);
    const spec = isPlainObject(o.spec) ? o.spec : {};
    const attrs = isPlainObject(spec.resourceAttributes)
      ? spec.resourceAttributes
      : isPlainObject(spec.nonResourceAttributes)
        ? spec.nonResourceAttributes
        : undefined;
    if (!attrs) {
      throw invalid(r.kind, r.group, '', [
        {
          reason: 'FieldValueRequired',
          field: 'spec.resourceAttributes',
          message:
            'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
        },
      ]);
    }
    const str = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));
    const a: Attributes =
      attrs === spec.nonResourceAttributes
        ? { verb: String(attrs.verb ?? ''), path: String(attrs.path ?? '') }
        : {
            verb: String(attrs.verb ?? ''),
            apiGroup: str(attrs.group) ?? '',
            resource: str(attrs.resource) ?? '',
            ...(str(attrs.subresource) ? { subresource: str(attrs.subresource) } : {}),
            ...(str(attrs.name) ? { name: str(attrs.name) } : {}),
            ...(str(attrs.namespace) ? { namespace: str(attrs.namespace) } : {}),
          };
    const rules = caller?.rules;
    const allowed = rules === undefined || isAllowed(rules, a);
    o.metadata.creationTimestamp = null as unknown as string;
    o.status = allowed
      ? {
          allowed: true,
          ...(rules ? { reason: `RBAC: allowed by the sandbox rules of User "${caller!.user}"` } : {}),
        }
      : { allowed: false };
    return o;
  }

  /**
   * Writes `next` over `existing` (which it was derived from): keeps system fields, applies subresource rules,
   * bumps generation on spec changes, records managedFields, and skips the write when nothing changed.
   */
  private finishUpdate(
    r: ResourceType,
    existing: KubeObject,
    next: KubeObject,
    opts: WriteOptions,
    managed: boolean,
  ): KubeObject {
    const name = existing.metadata.name!;
    const sub = opts.subresource ?? '';
    if (
      next.metadata.resourceVersion &&
      next.metadata.resourceVersion !== existing.metadata.resourceVersion
    ) {
      throw staleResourceVersion(r, name);
    }
    let out: KubeObject;
    if (sub === 'status') {
      out = clone(existing);
      out.status = next.status;
      if (managed) out.metadata.managedFields = next.metadata.managedFields;
    } else {
      out = next;
      for (const k of ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp'] as const) {
        if (existing.metadata[k] === undefined) delete out.metadata[k];
        else (out.metadata as Record<string, unknown>)[k] = existing.metadata[k];
      }
      if (r.statusSubresource && existing.status !== undefined) out.status = clone(existing.status);
      else if (r.statusSubresource) delete out.status;
      applyDefaults(r, out, existing);
      admitCustomResource(r, out);
      validate(r, out);
      validateUpdate(r, existing, out);
    }
    out.apiVersion = apiVersionOf(r);
    out.kind = r.kind;
    out.metadata.name = name;
    if (r.namespaced) out.metadata.namespace = existing.metadata.namespace;
    out.metadata.resourceVersion = existing.metadata.resourceVersion;
    if (r.generation && !deepEqual(specOf(existing), specOf(out))) {
      out.metadata.generation = (existing.metadata.generation ?? 0) + 1;
    }
    if (!managed) {
      if (out.metadata.managedFields === undefined || sub === 'status') {
        out.metadata.managedFields = existing.metadata.managedFields;
      }
      recordUpdate(existing, out, opts.manager, r.builtin, sub);
    }
    if (deepEqual(withoutTimes(existing), withoutTimes(out))) return existing;
    if (opts.dryRun) return out;
    return this.store.put(r, out);
  }

  update(r: ResourceType, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions) {
    const o = asObject(r, body);
    if (o.metadata.name !== undefined && o.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    this.placeInNamespace(r, o, namespace);
    if (!opts.subresource) decodeCustomResource(r, o, 'body', opts);
    const existing = this.get(r, namespace, name);
    return this.finishUpdate(r, existing, o, opts, false);
  }

  patch(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    body: Buffer | undefined,
    opts: ApplyRequestOptions,
  ): { object: KubeObject; created: boolean } {
    const type = contentType.split(';')[0]!.trim();
    if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+cbor') {
      return this.apply(r, namespace, name, parseBody(body, 'application/yaml'), opts);
    }
    const accepted = [
      'application/json-patch+json',
      'application/merge-patch+json',
      ...(r.builtin ? ['application/strategic-merge-patch+json'] : []),
      'application/apply-patch+yaml',
    ];
    if (!accepted.includes(type)) throw unsupportedMediaType(accepted);
    const existing = this.get(r, namespace, name);
    const base = opts.subresource === 'scale' ? this.scaleOf(r, existing) : existing;
    const doc = parseBody(body, 'application/json');
    let patched: unknown;
    if (type === 'application/json-patch+json') patched = jsonPatch(base, doc);
    else if (type === 'application/merge-patch+json') patched = mergePatch(base, doc);
    else patched = strategicMergePatch(base, doc);
    if (opts.subresource === 'scale') {
      return { object: this.setScale(r, existing, patched, opts), created: false };
    }
    const next = asObject(r, patched);
    if (next.metadata.name !== name)
      throw badRequest('metadata.name: Invalid value: the name cannot be changed by a patch');
    if (!opts.subresource) decodeCustomResource(r, next, 'patch', opts);
    return { object: this.finishUpdate(r, existing, next, opts, false), created: false };
  }

  apply(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: ApplyRequestOptions,
  ): { object: KubeObject; created: boolean } {
    if (!opts.manager) {
      throw invalid('PatchOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueRequired',
          field: 'fieldManager',
          message: 'Required value: is required for apply patch',
        },
      ]);
    }
    const applied = asObject(r, body);
    if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    this.placeInNamespace(r, applied, namespace);
    applied.metadata.name = name;
    const precondition = applied.metadata.resourceVersion;
    for (const k of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation'] as const) {
      delete applied.metadata[k];
    }
    const sub = opts.subresource ?? '';
    if (r.statusSubresource && sub === '') delete applied.status;
    if (sub === '') decodeCustomResource(r, applied, 'apply', opts);
    const existing = this.store.get(r, namespace, name);
    if (precondition && precondition !== existing?.metadata.resourceVersion) {
      if (!existing) throw notFound(r, name);
      throw staleResourceVersion(r, name);
    }
    const ssa = { manager: opts.manager, force: !!opts.force, typed: r.builtin, subresource: sub };
    if (!existing) {
      if (sub) throw notFound(r, name);
      const merged = serverSideApply(undefined, applied, ssa);
      return { object: this.finishCreate(r, merged, opts, true), created: true };
    }
    const merged = serverSideApply(existing, applied, ssa);
    return { object: this.finishUpdate(r, existing, merged, opts, true), created: false };
  }

  scaleOf(r: ResourceType, o: KubeObject): KubeObject {
    const spec = isPlainObject(o.spec) ? o.spec : {};
    const status = isPlainObject(o.status) ? o.status : {};
    const sel =
      isPlainObject(spec.selector) && isPlainObject(spec.selector.matchLabels)
        ? spec.selector.matchLabels
        : {};
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: { replicas: spec.replicas ?? 1 },
      status: {
        replicas: status.replicas ?? 0,
        selector: Object.entries(sel)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(','),
      },
    };
  }

  setScale(r: ResourceType, existing: KubeObject, scale: unknown, opts: WriteOptions): KubeObject {
    const s = isPlainObject(scale) && isPlainObject(scale.spec) ? scale.spec : {};
    if (typeof s.replicas !== 'number') throw badRequest('spec.replicas: Required value');
    const md = isPlainObject(scale) && isPlainObject(scale.metadata) ? scale.metadata : {};
    if (md.resourceVersion && md.resourceVersion !== existing.metadata.resourceVersion) {
      throw staleResourceVersion(r, existing.metadata.name!);
    }
    const next = clone(existing);
    (next.spec as Record<string, unknown>).replicas = s.replicas;
    return this.scaleOf(r, this.finishUpdate(r, existing, next, { ...opts, subresource: '' }, false));
  }

  delete(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    options: Record<string, unknown>,
    dryRun = false,
  ): Record<string, unknown> {
    const existing = this.get(r, namespace, name);
    const pre = isPlainObject(options.preconditions) ? options.preconditions : {};
    if (pre.uid && pre.uid !== existing.metadata.uid) {
      throw conflict(
        r,
        name,
        `Precondition failed: UID in precondition: ${String(pre.uid)}, UID in object meta: ${existing.metadata.uid}`,
      );
    }
    if (pre.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw conflict(
        r,
        name,
        `Precondition failed: ResourceVersion in precondition: ${String(pre.resourceVersion)}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`,
      );
    }
    if (dryRun) return successStatus(r, name, existing.metadata.uid);
    const policy = String(
      options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : 'Background'),
    );
    this.removeCascading(r, existing, policy);
    if (r === NAMESPACES) {
      const gone = clone(existing);
      gone.metadata.deletionTimestamp = nowRfc3339();
      (gone.status as Record<string, unknown>) = { phase: 'Terminating' };
      return gone;
    }
    return successStatus(r, name, existing.metadata.uid);
  }

  deleteCollection(r: ResourceType, namespace: string | undefined, query: URLSearchParams, dryRun = false) {
    const list = this.list(r, namespace, query);
    if (!dryRun) {
      for (const item of list.items) {
        const md = item.metadata as KubeObject['metadata'];
        const o = this.store.get(r, md.namespace, md.name!);
        if (o) this.removeCascading(r, o, 'Background');
      }
    }
    return list;
  }

  /** Deletes an object and what it owns (garbage collection), or a namespace and everything in it. */
  private removeCascading(r: ResourceType, o: KubeObject, policy: string): void {
    const uid = o.metadata.uid;
    if (r === NAMESPACES) {
      for (const rt of RESOURCES) {
        if (!rt.namespaced || rt.virtual) continue;
        for (const child of this.store.list(rt, o.metadata.name)) {
          this.store.remove(rt, child.metadata.namespace, child.metadata.name!);
        }
      }
    }
    this.store.remove(r, o.metadata.namespace, o.metadata.name!);
    if (!uid || r === NAMESPACES) return;
    for (const rt of RESOURCES) {
      if (rt.virtual) continue;
      for (const dep of this.store.list(
        rt,
        undefined,
        (x) => !!x.metadata.ownerReferences?.some((ref) => ref.uid === uid),
      )) {
        if (policy === 'Orphan') {
          const next = clone(dep);
          next.metadata.ownerReferences = dep.metadata.ownerReferences!.filter((ref) => ref.uid !== uid);
          if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
          this.store.put(rt, next);
        } else {
          this.removeCascading(rt, dep, policy);
        }
      }
    }
  }
}
