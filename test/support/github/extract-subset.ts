// How test/contracts/github's subset of GitHub's OpenAPI description is made from the whole description (see the
// README there): the operations the GitHub stand-in serves, every component they reach through $ref, and of each
// object only what validation uses (descriptions, titles, examples and x-* extensions are left out; every type,
// format, enum, nullable, required and combinator stays as published).
//
//   node scripts/run-ts.ts test/support/github/extract-subset.ts <api.github.com.2022-11-28.json> [--check]
//
// writes the subset to its vendored path, or with --check compares it (as JSON values) with the vendored file.
import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../repo-root.js';
import { GITHUB_CONTRACT } from './openapi.js';

type Json = Record<string, unknown>;

/** The operations check-certs' GitHub issue uses (path -> methods). */
export const SUBSET_OPERATIONS: Record<string, string[]> = {
  '/repos/{owner}/{repo}/issues': ['get', 'post'],
  '/repos/{owner}/{repo}/issues/{issue_number}': ['get', 'patch'],
  '/repos/{owner}/{repo}/issues/{issue_number}/comments': ['get', 'post'],
};

const DROPPED = new Set(['description', 'summary', 'title', 'example', 'examples', 'externalDocs', 'tags']);

/** A Schema Object without annotations; property names are kept whatever they are called. */
function schema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(schema);
  if (!s || typeof s !== 'object') return s;
  const out: Json = {};
  for (const [k, v] of Object.entries(s as Json)) {
    if (DROPPED.has(k) || k.startsWith('x-')) continue;
    if (k === 'properties') {
      out[k] = Object.fromEntries(Object.entries(v as Json).map(([name, p]) => [name, schema(p)]));
    } else if (k === 'enum' || k === 'required' || k === 'default') out[k] = v;
    else out[k] = schema(v);
  }
  return out;
}

const pick = (o: Json, keys: string[]): Json =>
  Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

const content = (c: Json | undefined): Json | undefined =>
  c &&
  Object.fromEntries(Object.entries(c).map(([type, m]) => [type, { schema: schema((m as Json)['schema']) }]));

function parameter(p: Json): Json {
  return p['$ref'] ? p : { ...pick(p, ['name', 'in', 'required']), schema: schema(p['schema']) };
}

function header(h: Json): Json {
  return h['$ref'] ? h : { schema: schema(h['schema']) };
}

function response(r: Json): Json {
  if (r['$ref']) return r;
  const headers = r['headers'] as Record<string, Json> | undefined;
  return {
    description: r['description'],
    ...(r['content'] ? { content: content(r['content'] as Json) } : {}),
    ...(headers
      ? { headers: Object.fromEntries(Object.entries(headers).map(([n, h]) => [n, header(h)])) }
      : {}),
  };
}

function operation(op: Json): Json {
  const body = op['requestBody'] as Json | undefined;
  const responses = op['responses'] as Record<string, Json>;
  return {
    operationId: op['operationId'],
    ...(op['parameters'] ? { parameters: (op['parameters'] as Json[]).map(parameter) } : {}),
    ...(body
      ? { requestBody: { ...pick(body, ['required']), content: content(body['content'] as Json) } }
      : {}),
    responses: Object.fromEntries(Object.entries(responses).map(([code, r]) => [code, response(r)])),
  };
}

const CLEAN: Record<string, (x: Json) => unknown> = {
  schemas: schema,
  responses: response,
  parameters: parameter,
  headers: header,
};

/** The subset of a whole description: the operations, then every component they reach, in upstream order. */
export function extractSubset(full: Json): Json {
  const paths: Record<string, Json> = {};
  for (const [path, methods] of Object.entries(SUBSET_OPERATIONS)) {
    const item = (full['paths'] as Record<string, Json>)[path]!;
    paths[path] = Object.fromEntries(methods.map((m) => [m, operation(item[m] as Json)]));
  }
  const all = full['components'] as Record<string, Json>;
  const reached = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const ref = (v as Json)['$ref'];
      if (typeof ref === 'string' && !reached.has(ref)) {
        reached.add(ref);
        const [, , kind, name] = ref.split('/');
        visit(CLEAN[kind!]!(all[kind!]![name!] as Json));
      }
      Object.values(v).forEach(visit);
    }
  };
  visit(paths);
  const components: Record<string, Json> = {};
  for (const kind of Object.keys(CLEAN)) {
    const names = Object.keys(all[kind] ?? {}).filter((n) => reached.has(`#/components/${kind}/${n}`));
    if (names.length > 0)
      components[kind] = Object.fromEntries(names.map((n) => [n, CLEAN[kind]!(all[kind]![n] as Json)]));
  }
  const info = full['info'] as Json;
  return {
    openapi: full['openapi'],
    info: pick(info, ['version', 'title', 'license']),
    servers: full['servers'],
    paths,
    components,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url) || process.argv[1]?.endsWith('extract-subset.ts')) {
  const [source, flag] = process.argv.slice(2);
  if (!source) {
    console.error('usage: extract-subset.ts <api.github.com.2022-11-28.json> [--check]');
    process.exit(2);
  }
  const subset = extractSubset(JSON.parse(readFileSync(source, 'utf8')) as Json);
  const target = join(repoRoot(), GITHUB_CONTRACT);
  if (flag === '--check') {
    const same = isDeepStrictEqual(subset, JSON.parse(readFileSync(target, 'utf8')));
    console.log(same ? `${GITHUB_CONTRACT} matches ${source}` : `${GITHUB_CONTRACT} differs from ${source}`);
    process.exitCode = same ? 0 : 1;
  } else {
    writeFileSync(target, `${JSON.stringify(subset, null, 2)}\n`);
    console.log(`wrote ${GITHUB_CONTRACT}: run prettier on it, then update manifest.json's sha256`);
  }
}
