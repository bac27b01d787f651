// A fault plan declared outside the test process: a JSON or YAML file holding a list of rules,
//
//   - match: { method: GET, path: { regex: '/configmaps/' }, verb: get, resource: configmaps, times: 2 }
//     fault: { kind: status, status: 429, retryAfterSeconds: 1 }
//
// `path` is an exact path (compared case-insensitively, without the query) or `{regex, flags?}`; `times` is a
// positive number, `.inf` in YAML or "Infinity" in JSON. Every field is checked, and a bad one is reported with the
// file, the rule's index and the field's name.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { FAULT_ATTRIBUTES, FaultPlan, type Fault, type FaultMatch, type FaultRule } from './plan.js';

export class FaultPlanError extends Error {
  override name = 'FaultPlanError';
}

/** Reads and validates a plan file (`.json` is parsed as JSON, anything else as YAML). */
export function loadFaultPlan(path: string): FaultPlan {
  const text = readFileSync(path, 'utf8');
  let data: unknown;
  try {
    data = path.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new FaultPlanError(
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
  return new FaultPlan(parseFaultRules(data, path));
}

/** Validates plain data (parsed JSON/YAML) as a list of fault rules; `source` names it in errors. */
export function parseFaultRules(data: unknown, source = 'fault plan'): FaultRule[] {
  if (!Array.isArray(data))
    throw new FaultPlanError(`${source}: expected a list of rules, got ${typeName(data)}`);
  return data.map((entry, i) => {
    const at = `${source}: rule ${i}`;
    const r = record(entry, at);
    only(r, ['match', 'fault'], at);
    return { match: parseMatch(r.match ?? {}, `${at}: match`), fault: parseFault(r.fault, `${at}: fault`) };
  });
}

const MATCH_KEYS = ['method', 'path', 'times', ...FAULT_ATTRIBUTES];
const FAULT_FIELDS: Record<Fault['kind'], string[]> = {
  status: ['status', 'retryAfterSeconds', 'retryAfterMs', 'message', 'body', 'headers'],
  burst: ['status', 'count', 'retryAfterSeconds', 'retryAfterMs', 'message', 'body'],
  conflict: ['message', 'body'],
  drop: [],
  delay: ['ms'],
  'lro-failed': ['code', 'message'],
};

function parseMatch(value: unknown, at: string): FaultMatch {
  const m = record(value, at);
  only(m, MATCH_KEYS, at);
  const match: FaultMatch = {};
  if (m.method !== undefined) match.method = str(m.method, `${at}.method`);
  if (m.path !== undefined) match.path = parsePath(m.path, `${at}.path`);
  if (m.times !== undefined) {
    const times = m.times === 'Infinity' ? Infinity : m.times;
    if (typeof times !== 'number' || !(times > 0) || (Number.isFinite(times) && !Number.isInteger(times)))
      throw new FaultPlanError(`${at}.times: expected a positive integer or Infinity, got ${show(m.times)}`);
    match.times = times;
  }
  for (const a of FAULT_ATTRIBUTES) if (m[a] !== undefined) match[a] = str(m[a], `${at}.${a}`);
  return match;
}

function parsePath(value: unknown, at: string): string | RegExp {
  if (typeof value === 'string') return value;
  const p = record(value, `${at} (a string or {regex})`);
  only(p, ['regex', 'flags'], at);
  const source = str(p.regex, `${at}.regex`);
  const flags = p.flags === undefined ? '' : str(p.flags, `${at}.flags`);
  try {
    return new RegExp(source, flags);
  } catch (e) {
    throw new FaultPlanError(`${at}.regex: ${(e as Error).message}`);
  }
}

function parseFault(value: unknown, at: string): Fault {
  const f = record(value, at);
  const kind = f.kind;
  if (typeof kind !== 'string' || !(kind in FAULT_FIELDS))
    throw new FaultPlanError(
      `${at}.kind: expected one of ${Object.keys(FAULT_FIELDS).join(', ')}, got ${show(kind)}`,
    );
  only(f, ['kind', ...FAULT_FIELDS[kind as Fault['kind']]], `${at} (${kind})`);
  const opt = <T>(key: string, check: (v: unknown, at: string) => T): Record<string, T> =>
    f[key] === undefined ? {} : { [key]: check(f[key], `${at}.${key}`) };
  const retry = { ...opt('retryAfterSeconds', nonNegative), ...opt('retryAfterMs', nonNegative) };
  const extras = { ...opt('message', str), ...(f.body !== undefined ? { body: f.body } : {}) };
  switch (kind as Fault['kind']) {
    case 'status':
      return {
        kind: 'status',
        status: httpStatus(f.status, `${at}.status`),
        ...retry,
        ...extras,
        ...opt('headers', stringMap),
      };
    case 'burst':
      return {
        kind: 'burst',
        status: httpStatus(f.status, `${at}.status`),
        count: positiveInt(f.count, `${at}.count`),
        ...retry,
        ...extras,
      };
    case 'conflict':
      return { kind: 'conflict', ...extras };
    case 'drop':
      return { kind: 'drop' };
    case 'delay':
      return { kind: 'delay', ms: nonNegative(f.ms, `${at}.ms`) };
    case 'lro-failed':
      return {
        kind: 'lro-failed',
        code: str(f.code, `${at}.code`),
        message: str(f.message, `${at}.message`),
      };
  }
}

function record(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new FaultPlanError(`${at}: expected a mapping, got ${typeName(value)}`);
  return value as Record<string, unknown>;
}

function only(r: Record<string, unknown>, allowed: string[], at: string): void {
  const unknown = Object.keys(r).filter((k) => !allowed.includes(k));
  if (unknown.length)
    throw new FaultPlanError(`${at}: unknown field ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`);
}

function str(value: unknown, at: string): string {
  if (typeof value !== 'string' || value === '')
    throw new FaultPlanError(`${at}: expected a non-empty string, got ${show(value)}`);
  return value;
}

function nonNegative(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new FaultPlanError(`${at}: expected a number >= 0, got ${show(value)}`);
  return value;
}

function positiveInt(value: unknown, at: string): number {
  if (!Number.isInteger(value) || (value as number) <= 0)
    throw new FaultPlanError(`${at}: expected a positive integer, got ${show(value)}`);
  return value as number;
}

function httpStatus(value: unknown, at: string): number {
  if (!Number.isInteger(value) || (value as number) < 400 || (value as number) > 599)
    throw new FaultPlanError(`${at}: expected an HTTP error status (400-599), got ${show(value)}`);
  return value as number;
}

function stringMap(value: unknown, at: string): Record<string, string> {
  const r = record(value, at);
  for (const [k, v] of Object.entries(r)) str(v, `${at}.${k}`);
  return r as Record<string, string>;
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
}
