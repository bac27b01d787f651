// Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors (=, ==, !=) of list and watch.
import { badRequest } from './status.js';
import type { KubeObject } from './types.js';

type Requirement =
  { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | '!exists' };

export type Matcher = (obj: KubeObject) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

function parseLabelSelector(selector: string): Requirement[] {
  return splitTop(selector).map((term): Requirement => {
    let m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      return { key: m[1]!, op: m[2] as 'in' | 'notin', values };
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) return { key: m[1]!, op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] };
    m = /^!\s*([^=!\s]+)$/.exec(term);
    if (m) return { key: m[1]!, op: '!exists' };
    if (/^[^=!\s(),]+$/.test(term)) return { key: term, op: 'exists' };
    throw badRequest(`unable to parse requirement: found '${term}', expected: valid label selector`);
  });
}

export function labelMatcher(selector: string | null | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = parseLabelSelector(selector);
  return (obj) => {
    const labels = obj.metadata.labels ?? {};
    return reqs.every((r) => {
      const has = Object.hasOwn(labels, r.key);
      switch (r.op) {
        case 'exists':
          return has;
        case '!exists':
          return !has;
        case 'in':
          return has && r.values.includes(labels[r.key]!);
        case 'notin':
          return !has || !r.values.includes(labels[r.key]!);
      }
    });
  };
}

/** Matches a label map (e.g. a Service or ReplicaSet selector) against labels. */
export function selectorMatches(
  selector: Record<string, string>,
  labels: Record<string, string> | undefined,
) {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return String(cur);
}

export function fieldMatcher(selector: string | null | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = selector
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((term) => {
      const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
      if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
      return { path: m[1]!.trim(), negate: m[2] === '!=', value: m[3]!.trim() };
    });
  return (obj) => reqs.every((r) => (fieldValue(obj, r.path) === r.value) !== r.negate);
}
