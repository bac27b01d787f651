// The stand-in's integration instances and their topics, with the validation Litmus Edge applies to a config
// (assumed: required keys present, integers as numbers, enum values, no unknown keys).
import { randomUUID } from 'node:crypto';
import type { RunningConnector } from './connector.js';
import type { ProviderSchemaDoc } from './schemas.js';

export interface StoredSub {
  topicId: string;
  localName: string;
  remoteName: string;
  isLocalToRemote: boolean;
  format: string;
  enabled: boolean;
}

export interface StoredInstance {
  instanceId: string;
  providerId: string;
  config: Record<string, unknown>;
  enabled: boolean;
  subs: StoredSub[];
  runtime?: RunningConnector;
}

/** Why `config` does not fit `schema`; undefined when it does. */
export function configProblem(
  schema: ProviderSchemaDoc,
  config: Record<string, unknown>,
): string | undefined {
  for (const k of schema.required) {
    if (config[k] === undefined || config[k] === '') return `field '${k}' is required`;
  }
  for (const [k, v] of Object.entries(config)) {
    const p = schema.properties[k];
    if (!p) return `unknown field '${k}'`;
    if (p.type === 'integer' && !(typeof v === 'number' && Number.isInteger(v)))
      return `field '${k}' must be an integer, got ${JSON.stringify(v)}`;
    if (p.type === 'string' && typeof v !== 'string') return `field '${k}' must be a string`;
    if (p.type === 'boolean' && typeof v !== 'boolean') return `field '${k}' must be a boolean`;
    if (Array.isArray(p.enum) && !p.enum.includes(v))
      return `field '${k}' must be one of ${JSON.stringify(p.enum)}`;
  }
  return undefined;
}

export function newSubs(entries: unknown): StoredSub[] | string {
  if (!Array.isArray(entries)) return 'the body must be an array of topics';
  const out: StoredSub[] = [];
  for (const e of entries) {
    const o = (e ?? {}) as Record<string, unknown>;
    if (typeof o.localName !== 'string' || !o.localName) return 'localName is required';
    if (typeof o.remoteName !== 'string' || !o.remoteName) return 'remoteName is required';
    if (typeof o.isLocalToRemote !== 'boolean') return 'isLocalToRemote must be a boolean';
    out.push({
      topicId: randomUUID(),
      localName: o.localName,
      remoteName: o.remoteName,
      isLocalToRemote: o.isLocalToRemote,
      format: typeof o.format === 'string' ? o.format : 'raw',
      // Created disabled whatever `enabled` says (assumed): enableSubs turns them on.
      enabled: false,
    });
  }
  return out;
}

/** The instance as GET returns it: `config` a JSON string; secrets that are set masked when Litmus Edge keeps them. */
export function instanceView(i: StoredInstance, redactKeys: readonly string[] = []): Record<string, unknown> {
  const config = { ...i.config };
  for (const k of redactKeys) if (config[k]) config[k] = '********';
  return {
    instanceId: i.instanceId,
    providerId: i.providerId,
    config: JSON.stringify(config),
    enabled: i.enabled,
    status: i.enabled ? 'enabled' : 'disabled',
  };
}
