// Registry credentials given as one secret input: a Google service-account JSON key (what Litmus gives its
// customers; sent as user `_json_key` with the raw JSON, never re-encoded: a base64 key makes imports from
// Google's registry hang) or `user:password`. A problem names the line and column, never the content.

export type ParsedCredentials =
  | { ok: true; username: string; password: string; kind: 'service-account-key' | 'user-password' }
  | { ok: false; problem: string };

const KEY_FIELDS = ['type', 'client_email', 'private_key'] as const;

/** Line and column of a character offset, for messages that must not quote a secret. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

function parseKey(raw: string): ParsedCredentials {
  let key: unknown;
  try {
    key = JSON.parse(raw);
  } catch (e) {
    // V8 quotes the text around the error: keep only the position.
    const at = /position (\d+)/.exec(String((e as Error).message))?.[1];
    return {
      ok: false,
      problem: `looks like a JSON key but is not valid JSON${at ? ` (${lineColumn(raw, Number(at))})` : ''}; the value is not shown: it is a secret`,
    };
  }
  if (!key || typeof key !== 'object' || Array.isArray(key))
    return { ok: false, problem: 'is JSON but not an object (a service-account key is one JSON object)' };
  const missing = KEY_FIELDS.filter((f) => typeof (key as Record<string, unknown>)[f] !== 'string');
  if (missing.length > 0)
    return {
      ok: false,
      problem: `is a JSON object without ${missing.join(', ')}: not a Google service-account key (download one with \`gcloud iam service-accounts keys create\`, or give user:password)`,
    };
  return { ok: true, username: '_json_key', password: raw, kind: 'service-account-key' };
}

export function parseRegistryCredentials(value: string): ParsedCredentials {
  const raw = value.trim();
  if (raw.startsWith('{')) return parseKey(raw);
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1 || /[\r\n]/.test(raw))
    return {
      ok: false,
      problem:
        'is neither a service-account JSON key nor user:password (one line, a user, a colon, a password); the value is not shown: it is a secret',
    };
  return { ok: true, username: raw.slice(0, colon), password: raw.slice(colon + 1), kind: 'user-password' };
}
