// What the connector stage writes to Litmus Edge, decided from what it read (pure). The instance is found by
// provider and name; its parsed config is compared key by key with what the inputs want (a re-issued leaf or a
// changed AIO CA is a difference); a client key that Litmus Edge does not return on read is compared by the hash
// recorded when it was last sent. Topics are created or enabled as requested; when anything changes on an
// enabled instance it is disabled first and enabled after (as Litmus' own scripts do around topic changes).
import type { Instance, Subscription } from '../../litmus/client.js';
import { summarizePem } from './material.js';
import type { TopicRoute } from './settings.js';

export interface DesiredIntegration {
  providerId: string;
  name: string;
  /** The config key that holds the name. */
  nameKey: string;
  config: Record<string, unknown>;
  secretKeys: string[];
  /** The property that holds the broker CA bundle. */
  caProperty?: string;
  /** The key property, and the SHA-256 of the key value in `config`. */
  keyProperty?: string;
  keySha256?: string;
  topics: TopicRoute[];
}

export interface LiveIntegration {
  instances: Instance[];
  subs: Subscription[];
  /** SHA-256 of the key this tool last sent to the instance, when recorded. */
  recordedKeySha256?: string;
}

export interface ConnectorDecision {
  instance?: Instance;
  create: boolean;
  /** Config keys that differ, described without secrets. */
  configDiff: string[];
  newSubs: TopicRoute[];
  enableSubs: Subscription[];
  /** Disable before the changes (the instance is enabled and something changes). */
  disableFirst: boolean;
  /** Enable at the end. */
  enable: boolean;
  changes: string[];
  problems: string[];
  notes: string[];
}

const PEM = /-----BEGIN [A-Z ]+-----/;
const normalize = (v: unknown): unknown => (typeof v === 'string' ? v.replace(/\r\n/g, '\n').trim() : v);

export function sameValue(a: unknown, b: unknown): boolean {
  const x = normalize(a);
  const y = normalize(b);
  if (typeof x === 'number' && typeof y === 'string') return String(x) === y;
  if (typeof y === 'number' && typeof x === 'string') return String(y) === x;
  return JSON.stringify(x) === JSON.stringify(y);
}

/** A mask Litmus Edge sends instead of a secret it keeps. */
export const isMask = (v: unknown): boolean => typeof v === 'string' && /^\*+$/.test(v);

/** A value Litmus Edge may send instead of a secret it keeps (nothing, or a mask). */
const redacted = (v: unknown): boolean => v === undefined || v === null || v === '' || isMask(v);

export function showValue(key: string, v: unknown, secretKeys: readonly string[]): string {
  if (secretKeys.includes(key)) return '(secret)';
  if (typeof v === 'string' && PEM.test(v)) return summarizePem(v);
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 60)}…` : text;
}

function configDiff(live: Instance, want: DesiredIntegration, recorded: string | undefined): string[] {
  const diff: string[] = [];
  for (const [key, value] of Object.entries(want.config)) {
    const have = live.config[key];
    if (key === want.keyProperty && redacted(have)) {
      if (recorded !== want.keySha256)
        diff.push(`${key}: (secret; not returned by Litmus Edge, last sent value differs or unknown)`);
      continue;
    }
    if (sameValue(have, value)) continue;
    diff.push(
      want.secretKeys.includes(key)
        ? `${key}: (secret value changed)`
        : `${key}: ${have === undefined ? '(unset)' : showValue(key, have, want.secretKeys)} -> ${showValue(key, value, want.secretKeys)}`,
    );
  }
  return diff;
}

function decideTopics(d: ConnectorDecision, want: DesiredIntegration, subs: Subscription[]): void {
  for (const t of want.topics) {
    const have = subs.find((s) => s.isLocalToRemote && s.localName === t.local);
    if (!have) d.newSubs.push(t);
    else if (have.remoteName !== t.remote)
      d.problems.push(
        `topic ${t.local} of integration '${want.name}' already goes to remote topic '${have.remoteName}', not '${t.remote}': Litmus Edge's REST API offers no way to change a topic's remote name, so delete that topic in the Litmus Edge portal (Integration > Topics) and run again, or keep topic-prefix as it was`,
      );
    else if (!have.enabled) d.enableSubs.push(have);
  }
  const wanted = new Set(want.topics.map((t) => t.local));
  const extra = subs.filter((s) => s.isLocalToRemote && s.enabled && !wanted.has(s.localName));
  if (extra.length > 0)
    d.notes.push(
      `the integration also sends topics not in connector-topics (left as they are): ${extra.map((s) => s.localName).join(', ')}`,
    );
}

function findInstance(
  d: ConnectorDecision,
  live: LiveIntegration,
  want: DesiredIntegration,
): Instance | undefined {
  const mine = live.instances.filter(
    (i) => i.providerId === want.providerId && String(i.config[want.nameKey] ?? '') === want.name,
  );
  if (mine.length > 1)
    d.problems.push(
      `${mine.length} integrations of provider ${want.providerId} are named '${want.name}' (ids ${mine.map((i) => i.instanceId).join(', ')}): delete the extra ones in the Litmus Edge portal, or choose another connector-name`,
    );
  return mine.length === 1 ? mine[0] : undefined;
}

/** Secrets the instance holds masked that the inputs do not give: an update cannot send them back. */
function maskedUnmanaged(live: Instance, want: DesiredIntegration): string[] {
  return Object.entries(live.config)
    .filter(([k, v]) => !(k in want.config) && isMask(v))
    .map(
      ([k]) =>
        `${k}: Litmus Edge returns it masked and connector-config does not give it, so the update is sent without it (Litmus Edge may clear it); give ${k} in connector-config to keep it`,
    );
}

export function decideConnector(live: LiveIntegration, want: DesiredIntegration): ConnectorDecision {
  const d: ConnectorDecision = {
    create: false,
    configDiff: [],
    newSubs: [],
    enableSubs: [],
    disableFirst: false,
    enable: false,
    changes: [],
    problems: [],
    notes: [],
  };
  const instance = findInstance(d, live, want);
  if (d.problems.length > 0) return d;
  const label = `integration '${want.name}' (provider ${want.providerId}${instance ? `, id ${instance.instanceId}` : ''})`;
  if (instance) {
    d.instance = instance;
    d.configDiff = configDiff(instance, want, live.recordedKeySha256);
    if (d.configDiff.length > 0) d.notes.push(...maskedUnmanaged(instance, want));
  } else d.create = true;
  decideTopics(d, want, instance ? live.subs : []);
  if (d.problems.length > 0) return d;
  const topicsChange = d.newSubs.length > 0 || d.enableSubs.length > 0;
  const changes = d.create || d.configDiff.length > 0 || topicsChange;
  d.disableFirst = !!instance && instance.enabled !== false && changes;
  d.enable = d.create || d.disableFirst || instance?.enabled === false;
  if (instance && instance.enabled === undefined && !changes)
    d.notes.push('Litmus Edge does not say whether the integration is enabled; it was left as it is');
  if (d.create) {
    const shown = Object.entries(want.config).map(([k, v]) => `${k}: ${showValue(k, v, want.secretKeys)}`);
    d.changes.push(`create ${label} with {${shown.join(', ')}}`);
  }
  if (d.disableFirst) d.changes.push(`disable ${label} while it changes`);
  if (d.configDiff.length > 0) d.changes.push(`update ${label}: ${d.configDiff.join('; ')}`);
  for (const t of d.newSubs) d.changes.push(`send topic ${t.local} to remote topic ${t.remote}`);
  for (const s of d.enableSubs) d.changes.push(`enable topic ${s.localName} (-> ${s.remoteName})`);
  if (d.enable) d.changes.push(`enable ${label}`);
  return d;
}
