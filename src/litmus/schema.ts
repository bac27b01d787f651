// A provider's configuration schema as GET /cc/providers/{id}/schema returns it: JSON-Schema-like, with
// `properties` (each with type, title, description, default, enum), `_order` (the form's field order) and
// optionally `required`. The shape is public; the property names of "MQTT – Generic over SSL" for the CA, the
// client certificate and the key are not, which is why the connector maps its values by names, titles and
// descriptions at run time (config-mapping.ts). Tolerated variations: the schema wrapped in {schema: ...}.

export interface SchemaProperty {
  key: string;
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  format?: string;
  /** A password field or a key: its value is never shown. */
  secret: boolean;
}

export interface ProviderSchema {
  /** In the form's order (`_order` first, then the rest alphabetically). */
  properties: SchemaProperty[];
  required: string[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);

function property(key: string, raw: unknown): SchemaProperty {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const type = Array.isArray(o.type) ? text(o.type.find((t) => t !== 'null')) : text(o.type);
  const format = text(o.format);
  const secretish = /password|secret|passphrase|token|private ?key/i;
  return {
    key,
    ...(type ? { type } : {}),
    ...(text(o.title) ? { title: text(o.title)! } : {}),
    ...(text(o.description) ? { description: text(o.description)! } : {}),
    ...('default' in o ? { default: o.default } : {}),
    ...(Array.isArray(o.enum) ? { enum: o.enum } : {}),
    ...(format ? { format } : {}),
    secret:
      format === 'password' ||
      o.writeOnly === true ||
      secretish.test(key.replace(/[_-]/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2')) ||
      secretish.test(text(o.title) ?? ''),
  };
}

export function parseProviderSchema(raw: unknown, where: string): ProviderSchema {
  const root = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const s = (
    root.properties === undefined && root.schema && typeof root.schema === 'object' ? root.schema : root
  ) as Record<string, unknown>;
  const props = s.properties;
  if (!props || typeof props !== 'object' || Array.isArray(props)) {
    throw new Error(
      `${where}: the provider schema has no "properties" object, so its fields are unknown. Fix: check that connector-provider names a provider of this Litmus Edge, and report the schema's shape if it does`,
    );
  }
  const entries = Object.entries(props as Record<string, unknown>);
  const order = Array.isArray(s._order) ? s._order.filter((k): k is string => typeof k === 'string') : [];
  const rank = (k: string): number => (order.includes(k) ? order.indexOf(k) : order.length);
  entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return {
    properties: entries.map(([k, v]) => property(k, v)),
    required: Array.isArray(s.required) ? s.required.filter((k): k is string => typeof k === 'string') : [],
  };
}

/** "hostname (string, "Hostname"), port (integer, "Port")": the list a refusal shows. */
export function listProperties(schema: ProviderSchema): string {
  return schema.properties
    .map((p) => `${p.key} (${p.type ?? 'any'}${p.title ? `, "${p.title}"` : ''})`)
    .join(', ');
}
