// Server-side apply and metadata.managedFields bookkeeping.
//
// Field sets are tracked at leaf level in the FieldsV1 vocabulary (`f:name`, `k:{"name":"app"}`, `v:"x"`). Apply
// merges the applied configuration into the live object (maps recursively, keyed lists by key, sets by value,
// everything else atomically), reports conflicts with other managers unless forced, removes fields the applier
// owned before and no longer sets (when nobody else owns them), and records the applier's new field set.
// Ordinary writes (create/update/patch) record an `Update` entry owning the fields they changed.
import { mergeKeyFor, SET_LISTS } from './patch.js';
import { ApiError } from './status.js';
import {
  clone,
  deepEqual,
  isPlainObject,
  nowRfc3339,
  type JsonObject,
  type KubeObject,
  type ManagedFieldsEntry,
} from './types.js';

type Path = string[];
const SEP = '\u0001';

const IDENTITY_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'managedFields',
  'selfLink',
]);

type ListKind = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };

function listKind(field: string, typed: boolean, ...lists: unknown[]): ListKind {
  if (!typed) return { type: 'atomic' };
  if (SET_LISTS.has(field)) return { type: 'set' };
  const key = mergeKeyFor(field, ...lists);
  if (!key) return { type: 'atomic' };
  return { type: 'map', keys: field === 'ports' ? [key, 'protocol'] : [key] };
}

function itemKey(item: Record<string, unknown>, keys: string[]): string {
  const k: Record<string, unknown> = {};
  for (const name of [...keys].sort()) k[name] = item[name] ?? (name === 'protocol' ? 'TCP' : null);
  return `k:${JSON.stringify(k)}`;
}

/** Collects leaf field paths of `value` (an object's content, without identity metadata). */
function collect(value: unknown, typed: boolean, path: Path, field: string, out: Map<string, Path>): void {
  const isTyped = typed || path[0] === 'f:metadata';
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) {
      if (path.length === 0 && (k === 'apiVersion' || k === 'kind')) continue;
      if (path.length === 1 && path[0] === 'f:metadata' && IDENTITY_META.has(k)) continue;
      collect(v, typed, [...path, `f:${k}`], k, out);
    }
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    const lk = listKind(field, isTyped, value);
    if (lk.type === 'map' && value.every(isPlainObject)) {
      for (const item of value as Record<string, unknown>[]) {
        const p = [...path, itemKey(item, lk.keys)];
        out.set(p.join(SEP), p);
        for (const [k, v] of Object.entries(item)) collect(v, typed, [...p, `f:${k}`], k, out);
      }
      return;
    }
    if (lk.type === 'set') {
      for (const item of value) {
        const p = [...path, `v:${JSON.stringify(item)}`];
        out.set(p.join(SEP), p);
      }
      return;
    }
  }
  if (path.length > 0) out.set(path.join(SEP), path);
}

function fieldSet(obj: unknown, typed: boolean): Map<string, Path> {
  const out = new Map<string, Path>();
  collect(obj, typed, [], '', out);
  return out;
}

function toFieldsV1(set: Map<string, Path>): JsonObject {
  const root: JsonObject = {};
  for (const path of set.values()) {
    let node = root;
    for (const el of path) node = (node[el] ??= {}) as JsonObject;
  }
  const dot = (node: JsonObject) => {
    for (const [k, child] of Object.entries(node)) {
      const c = child as JsonObject;
      if (k.startsWith('k:') && Object.keys(c).length > 0) c['.'] = {};
      dot(c);
    }
  };
  dot(root);
  return root;
}

function fromFieldsV1(fields: unknown): Map<string, Path> {
  const out = new Map<string, Path>();
  const walk = (node: unknown, path: Path) => {
    if (!isPlainObject(node)) return;
    const keys = Object.keys(node).filter((k) => k !== '.');
    if ((keys.length === 0 || '.' in node) && path.length > 0) out.set(path.join(SEP), path);
    for (const k of keys) walk(node[k], [...path, k]);
  };
  walk(fields, []);
  return out;
}

function matchItem(item: unknown, el: string): boolean {
  if (!isPlainObject(item)) return false;
  const want = JSON.parse(el.slice(2)) as Record<string, unknown>;
  return Object.entries(want).every(([k, v]) => deepEqual(item[k] ?? (k === 'protocol' ? 'TCP' : null), v));
}

function step(cur: unknown, el: string): unknown {
  if (el.startsWith('f:')) return isPlainObject(cur) ? cur[el.slice(2)] : undefined;
  if (!Array.isArray(cur)) return undefined;
  if (el.startsWith('k:')) return cur.find((i) => matchItem(i, el));
  const want = JSON.parse(el.slice(2)) as unknown;
  return cur.find((i) => deepEqual(i, want));
}

function valueAt(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const el of path) {
    cur = step(cur, el);
    if (cur === undefined) return undefined;
  }
  return cur;
}

function removeAt(obj: unknown, path: Path): void {
  const parent = valueAt(obj, path.slice(0, -1));
  const el = path[path.length - 1]!;
  if (el.startsWith('f:')) {
    if (isPlainObject(parent)) delete parent[el.slice(2)];
  } else if (Array.isArray(parent)) {
    const want = el.startsWith('v:') ? (JSON.parse(el.slice(2)) as unknown) : undefined;
    const i = parent.findIndex((x) => (el.startsWith('k:') ? matchItem(x, el) : deepEqual(x, want)));
    if (i >= 0) parent.splice(i, 1);
  }
}

function applyMerge(live: unknown, applied: unknown, field: string, typed: boolean, depth: number): unknown {
  if (isPlainObject(applied) && isPlainObject(live)) {
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) delete out[k];
      else out[k] = applyMerge(live[k], v, k, typed || (depth === 0 && k === 'metadata'), depth + 1);
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const lk = listKind(field, typed, applied, live);
    if (lk.type === 'map') {
      const out = live.map((i) => clone(i));
      for (const item of applied) {
        if (!isPlainObject(item)) continue;
        const el = itemKey(item, lk.keys);
        const i = out.findIndex((x) => matchItem(x, el));
        if (i >= 0) out[i] = applyMerge(out[i], item, '', typed, depth + 1);
        else out.push(clone(item));
      }
      return out;
    }
    if (lk.type === 'set') return [...live, ...applied.filter((x) => !live.some((l) => deepEqual(l, x)))];
  }
  return clone(applied);
}

function entriesOf(obj: KubeObject): ManagedFieldsEntry[] {
  return (obj.metadata.managedFields ?? []).filter((e) => e.fieldsType === 'FieldsV1');
}

function describePath(path: Path): string {
  return path
    .map((el) => (el.startsWith('f:') ? `.${el.slice(2)}` : `[${el.slice(2).replace(/^\{|\}$/g, '')}]`))
    .join('');
}

export interface ApplyOptions {
  manager: string;
  force: boolean;
  /** Typed (built-in) kinds get keyed-list and set semantics; CRs are atomic below metadata. */
  typed: boolean;
  subresource?: string;
}

/**
 * Server-side apply of `applied` onto `live` (undefined when creating). Returns the merged object with
 * managedFields updated; throws a 409 Conflict listing conflicting fields unless `force`.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  o: ApplyOptions,
): KubeObject {
  const base: KubeObject = live
    ? clone(live)
    : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: {} };
  const entries = entriesOf(base);
  const newSet = fieldSet(applied, o.typed);
  const sub = o.subresource ?? '';
  const isMine = (e: ManagedFieldsEntry) =>
    e.manager === o.manager && e.operation === 'Apply' && (e.subresource ?? '') === sub;
  const mine = entries.find(isMine);
  const others = entries.filter((e) => !isMine(e)).map((e) => ({ e, set: fromFieldsV1(e.fieldsV1) }));

  const conflicts: { path: Path; manager: string; apiVersion: string }[] = [];
  for (const [key, path] of newSet) {
    const last = path[path.length - 1]!;
    if (!last.startsWith('f:') || !live) continue;
    for (const { e, set } of others) {
      if (e.manager === o.manager || !set.has(key)) continue;
      if (!deepEqual(valueAt(live, path), valueAt(applied, path))) {
        conflicts.push({ path, manager: e.manager, apiVersion: e.apiVersion });
      }
    }
  }
  if (conflicts.length > 0 && !o.force) {
    const lines = conflicts.map(
      (c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${describePath(c.path)}`,
    );
    const message =
      conflicts.length === 1
        ? `Apply failed with 1 conflict: ${lines[0]}`
        : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
    throw new ApiError(409, 'Conflict', message, {
      causes: conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${c.manager}" using ${c.apiVersion}`,
        field: describePath(c.path),
      })),
    });
  }

  let merged = applyMerge(base, applied, '', o.typed, 0) as KubeObject;
  // Forced fields change hands; fields applied with the value another manager set become shared.
  for (const c of conflicts) {
    const key = c.path.join(SEP);
    for (const { e, set } of others) if (e.manager === c.manager) set.delete(key);
  }
  // Fields this manager applied before and dropped now go, unless someone else still owns them.
  const oldSet = mine ? fromFieldsV1(mine.fieldsV1) : new Map<string, Path>();
  const dropped = [...oldSet]
    .filter(([key]) => !newSet.has(key) && !others.some(({ set }) => set.has(key)))
    .map(([, path]) => path)
    .sort((a, b) => b.length - a.length);
  merged = clone(merged);
  for (const path of dropped) removeAt(merged, path);

  const now = nowRfc3339();
  const mineEntry: ManagedFieldsEntry = {
    manager: o.manager,
    operation: 'Apply',
    apiVersion: applied.apiVersion,
    time: now,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(newSet),
    ...(sub ? { subresource: sub } : {}),
  };
  // Entries keep their order (a re-apply of the same configuration is then a no-op).
  const next: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (isMine(e)) next.push(mineEntry);
    else {
      const set = others.find((x) => x.e === e)!.set;
      if (set.size > 0) next.push({ ...e, fieldsV1: toFieldsV1(set) });
    }
  }
  if (!mine) next.push(mineEntry);
  merged.metadata.managedFields = next;
  return merged;
}

/** Records an ordinary write: `manager` takes ownership of the fields that changed between old and next. */
export function recordUpdate(
  old: KubeObject | undefined,
  next: KubeObject,
  manager: string,
  typed: boolean,
  subresource = '',
): void {
  const before = old ? fieldSet(old, typed) : new Map<string, Path>();
  const after = fieldSet(next, typed);
  const changed = new Map<string, Path>();
  for (const [key, path] of after) {
    if (!before.has(key) || !deepEqual(valueAt(old, path), valueAt(next, path))) changed.set(key, path);
  }
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const entries = old ? entriesOf(old) : entriesOf(next);
  if (changed.size === 0 && removed.length === 0 && old) {
    next.metadata.managedFields = old.metadata.managedFields ?? [];
    return;
  }
  const isMine = (e: ManagedFieldsEntry) =>
    e.manager === manager && e.operation === 'Update' && (e.subresource ?? '') === subresource;
  const mineEntry = (set: Map<string, Path>): ManagedFieldsEntry => ({
    manager,
    operation: 'Update',
    apiVersion: next.apiVersion,
    time: nowRfc3339(),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(set),
    ...(subresource ? { subresource } : {}),
  });
  const out: ManagedFieldsEntry[] = [];
  let placed = false;
  for (const e of entries) {
    const set = fromFieldsV1(e.fieldsV1);
    for (const k of removed) set.delete(k);
    if (isMine(e)) {
      for (const [k, p] of changed) set.set(k, p);
      out.push(mineEntry(set));
      placed = true;
      continue;
    }
    for (const k of changed.keys()) set.delete(k);
    if (set.size > 0) out.push({ ...e, fieldsV1: toFieldsV1(set) });
  }
  if (!placed && changed.size > 0) out.push(mineEntry(changed));
  next.metadata.managedFields = out;
}
