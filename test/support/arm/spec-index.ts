// The vendored OpenAPI specs read as plain JSON, for what oav does not do for us: the extensible-enum check
// (enums.ts), the schema defaults the services fill in on a PUT (defaults.ts), and the list of operations with
// their official examples (the replay test). Same files, same `$ref` resolution as oav's.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

export type Json = Record<string, unknown>;

export interface SpecOperation {
  /** The spec file (absolute). */
  file: string;
  apiVersion: string;
  operationId: string;
  /** Upper case. */
  method: string;
  /** The path template, e.g. `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/...`. */
  path: string;
  /** `x-ms-examples`: name → example file (absolute; see exampleFile for the vendored renames). */
  examples: Record<string, string>;
  operation: Json;
  pathItem: Json;
}

/** A schema node and the file its relative `$ref`s resolve against. */
export interface SchemaAt {
  node: Json;
  file: string;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'patch', 'delete', 'head']);

/**
 * Where an `x-ms-examples` entry lives. Examples taken from another api-version are vendored beside the others as
 * `<name>.<api-version>.json` (test/contracts/azure/manifest.json notes each), so a missing `<name>.json` falls back
 * to the single such file.
 */
export function exampleFile(specFile: string, ref: string): string {
  const exact = resolve(dirname(specFile), ref);
  if (existsSync(exact)) return exact;
  const dir = dirname(exact);
  const stem = basename(exact, '.json');
  const renamed = existsSync(dir)
    ? readdirSync(dir).filter((f) => f.startsWith(`${stem}.`) && f.endsWith('.json'))
    : [];
  return renamed.length === 1 ? join(dir, renamed[0]!) : exact;
}

/** The spec files under <specsDir>/specification (stable, no examples), indexed by api-version and operationId. */
export class SpecIndex {
  private readonly docs = new Map<string, Json>();
  private readonly byId = new Map<string, SpecOperation>();

  constructor(readonly specsDir: string) {
    const root = join(specsDir, 'specification');
    const files = (readdirSync(root, { recursive: true }) as string[])
      .map((f) => join(root, f))
      .filter(
        (f) =>
          f.endsWith('.json') && /[\\/]stable[\\/]/.test(f) && !/[\\/](examples|common-types)[\\/]/.test(f),
      );
    for (const file of files) this.indexFile(file);
  }

  private indexFile(file: string): void {
    const doc = this.load(file);
    const apiVersion = String((doc.info as Json | undefined)?.version ?? '');
    for (const [path, pathItem] of Object.entries((doc.paths as Record<string, Json>) ?? {})) {
      for (const [method, op] of Object.entries(pathItem)) {
        if (!HTTP_METHODS.has(method) || typeof op !== 'object' || op === null) continue;
        const operation = op as Json;
        const operationId = operation.operationId;
        if (typeof operationId !== 'string') continue;
        const refs = (operation['x-ms-examples'] as Record<string, { $ref: string }> | undefined) ?? {};
        const examples = Object.fromEntries(
          Object.entries(refs).map(([name, r]) => [name, exampleFile(file, r.$ref)]),
        );
        this.byId.set(key(apiVersion, operationId), {
          file,
          apiVersion,
          operationId,
          method: method.toUpperCase(),
          path,
          examples,
          operation,
          pathItem,
        });
      }
    }
  }

  /** Every operation of every indexed spec. */
  operations(): SpecOperation[] {
    return [...this.byId.values()];
  }

  operation(apiVersion: string, operationId: string): SpecOperation | undefined {
    return this.byId.get(key(apiVersion, operationId));
  }

  /** The schema of an operation's body parameter, if it has one. */
  bodySchema(apiVersion: string, operationId: string): SchemaAt | undefined {
    const op = this.operation(apiVersion, operationId);
    if (!op) return undefined;
    const params = [
      ...((op.pathItem.parameters as Json[] | undefined) ?? []),
      ...((op.operation.parameters as Json[] | undefined) ?? []),
    ];
    for (const p of params) {
      const { node, file } = this.deref(p, op.file);
      if (node.in === 'body' && node.schema) return { node: node.schema as Json, file };
    }
    return undefined;
  }

  load(file: string): Json {
    let doc = this.docs.get(file);
    if (!doc) {
      doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
      this.docs.set(file, doc);
    }
    return doc;
  }

  /** Follows `$ref`s (local or relative-file) until a node without one. */
  deref(node: Json, file: string): SchemaAt {
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
}

const key = (version: string, operationId: string) => `${version}|${operationId}`.toLowerCase();
