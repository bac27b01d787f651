// Replaying Microsoft's official examples (`x-ms-examples` of the vendored specs) against the stand-in: which spec
// operation each stand-in route is, the order that lets one example set up the next (PUT before GET before DELETE),
// the request an example describes (moved into the stand-in's seeded world), and the shape of an answer (its property
// paths, map keys as `*`, array items as `[]`) so our answers can be compared with the examples'.
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { SeedInfo } from './seed.js';
import type { ImplementedOperation } from './server.js';
import type { Json, SchemaAt, SpecIndex, SpecOperation } from './spec-index.js';

export interface ExampleResponse {
  headers?: Record<string, string>;
  body?: unknown;
}

export interface Example {
  /** The file name without `.json` (unique across the vendored examples). */
  title: string;
  file: string;
  parameters: Record<string, unknown>;
  responses: Record<string, ExampleResponse>;
}

export interface Replay {
  op: SpecOperation;
  example: Example;
}

const template = (path: string) => path.replace(/\{[^}]*\}/g, '{}').toLowerCase();

/** The spec operation a stand-in route is (method and path template, names case-insensitive). */
export function specOperationOf(index: SpecIndex, impl: ImplementedOperation): SpecOperation | undefined {
  return index
    .operations()
    .find((op) => op.method === impl.method && template(op.path) === template(impl.path));
}

export function loadExample(file: string): Example {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Omit<Example, 'title' | 'file'>;
  return { title: basename(file, '.json'), file, parameters: doc.parameters, responses: doc.responses };
}

const METHOD_ORDER = ['PUT', 'POST', 'GET', 'PATCH', 'DELETE'];

/**
 * Every example of `ops`, in an order where each finds what it needs: writes first (the MaximumSet one of each
 * operation last, so later GETs meet the richest resource), then actions, reads, updates, deletes.
 */
export function replayPlan(ops: SpecOperation[]): Replay[] {
  const replays = ops.flatMap((op) =>
    Object.values(op.examples)
      .filter((file) => existsSync(file)) // a missing file is reported by the replay test itself
      .map((file) => ({ op, example: loadExample(file) })),
  );
  const rank = (r: Replay) =>
    METHOD_ORDER.indexOf(r.op.method) * 10 + (r.example.title.includes('MaximumSet') ? 1 : 0);
  return replays.sort((a, b) => rank(a) - rank(b));
}

/** Path parameters naming the seeded world's parents; leaf names (listener, token, ...) stay the example's. */
export function seededNames(seed: SeedInfo): Record<string, string> {
  return {
    subscriptionId: seed.subscriptionId,
    resourceGroupName: seed.resourceGroup,
    instanceName: seed.instanceName,
    brokerName: seed.brokerName,
    registryName: seed.registryName,
    clusterName: seed.clusterName,
    resourceName: seed.customLocationName,
  };
}

/** An ARM path from a template; parameters not in `values` get `fallback`. */
export function fillPath(path: string, values: Record<string, unknown>, fallback: string): string {
  return path.replace(/\{([^}]*)\}/g, (_, name: string) =>
    encodeURIComponent(String(values[name] ?? fallback)),
  );
}

export interface ReplayRequest {
  method: string;
  /** Path and query (api-version of the vendored spec). */
  url: string;
  body?: unknown;
}

/**
 * The request an example describes, moved into the seeded world: its subscription, resource group and parent
 * names become the seed's, in the URL and in ids inside the body (a token's scopeMapId, generateCredentials'
 * tokenId); the api-version is the vendored spec's (a few examples come from another api-version).
 */
export function replayRequest(r: Replay, seed: SeedInfo): ReplayRequest {
  const p = r.example.parameters;
  const names = seededNames(seed);
  const url = `${fillPath(r.op.path, { ...p, ...names }, 'missing')}?api-version=${r.op.apiVersion}`;
  const bodyParam = Object.values(p).find((v) => typeof v === 'object' && v !== null);
  if (bodyParam === undefined) return { method: r.op.method, url };
  const from = `/subscriptions/${String(p.subscriptionId)}/resourceGroups/${String(p.resourceGroupName)}`;
  const moved = JSON.stringify(bodyParam)
    .split(from)
    .join(seed.resourceGroupId)
    .replace(new RegExp(`/registries/${String(p.registryName)}/`, 'g'), `/registries/${seed.registryName}/`);
  return { method: r.op.method, url, body: JSON.parse(moved) };
}

/** The schema of an example's response `status` (the spec's `default` for an error status). */
export function responseSchema(index: SpecIndex, op: SpecOperation, status: number): SchemaAt | undefined {
  const responses = (op.operation.responses ?? {}) as Record<string, Json>;
  const r = responses[String(status)] ?? (status >= 400 ? responses.default : undefined);
  if (!r) return undefined;
  const { node, file } = index.deref(r, op.file);
  return node.schema ? { node: node.schema as Json, file } : undefined;
}

interface Props {
  props: Record<string, SchemaAt>;
  additional?: SchemaAt;
  items?: SchemaAt;
}

/** A schema's properties (through allOf), map values and array items. */
function propsOf(index: SpecIndex, at: SchemaAt | undefined, depth = 0): Props {
  if (!at || depth > 20) return { props: {} };
  const { node, file } = index.deref(at.node, at.file);
  const out: Props = { props: {} };
  for (const part of (node.allOf as Json[] | undefined) ?? []) {
    Object.assign(out.props, propsOf(index, { node: part, file }, depth + 1).props);
  }
  for (const [k, v] of Object.entries((node.properties as Record<string, Json> | undefined) ?? {})) {
    out.props[k] = { node: v, file };
  }
  if (typeof node.additionalProperties === 'object') {
    out.additional = { node: node.additionalProperties as Json, file };
  }
  if (node.items) out.items = { node: node.items as Json, file };
  return out;
}

/**
 * The property paths of a JSON value, e.g. `properties.ports[].tls.mode`; a map's keys read `*` (so two examples'
 * generated keys compare equal), and empty lists or objects add nothing (the services treat them as absent).
 */
export function shapeOf(index: SpecIndex, at: SchemaAt | undefined, value: unknown, path = ''): Set<string> {
  const out = new Set<string>();
  if (value === null || value === undefined) return out;
  const s = propsOf(index, at);
  if (Array.isArray(value)) {
    for (const v of value) for (const p of shapeOf(index, s.items, v, `${path}[]`)) out.add(p);
    return out;
  }
  if (typeof value !== 'object') {
    out.add(path);
    return out;
  }
  for (const [k, v] of Object.entries(value as Json)) {
    const known = s.props[k];
    const child = known
      ? `${path ? `${path}.` : ''}${k}`
      : `${path ? `${path}.` : ''}${s.additional ? '*' : k}`;
    for (const p of shapeOf(index, known ?? s.additional, v, child)) out.add(p);
  }
  return out;
}

export interface ShapeDiff {
  /** In the example's answer, not in ours. */
  missing: string[];
  /** In ours, not in the example's. */
  extra: string[];
}

export function shapeDiff(ours: Set<string>, theirs: Set<string>): ShapeDiff {
  return {
    missing: [...theirs].filter((p) => !ours.has(p)).sort(),
    extra: [...ours].filter((p) => !theirs.has(p)).sort(),
  };
}

/** Every leaf of a value with its exact path (`properties.ports[0].port`). */
export function leaves(value: unknown, path = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (Array.isArray(value)) {
    value.forEach((v, i) => leaves(v, `${path}[${i}]`).forEach((x, p) => out.set(p, x)));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Json)) {
      leaves(v, path ? `${path}.${k}` : k).forEach((x, p) => out.set(p, x));
    }
  } else out.set(path, value);
  return out;
}
