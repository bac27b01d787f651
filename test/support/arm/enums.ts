// oav lets any string through an enum marked `x-ms-enum: {modelAsString: true}` (an "extensible" enum: new values may
// appear in later api-versions). The services themselves reject values they do not know — IoT Operations' broker CRDs
// hold the same enums — so the stand-in checks those enums too, against the same spec files oav reads.
import type { Json, SpecIndex } from './spec-index.js';

export interface EnumIssue {
  /** JSONPath-like location in the body, e.g. `properties.ports[1].protocol`. */
  path: string;
  value: string;
  allowed: string[];
}

/** Enum violations of extensible enums in a request body. */
export function enumIssues(
  index: SpecIndex,
  apiVersion: string,
  operationId: string,
  body: unknown,
): EnumIssue[] {
  const schema = index.bodySchema(apiVersion, operationId);
  if (!schema || body === undefined) return [];
  const issues: EnumIssue[] = [];
  walk(index, schema.node, schema.file, body, '', issues, 0);
  return issues;
}

function walk(
  index: SpecIndex,
  schemaIn: Json,
  fileIn: string,
  value: unknown,
  path: string,
  issues: EnumIssue[],
  depth: number,
): void {
  if (depth > 40 || value === undefined || value === null) return;
  const { node: schema, file } = index.deref(schemaIn, fileIn);
  if (schema.readOnly === true) return;
  for (const part of (schema.allOf as Json[] | undefined) ?? [])
    walk(index, part, file, value, path, issues, depth + 1);
  const xmsEnum = schema['x-ms-enum'] as Json | undefined;
  if (Array.isArray(schema.enum) && typeof value === 'string' && xmsEnum?.modelAsString === true) {
    const allowed = schema.enum.map(String);
    // A case-only mismatch is reported by oav itself (ENUM_CASE_MISMATCH).
    if (!allowed.some((a) => a.toLowerCase() === value.toLowerCase())) {
      issues.push({ path: path || '(body)', value, allowed });
    }
  }
  if (Array.isArray(value)) {
    if (schema.items) {
      value.forEach((v, i) => walk(index, schema.items as Json, file, v, `${path}[${i}]`, issues, depth + 1));
    }
    return;
  }
  if (typeof value !== 'object') return;
  const props = (schema.properties as Record<string, Json> | undefined) ?? {};
  for (const [name, v] of Object.entries(value as Json)) {
    const sub = props[name];
    const childPath = path ? `${path}.${name}` : name;
    if (sub) walk(index, sub, file, v, childPath, issues, depth + 1);
    else if (typeof schema.additionalProperties === 'object') {
      walk(index, schema.additionalProperties as Json, file, v, childPath, issues, depth + 1);
    }
  }
}
