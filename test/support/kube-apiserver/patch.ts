// JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch for the built-in kinds we serve.
import { ApiError } from './status.js';
import { clone, deepEqual, isPlainObject } from './types.js';

/** RFC 7386: objects merge recursively, null deletes, everything else (lists included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function patchError(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw patchError(`invalid JSON pointer: ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

/** Walks to the parent of the pointer's last token. */
function locate(doc: unknown, tokens: string[], op: string): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isPlainObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined)
      throw patchError(`${op} operation does not apply: doc is missing path: /${tokens.join('/')}`);
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) {
    throw patchError(`${op} operation does not apply: doc is missing path: /${tokens.join('/')}`);
  }
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

function getAt(doc: unknown, tokens: string[], op: string): unknown {
  if (tokens.length === 0) return doc;
  const { parent, key } = locate(doc, tokens, op);
  const v = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (v === undefined)
    throw patchError(`${op} operation does not apply: doc is missing path: /${tokens.join('/')}`);
  return v;
}

function removeAt(doc: unknown, tokens: string[], op: string): unknown {
  const { parent, key } = locate(doc, tokens, op);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) {
      throw patchError(`${op} operation does not apply: doc is missing path: /${tokens.join('/')}`);
    }
    return parent.splice(i, 1)[0];
  }
  if (!Object.hasOwn(parent, key)) {
    throw patchError(`${op} operation does not apply: doc is missing path: /${tokens.join('/')}`);
  }
  const v = parent[key];
  delete parent[key];
  return v;
}

function addAt(doc: unknown, tokens: string[], value: unknown, replace: boolean): unknown {
  if (tokens.length === 0) return clone(value);
  const { parent, key } = locate(doc, tokens, replace ? 'replace' : 'add');
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (replace && i >= parent.length)) {
      throw patchError(
        `${replace ? 'replace' : 'add'} operation does not apply: index out of bounds: ${key}`,
      );
    }
    parent.splice(i, replace ? 1 : 0, clone(value));
  } else {
    if (replace && !Object.hasOwn(parent, key)) {
      throw patchError(`replace operation does not apply: doc is missing key: /${tokens.join('/')}`);
    }
    parent[key] = clone(value);
  }
  return doc;
}

/** RFC 6902 on a copy of `doc`. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops))
    throw new ApiError(
      400,
      'BadRequest',
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  let out = clone(doc);
  for (const raw of ops) {
    if (!isPlainObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw patchError(`invalid JSON patch operation: ${JSON.stringify(raw)}`);
    }
    const path = parsePointer(raw.path);
    switch (raw.op) {
      case 'add':
        out = addAt(out, path, raw.value, false);
        break;
      case 'replace':
        out = addAt(out, path, raw.value, true);
        break;
      case 'remove':
        removeAt(out, path, 'remove');
        break;
      case 'move': {
        const v = removeAt(out, parsePointer(String(raw.from)), 'move');
        out = addAt(out, path, v, false);
        break;
      }
      case 'copy':
        out = addAt(out, path, getAt(out, parsePointer(String(raw.from)), 'copy'), false);
        break;
      case 'test':
        if (!deepEqual(getAt(out, path, 'test'), raw.value)) {
          throw patchError(`testing value /${path.join('/')} failed: test failed`);
        }
        break;
      default:
        throw patchError(`Unexpected kind: ${raw.op}`);
    }
  }
  return out;
}

/** Fields whose list items merge by key in the built-in types (patchMergeKey / x-kubernetes-list-map-keys). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  topologySpreadConstraints: 'topologyKey',
};

/** Lists of primitives with set semantics (patchStrategy merge / listType set). */
export const SET_LISTS = new Set(['finalizers']);

/** The strategic-merge key of a list field: `ports` merge by containerPort in pods, by port in services. */
export function mergeKeyFor(field: string, ...lists: unknown[]): string | undefined {
  if (field === 'ports') {
    const items = lists.flatMap((l) => (Array.isArray(l) ? l : []));
    return items.some((i) => isPlainObject(i) && 'containerPort' in i) ? 'containerPort' : 'port';
  }
  return MERGE_KEYS[field];
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v))
    return v.filter((i) => !(isPlainObject(i) && i.$patch === 'replace')).map(stripDirectives);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (x !== null) out[k] = stripDirectives(x);
  }
  return out;
}

function mergeList(orig: unknown[], patch: unknown[], key: string): unknown[] {
  if (patch.some((i) => isPlainObject(i) && i.$patch === 'replace'))
    return stripDirectives(patch) as unknown[];
  const out = orig.map((i) => clone(i));
  for (const item of patch) {
    if (!isPlainObject(item)) continue;
    const idx = out.findIndex((o) => isPlainObject(o) && deepEqual(o[key], item[key]));
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) out[idx] = strategicMergePatch(out[idx], item);
    else out.push(stripDirectives(item));
  }
  return out;
}

function reorder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const rank = (item: unknown) =>
    order.findIndex((o) =>
      key ? isPlainObject(o) && isPlainObject(item) && deepEqual(o[key], item[key]) : deepEqual(o, item),
    );
  const known = list.filter((i) => rank(i) >= 0).sort((a, b) => rank(a) - rank(b));
  return [...known, ...list.filter((i) => rank(i) < 0)];
}

/**
 * Strategic merge patch as kube-apiserver applies it to built-in kinds: maps merge, keyed lists (see MERGE_KEYS)
 * merge by key, `finalizers` merge as a set, other lists replace. Honours `$patch: replace|delete`, `$retainKeys`,
 * `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>`, which kubectl's apply emits.
 */
export function strategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const out: Record<string, unknown> = isPlainObject(original) ? { ...original } : {};
  const orders: [string, unknown[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/')) {
      if (Array.isArray(v)) orders.push([k.slice('$setElementOrder/'.length), v]);
    } else if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v))
        out[field] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
    } else if (k.startsWith('$')) {
      continue;
    } else if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      const key = mergeKeyFor(k, v, out[k]);
      const cur = Array.isArray(out[k]) ? (out[k] as unknown[]) : [];
      if (key) out[k] = mergeList(cur, v, key);
      else if (SET_LISTS.has(k)) out[k] = [...cur, ...v.filter((x) => !cur.some((c) => deepEqual(c, x)))];
      else out[k] = stripDirectives(v);
    } else if (isPlainObject(v)) {
      if (v.$patch === 'delete') delete out[k];
      else out[k] = strategicMergePatch(out[k], v);
    } else {
      out[k] = v;
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  for (const [field, order] of orders) {
    if (Array.isArray(out[field]))
      out[field] = reorder(out[field] as unknown[], order, mergeKeyFor(field, order));
  }
  return out;
}
