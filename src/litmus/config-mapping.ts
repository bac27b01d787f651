// Places our values (the broker's host and port, the AIO broker CA, the client chain and key, client id, QoS,
// topic, the instance name) onto the properties of a provider's configuration schema, by the properties' names,
// titles and descriptions: the JSON keys of "MQTT – Generic over SSL" for the CA, the certificate and the key are
// not public (only the TCP sibling's keys are), and they may differ between Litmus Edge versions.
//
// Evidence comes in two tiers: the property's name or title (strong) and its description (weak, used only when no
// property has strong evidence). A value is placed only when exactly one property has the best evidence; two or
// more is ambiguous and refused, as is a required value no property fits: the refusal lists the schema's
// properties and how to name the right one in connector-config. connector-config overrides any key; a value of
// "{{broker-ca}}" (etc., see PLACEHOLDERS) places that value in the named property. Pure.
import { listProperties, type ProviderSchema, type SchemaProperty } from './schema.js';

export type Role =
  'name' | 'host' | 'port' | 'brokerCa' | 'clientChain' | 'clientKey' | 'clientId' | 'qos' | 'topic';

export type RoleValues = Record<Role, string | number>;

interface Rule {
  label: string;
  placeholder: string;
  required: boolean;
  kind: 'string' | 'integer';
  /** Whole names (lower-case, without separators) that are this value. */
  names: string[];
  /** Token sets: all tokens of one set appear in the name or title. */
  tokens: string[][];
  /** Weak evidence in the description. */
  describes: RegExp;
  /** A token in the name or title that rules the property out. */
  exclude: string[];
}

const RULES: Record<Role, Rule> = {
  name: {
    label: 'the integration name',
    placeholder: 'name',
    required: true,
    kind: 'string',
    names: ['name', 'instancename', 'connectorname', 'integrationname', 'connectionname'],
    tokens: [['name']],
    describes: /\b(instance|connector|integration|connection) name\b/i,
    exclude: ['host', 'user', 'client', 'device', 'file', 'topic', 'server', 'broker', 'key', 'cert'],
  },
  host: {
    label: 'the broker host',
    placeholder: 'broker-host',
    required: true,
    kind: 'string',
    names: [
      'host',
      'hostname',
      'brokerhost',
      'broker',
      'server',
      'serveraddress',
      'brokeraddress',
      'address',
    ],
    tokens: [['host'], ['hostname'], ['broker', 'address'], ['server', 'address'], ['server'], ['broker']],
    describes: /\b(host ?name|ip address|broker address|server address)\b/i,
    exclude: [
      'port',
      'ca',
      'cert',
      'certificate',
      'key',
      'topic',
      'client',
      'id',
      'will',
      'proxy',
      'user',
      'username',
      'password',
    ],
  },
  port: {
    label: 'the broker port',
    placeholder: 'broker-port',
    required: true,
    kind: 'integer',
    names: ['port', 'brokerport', 'serverport'],
    tokens: [['port']],
    describes: /\bport\b/i,
    exclude: ['proxy', 'http', 'ws', 'websocket', 'websockets'],
  },
  brokerCa: {
    label: 'the AIO broker CA',
    placeholder: 'broker-ca',
    required: true,
    kind: 'string',
    names: ['ca', 'cacert', 'cacertificate', 'cafile', 'rootca', 'servercacert', 'trustedca', 'cabundle'],
    tokens: [['ca'], ['certificate', 'authority'], ['root', 'certificate'], ['root', 'cert'], ['trusted']],
    describes: /\b(certificate authority|CA certificate|root certificate|trusted CA)\b/i,
    exclude: ['key', 'client', 'private', 'password'],
  },
  clientChain: {
    label: 'the client certificate chain',
    placeholder: 'client-chain',
    required: true,
    kind: 'string',
    names: ['cert', 'certificate', 'clientcert', 'clientcertificate', 'certchain', 'certificatechain'],
    tokens: [['certificate'], ['cert'], ['crt'], ['chain']],
    describes: /\b(client certificate|certificate chain)\b/i,
    exclude: ['ca', 'authority', 'root', 'key', 'private', 'trusted', 'server', 'password'],
  },
  clientKey: {
    label: 'the client private key',
    placeholder: 'client-key',
    required: true,
    kind: 'string',
    names: ['key', 'privatekey', 'clientkey', 'keyfile', 'clientprivatekey', 'privkey'],
    tokens: [['key'], ['private']],
    describes: /\bprivate key\b/i,
    exclude: ['ca', 'password', 'passphrase', 'pass', 'public', 'api', 'access', 'id'],
  },
  clientId: {
    label: 'the MQTT client id',
    placeholder: 'client-id',
    required: false,
    kind: 'string',
    names: ['clientid', 'clientidentifier', 'mqttclientid'],
    tokens: [
      ['client', 'id'],
      ['client', 'identifier'],
    ],
    describes: /\bclient (id|identifier)\b/i,
    exclude: ['secret', 'cert', 'certificate', 'key'],
  },
  qos: {
    label: 'the QoS',
    placeholder: 'qos',
    required: false,
    kind: 'integer',
    names: ['qos', 'qualityofservice', 'publishqos'],
    tokens: [['qos'], ['quality', 'service']],
    describes: /\b(qos|quality of service)\b/i,
    exclude: ['will', 'lwt', 'subscribe'],
  },
  topic: {
    label: 'the topic',
    placeholder: 'topic',
    required: false,
    kind: 'string',
    names: ['topic', 'publishtopic', 'basetopic', 'defaulttopic', 'roottopic'],
    tokens: [['topic']],
    describes: /\btopic\b/i,
    exclude: ['will', 'lwt', 'subscribe', 'status'],
  },
};

export const ROLES = Object.keys(RULES) as Role[];

/** "{{broker-ca}}" -> 'brokerCa'. */
export const PLACEHOLDERS: Record<string, Role> = Object.fromEntries(
  ROLES.map((r) => [`{{${RULES[r].placeholder}}}`, r]),
);

export type MappingResult =
  | {
      ok: true;
      /** The whole config to send: schema defaults, our values, then connector-config. */
      config: Record<string, unknown>;
      /** Which property each value went to (undefined: the schema has none for an optional value). */
      placed: Partial<Record<Role, string>>;
      /** Keys whose values are never shown (the client key, password fields). */
      secretKeys: string[];
      notes: string[];
    }
  | { ok: false; problems: string[] };

/** camelCase, snake_case, kebab-case and words -> lower-case tokens. */
export function tokens(s: string | undefined): string[] {
  if (!s) return [];
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

const squash = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

function fitsType(rule: Rule, p: SchemaProperty): boolean {
  if (rule.kind === 'integer') {
    return (
      p.type === undefined ||
      p.type === 'integer' ||
      p.type === 'number' ||
      (p.enum ?? []).every((v) => typeof v === 'number')
    );
  }
  return p.type === undefined || p.type === 'string';
}

/** 2: name or title; 1: description only; 0: no evidence (or ruled out). */
export function evidence(rule: Rule, p: SchemaProperty): 0 | 1 | 2 {
  if (!fitsType(rule, p)) return 0;
  const strong = [...tokens(p.key), ...tokens(p.title)];
  if (rule.exclude.some((x) => strong.includes(x))) return 0;
  if (rule.names.includes(squash(p.key)) || (p.title && rule.names.includes(squash(p.title)))) return 2;
  if (rule.tokens.some((set) => set.every((t) => strong.includes(t)))) return 2;
  return p.description && rule.describes.test(p.description) ? 1 : 0;
}

function candidates(rule: Rule, schema: ProviderSchema, taken: ReadonlySet<string>): SchemaProperty[] {
  const scored = schema.properties.filter((p) => !taken.has(p.key)).map((p) => ({ p, e: evidence(rule, p) }));
  const best = Math.max(0, ...scored.map((s) => s.e));
  return best === 0 ? [] : scored.filter((s) => s.e === best).map((s) => s.p);
}

const show = (p: SchemaProperty): string => `${p.key}${p.title ? ` ("${p.title}")` : ''}`;

function coerce(
  p: SchemaProperty | undefined,
  v: unknown,
): { ok: true; value: unknown } | { ok: false; why: string } {
  if (!p) return { ok: true, value: v };
  if (
    (p.type === 'integer' || p.type === 'number') &&
    typeof v === 'string' &&
    /^-?\d+(\.\d+)?$/.test(v.trim())
  )
    v = Number(v); // integers are sent as numbers
  if (p.type === 'integer' && !(typeof v === 'number' && Number.isInteger(v)))
    return { ok: false, why: `${p.key} must be a whole number, not ${JSON.stringify(v)}` };
  if (p.enum && !p.enum.some((e) => e === v))
    return { ok: false, why: `${p.key} must be one of ${p.enum.map((e) => JSON.stringify(e)).join(', ')}` };
  return { ok: true, value: v };
}

function fix(role: Role, schema: ProviderSchema): string {
  const example = schema.properties[0]?.key ?? 'someProperty';
  return `name the property in connector-config, e.g. connector-config: '{${example}: "{{${RULES[role].placeholder}}}"}'. The schema's properties: ${listProperties(schema)}`;
}

/** Which property each value goes to: connector-config placeholders first, then the schema's evidence. */
export function placeRoles(
  schema: ProviderSchema,
  overrides: Record<string, unknown>,
): { placed: Partial<Record<Role, string>>; problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  return { placed: place(schema, overrides, problems, notes), problems, notes };
}

function place(
  schema: ProviderSchema,
  overrides: Record<string, unknown>,
  problems: string[],
  notes: string[],
): Partial<Record<Role, string>> {
  const placed: Partial<Record<Role, string>> = {};
  for (const [key, v] of Object.entries(overrides)) {
    const role = typeof v === 'string' ? PLACEHOLDERS[v.trim()] : undefined;
    if (role) placed[role] = key;
  }
  const claimed = new Set(Object.values(placed));
  const literal = new Set(Object.keys(overrides).filter((k) => !claimed.has(k)));
  for (const role of ROLES) {
    if (placed[role]) continue;
    const rule = RULES[role];
    const found = candidates(rule, schema, claimed);
    if (found.some((p) => literal.has(p.key))) {
      notes.push(`${rule.label} is set by connector-config (${found.find((p) => literal.has(p.key))!.key})`);
    } else if (found.length === 1) placed[role] = found[0]!.key;
    else if (found.length > 1)
      problems.push(
        `${rule.label} fits more than one property: ${found.map(show).join(', ')}; ${fix(role, schema)}`,
      );
    else if (rule.required)
      problems.push(`${rule.label} fits no property of the schema; ${fix(role, schema)}`);
    else notes.push(`the schema has no property for ${rule.label}: not set`);
  }
  const byKey = new Map<string, Role[]>();
  for (const [r, k] of Object.entries(placed) as [Role, string][]) byKey.set(k, [...(byKey.get(k) ?? []), r]);
  for (const [k, rs] of byKey) {
    if (rs.length > 1)
      problems.push(
        `property ${k} fits ${rs.map((r) => RULES[r].label).join(' and ')}; ${fix(rs[0]!, schema)}`,
      );
  }
  return placed;
}

export function mapConfig(
  schema: ProviderSchema,
  values: RoleValues,
  overrides: Record<string, unknown>,
): MappingResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const byKey = new Map(schema.properties.map((p) => [p.key, p]));
  const unknown = Object.keys(overrides).filter((k) => !byKey.has(k));
  if (unknown.length > 0)
    problems.push(
      `connector-config names ${unknown.join(', ')}, which the provider's schema does not have (a typo would otherwise be sent and ignored); the schema's properties: ${listProperties(schema)}`,
    );
  const placed = place(schema, overrides, problems, notes);
  const config: Record<string, unknown> = {};
  for (const p of schema.properties) if (p.default !== undefined) config[p.key] = p.default;
  const set = (key: string, v: unknown): void => {
    const c = coerce(byKey.get(key), v);
    if (c.ok) config[key] = c.value;
    else problems.push(c.why);
  };
  for (const [role, key] of Object.entries(placed) as [Role, string][]) set(key, values[role]);
  for (const [key, v] of Object.entries(overrides)) {
    if (!byKey.has(key)) continue;
    const role = typeof v === 'string' ? PLACEHOLDERS[v.trim()] : undefined;
    set(key, role ? values[role] : v);
  }
  // In the form's order, so a plan reads like the portal's form.
  const ordered = Object.fromEntries(
    schema.properties.filter((p) => p.key in config).map((p) => [p.key, config[p.key]]),
  );
  const missing = schema.required.filter((k) => ordered[k] === undefined || ordered[k] === '');
  if (missing.length > 0)
    problems.push(
      `the schema requires ${missing.join(', ')}, which nothing sets; give ${missing.length > 1 ? 'them' : 'it'} in connector-config`,
    );
  if (problems.length > 0) return { ok: false, problems };
  const secretKeys = schema.properties
    .filter((p) => p.secret || p.key === placed.clientKey)
    .map((p) => p.key);
  return { ok: true, config: ordered, placed, secretKeys, notes };
}
