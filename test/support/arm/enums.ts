// oav lets any string through an enum marked `x-ms-enum: {modelAsString: true}` (an "extensible" enum: new values may
// appear in later api-versions). The services themselves reject values they do not know — IoT Operations' broker CRDs
// hold the same enums — so the stand-in checks those enums too, against the same spec files oav reads.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

type Json = Record<string, unknown>;

export interface EnumIssue {
  /** JSONPath-like location in the body, e.g. `properties.ports[1].protocol`. */
  path: string;
  value: string;
  allowed: string[];
}

interface OperationEntry {
  file: string;
  operation: Json;
  pathItem: Json;
}

/** The spec files under <specsDir>/specification (stable, no examples), indexed by api-version and operationId. */
export class SpecIndex {
  private readonly docs = new Map<string, Json>();
  private readonly operations = new Map<string, OperationEntry>();

  constructor(readonly specsDir: string) {
    const root = join(specsDir, 'specification');
    const files = (readdirSync(root, { recursive: true }) as string[])
      .map((f) => join(root, f))
      .filter(
        (f) =>
          f.endsWith('.json') && /[\\/]stable[\\/]/.test(f) && !/[\\/](examples|common-types)[\\/]/.test(f),
      );
    for (const file of files) {
      const doc = this.load(file);
      const version = String((doc.info as Json | undefined)?.version ?? '');
      for (const pathItem of Object.values((doc.paths as Record<string, Json>) ?? {})) {
        for (const [method, op] of Object.entries(pathItem)) {
          if (method === 'parameters' || typeof op !== 'object' || op === null) continue;
          const id = (op as Json).operationId;
          if (typeof id === 'string')
            this.operations.set(key(version, id), { file, operation: op as Json, pathItem });
        }
      }
    }
  }

  /** Enum violations of extensible enums in a request body. */
  checkRequestBody(apiVersion: string, operationId: string, body: unknown): EnumIssue[] {
    const entry = this.operations.get(key(apiVersion, operationId));
    if (!entry || body === undefined) return [];
    const params = [
      ...((entry.pathItem.parameters as Json[] | undefined) ?? []),
      ...((entry.operation.parameters as Json[] | undefined) ?? []),
    ];
    for (const p of params) {
      const { node, file } = this.deref(p, entry.file);
      if (node.in === 'body' && node.schema) {
        const issues: EnumIssue[] = [];
        this.walk(node.schema as Json, file, body, '', issues, 0);
        return issues;
      }
    }
    return [];
  }

  private load(file: string): Json {
    let doc = this.docs.get(file);
    if (!doc) {
      doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
      this.docs.set(file, doc);
    }
    return doc;
  }

  /** Follows `$ref`s (local or relative-file) until a node without one. */
  private deref(node: Json, file: string): { node: Json; file: string } {
    let current = node;
    let currentFile = file;
    for (let i = 0; i < 20 && typeof current.$ref === 'string'; i++) {
      const [target, pointer = ''] = (current.$ref as string).split('#');
      if (target) currentFile = resolve(dirname(currentFile), target);
      let resolved: unknown = this.load(currentFile);
      for (const part of pointer.split('/').filter(Boolean)) {
        resolved = (resolved as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
        if (resolved === undefined) {
          throw new Error(`unresolvable $ref ${String(current.$ref)} in ${relative(this.specsDir, file)}`);
        }
      }
      current = resolved as Json;
    }
    return { node: current, file: currentFile };
  }

  private walk(
    schemaIn: Json,
    fileIn: string,
    value: unknown,
    path: string,
    issues: EnumIssue[],
    depth: number,
  ): void {
    if (depth > 40 || value === undefined || value === null) return;
    const { node: schema, file } = this.deref(schemaIn, fileIn);
    if (schema.readOnly === true) return;
    for (const part of (schema.allOf as Json[] | undefined) ?? [])
      this.walk(part, file, value, path, issues, depth + 1);
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
        value.forEach((v, i) => this.walk(schema.items as Json, file, v, `${path}[${i}]`, issues, depth + 1));
      }
      return;
    }
    if (typeof value !== 'object') return;
    const props = (schema.properties as Record<string, Json> | undefined) ?? {};
    for (const [name, v] of Object.entries(value as Json)) {
      const sub = props[name];
      const childPath = path ? `${path}.${name}` : name;
      if (sub) this.walk(sub, file, v, childPath, issues, depth + 1);
      else if (typeof schema.additionalProperties === 'object') {
        this.walk(schema.additionalProperties as Json, file, v, childPath, issues, depth + 1);
      }
    }
  }
}

const key = (version: string, operationId: string) => `${version}|${operationId}`.toLowerCase();
