// Structural-schema handling of the AIO custom resources, as apiextensions-apiserver does it for CRDs: unknown
// fields are pruned (and, with ?fieldValidation=Strict, refused; with Warn, the default, reported as warnings),
// defaults are applied, and the result is validated with the API server's wording (422 Invalid with causes).
// The schemas are the generated CRDs (aio-crds.generated.json, from scripts/gen-aio-crds.ts).
import generated from './aio-crds.generated.json' with { type: 'json' };
import { CERT_MANAGER_CRDS } from './cert-manager-crd.js';
import type { ResourceType } from './resources.js';
import { ApiError, badRequest, invalid, type StatusCause } from './status.js';
import { clone, deepEqual, isPlainObject, type KubeObject } from './types.js';

export interface Schema {
  description?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

export interface Crd {
  metadata: { name: string };
  spec: {
    group: string;
    names: { plural: string; singular: string; kind: string; listKind: string };
    versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }>;
  };
}

export const AIO_CRDS: readonly Crd[] = generated as unknown as Crd[];

/** The openAPIV3Schema of a custom resource type, when it has a CRD (the AIO kinds, cert-manager's Certificate). */
export function crdSchema(r: Pick<ResourceType, 'group' | 'version' | 'kind'>): Schema | undefined {
  const crd = [...AIO_CRDS, ...CERT_MANAGER_CRDS].find(
    (c) => c.spec.group === r.group && c.spec.names.kind === r.kind,
  );
  return crd?.spec.versions.find((v) => v.name === r.version)?.schema.openAPIV3Schema;
}

/** How a write was sent: the wording of a strict-decoding failure depends on it. */
export type WriteKind = 'body' | 'patch' | 'apply';

export interface FieldValidationOptions {
  /** The request's ?fieldValidation (Strict, Warn, Ignore); the server's default is Warn. */
  fieldValidation?: string;
  /** Adds a Warning header to the response (Warn). */
  warn?: (message: string) => void;
}

// --- pruning -----------------------------------------------------------------------------------------------

/** Removes what the schema does not declare; returns the removed fields' paths (`spec.ports[0].foo`). */
export function prune(schema: Schema, value: unknown, path = '', root = true): string[] {
  const out: string[] = [];
  if (schema['x-kubernetes-preserve-unknown-fields']) return out;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => out.push(...prune(schema.items!, v, `${path}[${i}]`, false)));
    return out;
  }
  if (!isPlainObject(value)) return out;
  for (const key of Object.keys(value)) {
    const child = path ? `${path}.${key}` : key;
    const prop = schema.properties?.[key] ?? schema.additionalProperties;
    if (root && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
    if (!prop) {
      delete value[key];
      out.push(child);
      continue;
    }
    out.push(...prune(prop, value[key], child, false));
  }
  return out;
}

// --- defaulting --------------------------------------------------------------------------------------------

/** Structural defaulting: missing (or null, when not nullable) fields with a default get it, top down. */
export function applySchemaDefaults(schema: Schema, value: unknown): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const v of value) applySchemaDefaults(schema.items, v);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (value[key] === null && !prop.nullable) {
      if (prop.default !== undefined) value[key] = clone(prop.default);
      else delete value[key];
    } else if (value[key] === undefined && prop.default !== undefined) {
      value[key] = clone(prop.default);
    }
    if (value[key] !== undefined) applySchemaDefaults(prop, value[key]);
  }
  if (schema.additionalProperties && !schema.properties) {
    for (const v of Object.values(value)) applySchemaDefaults(schema.additionalProperties, v);
  }
}

// --- validation --------------------------------------------------------------------------------------------

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** field.Error's rendering of a bad value: strings quoted, numbers and booleans bare. */
function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '"null"';
  return JSON.stringify(v);
}

function invalidValue(field: string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${showValue(value)}: ${detail}`, field };
}

/** Validates like kube-openapi's validator as apiextensions-apiserver words its results. */
export function validateSchema(schema: Schema, value: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.type) return causes;
  const actual = typeOf(value);
  if (value === null && schema.nullable) return causes;
  if (schema.type && actual !== schema.type && !(schema.type === 'number' && actual === 'integer')) {
    causes.push({
      reason: 'FieldValueTypeInvalid',
      message: `Invalid value: ${JSON.stringify(actual)}: ${path} in body must be of type ${schema.type}: ${JSON.stringify(actual)}`,
      field: path,
    });
    return causes;
  }
  if (schema.enum && !schema.enum.some((e) => deepEqual(e, value))) {
    const supported = schema.enum.map((e) => JSON.stringify(e)).join(', ');
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${showValue(value)}: supported values: ${supported}`,
      field: path,
    });
  }
  if (typeof value === 'number') {
    const { minimum: min, maximum: max } = schema;
    if (max !== undefined && (schema.exclusiveMaximum ? value >= max : value > max)) {
      const rel = schema.exclusiveMaximum ? 'less than' : 'less than or equal to';
      causes.push(invalidValue(path, value, `${path} in body should be ${rel} ${max}`));
    }
    if (min !== undefined && (schema.exclusiveMinimum ? value <= min : value < min)) {
      const rel = schema.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
      causes.push(invalidValue(path, value, `${path} in body should be ${rel} ${min}`));
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      causes.push({
        reason: 'FieldValueTooLong',
        message: `Too long: may not be more than ${schema.maxLength} bytes`,
        field: path,
      });
    }
    if (schema.minLength !== undefined && length < schema.minLength) {
      causes.push(
        invalidValue(path, value, `${path} in body should be at least ${schema.minLength} chars long`),
      );
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      causes.push(invalidValue(path, value, `${path} in body should match '${schema.pattern}'`));
    }
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      causes.push({
        reason: 'FieldValueTooMany',
        message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
        field: path,
      });
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      causes.push(invalidValue(path, value, `${path} in body should have at least ${schema.minItems} items`));
    }
    if (schema.items)
      value.forEach((v, i) => causes.push(...validateSchema(schema.items!, v, `${path}[${i}]`)));
  }
  if (isPlainObject(value)) {
    for (const key of schema.required ?? []) {
      if (value[key] === undefined) {
        causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${path}.${key}` });
      }
    }
    for (const [key, v] of Object.entries(value)) {
      const prop = schema.properties?.[key] ?? schema.additionalProperties;
      if (prop) causes.push(...validateSchema(prop, v, `${path}.${key}`));
    }
  }
  return causes;
}

// --- the hooks api.ts calls --------------------------------------------------------------------------------

/** A non-Status error as the API server renders it: 500, no reason (kubectl: `Error from server: ...`). */
class UnknownError extends ApiError {
  constructor(message: string) {
    super(500, '', message);
  }

  override toStatus(): Record<string, unknown> {
    const { reason: _r, ...rest } = super.toStatus();
    return rest;
  }
}

/**
 * Decoding a custom resource from a request: prunes unknown fields; with fieldValidation=Strict refuses them in
 * the wording of the request's kind (`body`: POST/PUT, `patch`: merge/JSON patch), with Warn (the default)
 * records a warning per field. `apply` (server-side apply) always refuses them, as structured-merge-diff does.
 */
export function decodeCustomResource(
  r: ResourceType,
  o: KubeObject,
  how: WriteKind,
  opts: FieldValidationOptions,
): void {
  const schema = crdSchema(r);
  if (!schema) return;
  const before = how === 'patch' ? JSON.stringify(o) : '';
  const unknown = prune(schema, o);
  if (unknown.length === 0) return;
  if (how === 'apply') {
    const errors = unknown.map((p) => `.${p}: field not declared in schema`);
    const ns = o.metadata.namespace ?? '';
    const what = `${ns}/${o.metadata.name ?? ''}; ${r.group}/${r.version}, Kind=${r.kind}`;
    throw new UnknownError(
      `failed to create typed patch object (${what}): ${errors.length === 1 ? errors[0]! : `errors:\n  ${errors.join('\n  ')}`}`,
    );
  }
  const directive = opts.fieldValidation || 'Warn';
  const strictErrors = unknown.map((p) => `unknown field ${JSON.stringify(p)}`);
  if (directive === 'Warn') {
    for (const w of strictErrors) opts.warn?.(w);
    return;
  }
  if (directive !== 'Strict') return;
  const strict = `strict decoding error: ${strictErrors.join(', ')}`;
  if (how === 'body') {
    throw badRequest(
      `${r.kind} in version ${JSON.stringify(r.version)} cannot be handled as a ${r.kind}: ${strict}`,
    );
  }
  throw invalid('', '', '', [
    {
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(before)}: ${strict}`,
      field: 'patch',
    },
  ]);
}

/** Defaults and validates a custom resource against its schema; throws 422 Invalid with the causes. */
export function admitCustomResource(r: ResourceType, o: KubeObject): void {
  const schema = crdSchema(r);
  if (!schema) return;
  applySchemaDefaults(schema, o);
  const causes: StatusCause[] = [];
  for (const key of ['spec', 'status']) {
    const prop = schema.properties?.[key];
    if (prop && o[key] !== undefined) causes.push(...validateSchema(prop, o[key], key));
  }
  if (causes.length > 0) throw invalid(r.kind, r.group, o.metadata.name ?? '', causes);
}
