// Chart values that look secret never reach a plan or a log, pure. A key looks secret when one of its words (split
// at camelCase, '-', '_', '.') is a secret word: `adminPassword`, `api_key`, `tls.crt`. Whole words only, so
// `keep`, `monkey` or `keyboard` are not; a key whose last word only describes a secret (`secretName`,
// `passwordFile`, `keyAlgorithm`, `tokenTTL`) or names a Secret elsewhere (`existingSecret`, `imagePullSecrets`)
// is not either. Booleans and null are never secret (`automountServiceAccountToken: false` stays readable).

type Json = Record<string, unknown>;
export type ValuePath = readonly (string | number)[];

const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const SECRET_WORDS = new Set(
  [
    'password passwords passwd pwd passphrase secret secrets token tokens key keys credential credentials creds',
    'cert certs certificate certificates crt jwt apikey apitoken authtoken privatekey secretkey accesskey',
    'clientsecret',
  ]
    .join(' ')
    .split(' '),
);

/** A last word that describes or points at a secret rather than holding it. */
const META_WORDS = new Set(
  [
    'name names ref refs reference enabled enable create path file dir mount ttl length size bits type algorithm',
    'format namespace issuer duration expiry expiration policy manager id version provider mode selector rotation',
    'strategy url uri endpoint annotations labels seconds days',
  ]
    .join(' ')
    .split(' '),
);

/** Where a bare `key` is a label, a toleration or a key name in a Secret or ConfigMap, not a key. */
const KEY_NAME_CONTEXTS = new Set([
  'tolerations',
  'matchexpressions',
  'matchfields',
  'secretkeyref',
  'configmapkeyref',
  'items',
]);

/** `adminPassword` → admin, password; `TLSCert` → tls, cert; `api_key2` → api, key, 2. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])(\d)/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function looksSecret(key: string): boolean {
  const w = keyWords(key);
  const last = w.at(-1);
  if (last === undefined || META_WORDS.has(last) || w[0] === 'existing' || w.includes('pull')) return false;
  return w.some((x) => SECRET_WORDS.has(x));
}

/**
 * Whether the value at `path` holds a secret: its own key looks secret, or an enclosing key does and its own key
 * is not a describing one (`credentials.user` is, `token.ttl` is not); list items take their list's key.
 * `parent`, the mapping holding the value, catches an environment variable `{name: DB_PASSWORD, value: ...}`.
 */
export function isSecretPath(path: ValuePath, parent?: Json): boolean {
  const keys = path.filter((p): p is string => typeof p === 'string');
  const own = keys.at(-1);
  if (own === undefined) return false;
  const above = keys.slice(0, -1);
  if (own === 'value' && typeof parent?.['name'] === 'string' && looksSecret(parent['name'])) return true;
  if (own.toLowerCase() === 'key' && above.some((k) => KEY_NAME_CONTEXTS.has(k.toLowerCase()))) return false;
  if (looksSecret(own)) return true;
  const last = keyWords(own).at(-1);
  if (last !== undefined && META_WORDS.has(last)) return false;
  return above.some(looksSecret);
}

/** Strings and numbers can be secrets; booleans and null cannot. */
const hideable = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number';

const SECRET = '(secret)';

/** `v` (at `path`) with every secret leaf replaced by "(secret)". */
export function redactValue(v: unknown, path: ValuePath = [], parent?: Json): unknown {
  if (isMap(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactValue(x, [...path, k], v)]));
  if (Array.isArray(v)) return v.map((x, i) => redactValue(x, [...path, i], parent));
  return hideable(v) && isSecretPath(path, parent) ? SECRET : v;
}

const pathText = (path: ValuePath): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(root)';

function show(v: unknown, path: ValuePath, parent?: Json): string {
  if (v === undefined) return '(absent)';
  if (hideable(v) && isSecretPath(path, parent)) return SECRET;
  return JSON.stringify(redactValue(v, path, parent));
}

/**
 * One line per changed leaf, as util/json-diff.ts writes them (`a.b[0]: before -> after`), with secrets hidden:
 * a changed secret is `(secret, changed)`, an added or removed one `(absent) -> (secret)` and the reverse.
 */
export function redactedDiff(
  before: unknown,
  after: unknown,
  path: ValuePath = [],
  parents: [Json?, Json?] = [],
): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isMap(before) && isMap(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => redactedDiff(before[k], after[k], [...path, k], [before, after]));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    return Array.from({ length: n }, (_, i) =>
      redactedDiff(before[i], after[i], [...path, i], parents),
    ).flat();
  }
  const [b, a] = [show(before, path, parents[0]), show(after, path, parents[1])];
  if (b === SECRET && a === SECRET) return [`${pathText(path)}: (secret, changed)`];
  return [`${pathText(path)}: ${b} -> ${a}`];
}

/** The strings of a values mapping that sit under secret-looking keys: what a run masks in its logs. */
export function secretStrings(v: unknown, path: ValuePath = [], parent?: Json): string[] {
  if (isMap(v)) return Object.entries(v).flatMap(([k, x]) => secretStrings(x, [...path, k], v));
  if (Array.isArray(v)) return v.flatMap((x, i) => secretStrings(x, [...path, i], parent));
  return typeof v === 'string' && v !== '' && isSecretPath(path, parent) ? [v] : [];
}
