// Which parts of a kubeconfig are secret, found without parsing it (a malformed file must be masked too) and
// cheap enough for the cold-start path (no YAML library). Pure.

/** Keys whose values are credentials, wherever they appear (user, auth-provider config, exec env). */
const SECRET_KEYS = [
  'token',
  'password',
  'client-key-data',
  'id-token',
  'refresh-token',
  'access-token',
  'client-secret',
];

/** Shorter values are left alone: masking them would blank out ordinary words in every log line. */
const MIN_SECRET_LENGTH = 6;

const KEY_LINE = new RegExp(
  // key, optionally quoted (YAML or JSON), then the value: "double", 'single' or bare up to a separator
  `(?:^|[\\s{,])["']?(?:${SECRET_KEYS.join('|')})["']?[ \\t]*:[ \\t]*(?:"((?:[^"\\\\\\n]|\\\\.)*)"?|'([^'\\n]*)'?|([^\\s,}#'"][^\\n,}#]*))`,
  'gm',
);

/** exec credential plugins: `env: [{name: X, value: Y}]` values may be secrets; so may auth-provider config. */
const ENV_VALUE =
  /(?:^|[\s{,])["']?value["']?[ \t]*:[ \t]*(?:"((?:[^"\\\n]|\\.)*)"?|'([^'\n]*)'?|([^\s,}#'"][^\n,}#]*))/gm;

/**
 * The kubeconfig text in an input value: YAML or JSON as given, or decoded from base64 (how secrets often hold
 * it). undefined when it is neither.
 */
export function kubeconfigText(value: string): string | undefined {
  const text = value.trim();
  if (looksLikeKubeconfig(text)) return `${text}\n`;
  if (!/^[A-Za-z0-9+/=\s_-]+$/.test(text)) return undefined;
  const decoded = Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
  return looksLikeKubeconfig(decoded.trim()) ? decoded : undefined;
}

function looksLikeKubeconfig(text: string): boolean {
  return (
    /^["']?(apiVersion|kind|clusters|contexts|current-context|users|preferences)["']?\s*:/m.test(text) ||
    /^\{[\s\S]*"(apiVersion|clusters|users|contexts)"/.test(text)
  );
}

/**
 * Every credential value in a kubeconfig text, malformed or not, in YAML or JSON form: tokens, passwords,
 * client keys (and the PEM they decode to), auth-provider tokens and secrets, exec env values.
 */
export function kubeconfigSecrets(text: string): string[] {
  const found = new Set<string>();
  const add = (raw: string | undefined): void => {
    const v = raw?.trim();
    if (v && v.length >= MIN_SECRET_LENGTH) found.add(v);
  };
  for (const re of [KEY_LINE, ENV_VALUE]) {
    for (const m of text.matchAll(re)) add(m[1] ?? m[2] ?? m[3]);
  }
  // client-key-data is base64 of a PEM key: the key itself is secret in either form.
  for (const m of text.matchAll(/client-key-data["']?[ \t]*:[ \t]*["']?([A-Za-z0-9+/=]{16,})/g)) {
    const pem = Buffer.from(m[1]!, 'base64').toString('utf8');
    if (pem.includes('PRIVATE KEY')) add(pem);
  }
  return [...found].sort((a, b) => b.length - a.length);
}
