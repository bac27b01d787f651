// A readable diff of two JSON values, one line per changed leaf path: what plan mode prints.

const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v));

export function jsonDiff(before: unknown, after: unknown, path = ''): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => jsonDiff(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    return Array.from({ length: n }, (_, i) => jsonDiff(before[i], after[i], `${path}[${i}]`)).flat();
  }
  return [`${path || '(root)'}: ${show(before)} -> ${show(after)}`];
}
