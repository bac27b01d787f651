// Server-side defaults: what a resource provider stores for a PUT is the body with the schema's `default`s filled in
// where a property is absent (a listener port without `protocol` comes back as `Mqtt`, an authorization without
// `cache` as `Enabled`, a rule's `clientIds` as `[]`), so a GET returns more than the client sent. As with
// Kubernetes structural defaulting, defaults go into objects the body has; an absent object stays absent. Read-only
// properties are the service's own and are not defaulted here.
import type { Json, SpecIndex } from './spec-index.js';

/** A copy of `body` with the defaults of the operation's body schema filled in. */
export function withSpecDefaults(
  index: SpecIndex,
  apiVersion: string,
  operationId: string,
  body: unknown,
): unknown {
  const schema = index.bodySchema(apiVersion, operationId);
  if (!schema || body === null || typeof body !== 'object') return body;
  const copy = structuredClone(body);
  fill(index, schema.node, schema.file, copy, 0);
  return copy;
}

function fill(index: SpecIndex, schemaIn: Json, fileIn: string, value: unknown, depth: number): void {
  if (depth > 40 || value === null || typeof value !== 'object') return;
  const { node: schema, file } = index.deref(schemaIn, fileIn);
  for (const part of (schema.allOf as Json[] | undefined) ?? []) fill(index, part, file, value, depth + 1);
  if (Array.isArray(value)) {
    if (schema.items) for (const v of value) fill(index, schema.items as Json, file, v, depth + 1);
    return;
  }
  const obj = value as Json;
  for (const [name, sub] of Object.entries((schema.properties as Record<string, Json> | undefined) ?? {})) {
    if (obj[name] === undefined) {
      const d = defaultOf(index, sub, file);
      if (d !== undefined) obj[name] = structuredClone(d);
    } else fill(index, sub, file, obj[name], depth + 1);
  }
  if (typeof schema.additionalProperties === 'object') {
    for (const [name, v] of Object.entries(obj)) {
      if (!(name in ((schema.properties as Json | undefined) ?? {}))) {
        fill(index, schema.additionalProperties as Json, file, v, depth + 1);
      }
    }
  }
}

/** The `default` of a writable property, on the property itself or on the schema it refers to. */
function defaultOf(index: SpecIndex, prop: Json, file: string): unknown {
  if (prop.readOnly === true) return undefined;
  if ('default' in prop) return prop.default;
  const { node } = index.deref(prop, file);
  return node.readOnly === true ? undefined : node.default;
}
