// The GitHub REST stand-in's contract: the operations it serves, checked against GitHub's published OpenAPI
// description (the vendored subset in test/contracts/github, see its README). Requests are matched to an
// operation by method and path template, then their path and query parameters and JSON body are validated;
// answers are validated against the operation's documented response for that status.
//
// The validator implements the OpenAPI 3.0 Schema Object keywords the subset uses and fails closed: a keyword it
// does not know throws (naming it and where), so a schema can never pass for lack of support.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repo-root.js';

export const GITHUB_CONTRACT = 'test/contracts/github/specification/api.github.com.2022-11-28.issues.json';

export interface ContractIssue {
  /** Where in the message: `query.per_page`, `body.labels[0]`, `body` (the whole body). */
  path: string;
  message: string;
}

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
}

interface Parameter {
  $ref?: string;
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

interface MediaTypes {
  [type: string]: { schema: Schema };
}

interface Response {
  $ref?: string;
  description: string;
  content?: MediaTypes;
  headers?: Record<string, { $ref?: string; schema: Schema }>;
}

interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: MediaTypes };
  responses: Record<string, Response>;
}

interface Description {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}

/** Keywords that only annotate: accepted, never checked. */
const ANNOTATIONS = new Set(['default', 'readOnly', 'deprecated']);
const CHECKED = new Set([
  '$ref',
  'type',
  'format',
  'nullable',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'allOf',
  'anyOf',
  'oneOf',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
]);

const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isAbsoluteUri(s: string): boolean {
  try {
    return new URL(s).protocol.length > 1;
  } catch {
    return false;
  }
}

/** The formats GitHub's description uses that say something checkable; others (int64, ...) only annotate. */
function formatProblem(format: string, v: unknown): string | undefined {
  if (typeof v === 'string' && format === 'date-time' && !DATE_TIME.test(v))
    return `is not an RFC 3339 date-time: ${JSON.stringify(v)}`;
  if (typeof v === 'string' && format === 'uri' && !isAbsoluteUri(v))
    return `is not an absolute URI: ${JSON.stringify(v)}`;
  if (typeof v === 'number' && format === 'int32' && (v < -(2 ** 31) || v >= 2 ** 31))
    return `is out of int32 range: ${v}`;
  return undefined;
}

export class GithubContract {
  private readonly doc: Description;
  private readonly routes: Array<{ template: string; re: RegExp; names: string[] }>;

  constructor(file = join(repoRoot(), GITHUB_CONTRACT)) {
    this.doc = JSON.parse(readFileSync(file, 'utf8')) as Description;
    this.routes = Object.keys(this.doc.paths).map((template) => {
      const names: string[] = [];
      const re = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, n: string) => {
        names.push(n);
        return '([^/]+)';
      });
      return { template, re: new RegExp(`^${re}$`), names };
    });
  }

  /** The operations described, as `METHOD /path` → operationId. */
  operations(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [path, item] of Object.entries(this.doc.paths))
      for (const [method, op] of Object.entries(item))
        out[`${method.toUpperCase()} ${path}`] = op.operationId;
    return out;
  }

  match(
    method: string,
    pathname: string,
  ): { operationId: string; op: Operation; params: Record<string, string> } | undefined {
    for (const r of this.routes) {
      const m = r.re.exec(pathname);
      const op = m && this.doc.paths[r.template]![method.toLowerCase()];
      if (!m || !op) continue;
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      return { operationId: op.operationId, op, params };
    }
    return undefined;
  }

  /** Validates a request; `undefined` operationId: no described operation has this method and path. */
  validateRequest(req: { method: string; pathname: string; query: URLSearchParams; body?: unknown }): {
    operationId?: string;
    issues: ContractIssue[];
  } {
    const m = this.match(req.method, req.pathname);
    if (!m) return { issues: [] };
    const issues: ContractIssue[] = [];
    for (const p of (m.op.parameters ?? []).map((x) => this.deref<Parameter>(x))) {
      const raw = p.in === 'path' ? m.params[p.name] : p.in === 'query' ? req.query.get(p.name) : undefined;
      if (raw === undefined || raw === null) {
        if (p.required) issues.push({ path: `${p.in}.${p.name}`, message: 'is required' });
        continue;
      }
      issues.push(...this.validate(p.schema, coerce(raw, this.resolve(p.schema)), `${p.in}.${p.name}`));
    }
    const rb = m.op.requestBody;
    if (req.body === undefined) {
      if (rb?.required) issues.push({ path: 'body', message: 'is required' });
    } else if (!rb) issues.push({ path: 'body', message: `${m.operationId} takes no body` });
    else issues.push(...this.validate(rb.content['application/json']!.schema, req.body, 'body'));
    return { operationId: m.operationId, issues };
  }

  /**
   * Validates an answer against the operation's documented response for its status. Statuses GitHub gives to any
   * operation but documents on few (401 bad credentials, 403/429 rate limits, 5xx) are checked against basic-error.
   */
  validateResponse(res: {
    method: string;
    pathname: string;
    status: number;
    headers: Record<string, string>;
    body?: unknown;
  }): ContractIssue[] {
    const m = this.match(res.method, res.pathname);
    if (!m) return [];
    const declared = m.op.responses[String(res.status)] ?? m.op.responses['default'];
    const generic = [401, 403, 429].includes(res.status) || res.status >= 500;
    if (!declared && !generic)
      return [{ path: 'status', message: `${res.status} is not a documented answer of ${m.operationId}` }];
    const r = declared
      ? this.deref<Response>(declared)
      : {
          description: '',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/basic-error' } } },
        };
    const issues: ContractIssue[] = [];
    const schema = r.content?.['application/json']?.schema;
    if (schema) issues.push(...this.validate(schema, res.body, 'body'));
    else if (res.body !== undefined)
      issues.push({ path: 'body', message: `${res.status} has no documented body` });
    for (const [name, h] of Object.entries(r.headers ?? {})) {
      const value = res.headers[name.toLowerCase()];
      if (value !== undefined)
        issues.push(...this.validate(this.deref<{ schema: Schema }>(h).schema, value, `header.${name}`));
    }
    return issues;
  }

  /** Validates `v` against `s` (OpenAPI 3.0 Schema Object); throws for a keyword it does not implement. */
  validate(s: Schema, v: unknown, path: string): ContractIssue[] {
    const schema = this.resolve(s);
    for (const k of Object.keys(schema))
      if (!CHECKED.has(k) && !ANNOTATIONS.has(k))
        throw new Error(
          `GitHub contract: schema keyword '${k}' at ${path} is not implemented by the validator`,
        );
    if (v === null && schema.nullable) return [];
    const out: ContractIssue[] = [];
    const issue = (message: string, at = path) => out.push({ path: at, message });
    if (schema.type && !typeMatches(schema.type, v)) {
      issue(`is ${typeOf(v)}, expected ${schema.type}${schema.nullable ? ' or null' : ''}`);
      return out;
    }
    if (!schema.type && v === null && !schema.allOf && !schema.anyOf && !schema.oneOf) {
      issue('is null, which the schema does not allow');
      return out;
    }
    if (schema.enum && !schema.enum.some((e) => e === v))
      issue(`is ${JSON.stringify(v)}, not one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
    const f = schema.format ? formatProblem(schema.format, v) : undefined;
    if (f) issue(f);
    this.bounds(schema, v, issue);
    if (Array.isArray(v) && schema.items)
      v.forEach((x, i) => out.push(...this.validate(schema.items!, x, `${path}[${i}]`)));
    if (typeOf(v) === 'object') out.push(...this.object(schema, v as Record<string, unknown>, path));
    out.push(...this.combinators(schema, v, path));
    return out;
  }

  private bounds(s: Schema, v: unknown, issue: (m: string) => void): void {
    if (typeof v === 'number') {
      if (s.minimum !== undefined && v < s.minimum) issue(`is ${v}, less than ${s.minimum}`);
      if (s.maximum !== undefined && v > s.maximum) issue(`is ${v}, more than ${s.maximum}`);
    }
    if (typeof v === 'string') {
      if (s.minLength !== undefined && v.length < s.minLength) issue(`is shorter than ${s.minLength}`);
      if (s.maxLength !== undefined && v.length > s.maxLength) issue(`is longer than ${s.maxLength}`);
    }
    if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < s.minItems) issue(`has fewer than ${s.minItems} items`);
      if (s.maxItems !== undefined && v.length > s.maxItems) issue(`has more than ${s.maxItems} items`);
    }
  }

  private object(s: Schema, v: Record<string, unknown>, path: string): ContractIssue[] {
    const out: ContractIssue[] = [];
    for (const k of s.required ?? [])
      if (!(k in v)) out.push({ path: `${path}.${k}`, message: 'is required' });
    for (const [k, x] of Object.entries(v)) {
      const prop = s.properties?.[k];
      if (prop) out.push(...this.validate(prop, x, `${path}.${k}`));
      else if (s.additionalProperties === false)
        out.push({ path: `${path}.${k}`, message: 'is not a property the schema allows' });
      else if (typeof s.additionalProperties === 'object')
        out.push(...this.validate(s.additionalProperties, x, `${path}.${k}`));
    }
    return out;
  }

  private combinators(s: Schema, v: unknown, path: string): ContractIssue[] {
    const out: ContractIssue[] = [];
    for (const sub of s.allOf ?? []) out.push(...this.validate(sub, v, path));
    if (s.anyOf && !s.anyOf.some((sub) => this.validate(sub, v, path).length === 0))
      out.push({ path, message: `matches none of the ${s.anyOf.length} anyOf schemas` });
    if (s.oneOf) {
      const n = s.oneOf.filter((sub) => this.validate(sub, v, path).length === 0).length;
      if (n !== 1) out.push({ path, message: `matches ${n} of the oneOf schemas, not exactly one` });
    }
    return out;
  }

  private resolve(s: Schema): Schema {
    let cur = s;
    while (cur.$ref) cur = this.deref<Schema>(cur);
    return cur;
  }

  private deref<T>(x: T | { $ref?: string }): T {
    const ref = (x as { $ref?: string }).$ref;
    if (!ref) return x as T;
    const [, , kind, name] = ref.split('/');
    const target = this.doc.components[kind!]?.[name!];
    if (!target) throw new Error(`GitHub contract: unresolved $ref ${ref}`);
    return this.deref(target as T);
  }
}

function typeMatches(type: string, v: unknown): boolean {
  if (type === 'integer') return typeof v === 'number' && Number.isInteger(v);
  return typeOf(v) === type;
}

/** A path or query value as the type its schema wants (parameters arrive as strings). */
function coerce(raw: string, s: Schema): unknown {
  if (s.type === 'integer' || s.type === 'number') return raw.trim() === '' ? raw : Number(raw);
  if (s.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

let shared: GithubContract | undefined;
/** The vendored contract, loaded once per process. */
export const githubContract = (): GithubContract => (shared ??= new GithubContract());
