// The Litmus Edge REST API of the integrations ("cc") service, as far as the connector stage uses it.
//
// Confirmed by public sources (see also auth.ts and tls.ts):
// - GET /cc/version and GET /cc/providers: Litmus' MCP server health check (litmusautomation/litmus-mcp-server,
//   src/web_client.py), which reads the version from `version` (or Version/tag/appVersion).
// - POST /cc/instances {providerId, config: <JSON string>} -> {instanceId}; GET /cc/instances ->
//   [{instanceId, providerId, ...}]; PUT /cc/instances/{id}/enable|disable -> 204; POST .../{id}/import
//   {deviceId, wildcard}; GET .../{id}/subs -> [{topicId, ...}]; PUT .../{id}/enableSubs [topicIds]: a public
//   Litmus Edge gateway-validation script (Python, requests) that configures a generic-mqtt-tcp integration;
//   its config keys clientId, hostname, name, persistentStorage, port, qos, queueMode, throttlingLimit, topic,
//   willPayloadType, willQoS, willRetained, workersCount.
// - disable -> POST .../{id}/createSubs -> enable: Google's Manufacturing Connect edge sample (configure_mce).
// - GET /dm/deviceinfo -> firmwareVersion; GET|PUT /cc/instances/{id}; GET /cc/providers/{id}/schema (JSON
//   Schema-like: properties, _order, enum, integer types); createSubs entries {localName, remoteName,
//   isLocalToRemote, format, enabled, topicId}: older Litmus UI code and the sources listed in the project's
//   design notes.
// Assumed (not public; the stand-in speaks it and the code tolerates variations): the instance object of
// GET /cc/instances/{id} (instanceId|id, providerId, config string, `enabled`), the body of PUT
// /cc/instances/{id} ({instanceId, providerId, config}), the subs entries' field names on read (localName,
// remoteName, isLocalToRemote, enabled, topicId), and the error bodies ({code, message}).
import { errorDetail, request, type Credentials, type Endpoint } from './http.js';
import { LitmusApiError, fixFor } from './errors.js';
import { parseProviderSchema, type ProviderSchema } from './schema.js';

export interface Provider {
  id: string;
  name: string;
  hidden: boolean;
}

export interface Instance {
  instanceId: string;
  providerId: string;
  /** The config, parsed from the JSON string Litmus Edge keeps it as. */
  config: Record<string, unknown>;
  /** undefined: the answer did not say. */
  enabled?: boolean;
}

export interface Subscription {
  topicId: string;
  localName: string;
  remoteName: string;
  isLocalToRemote: boolean;
  enabled: boolean;
}

export interface NewSubscription {
  localName: string;
  remoteName: string;
}

export interface LitmusEdgeClient {
  readonly where: string;
  /** GET /cc/version: the integration service's version; undefined when it answers but names none. */
  version(): Promise<{ status: number; version?: string }>;
  /** GET /cc/providers; `status` is returned as is so the caller can say what a 404 means. */
  providers(): Promise<{ status: number; providers: Provider[] }>;
  providerSchema(id: string): Promise<ProviderSchema>;
  /** GET /cc/instances; `status` 404 means the REST integrations API is absent. */
  instances(): Promise<{ status: number; instances: Instance[] }>;
  instance(id: string): Promise<Instance | undefined>;
  createInstance(providerId: string, config: Record<string, unknown>): Promise<string>;
  updateInstance(instance: Instance, config: Record<string, unknown>): Promise<void>;
  setEnabled(id: string, enabled: boolean): Promise<void>;
  subscriptions(id: string): Promise<Subscription[]>;
  createSubscriptions(id: string, subs: NewSubscription[]): Promise<void>;
  enableSubscriptions(id: string, topicIds: string[]): Promise<void>;
  importDevice(id: string, deviceId: string, wildcard: boolean): Promise<void>;
  /** GET /dm/deviceinfo -> firmwareVersion; undefined when the endpoint is missing or names none. */
  firmwareVersion(): Promise<string | undefined>;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

function parseConfig(raw: unknown): Record<string, unknown> {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  if (typeof raw !== 'string' || raw.trim() === '') return {};
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toInstance(raw: unknown): Instance | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const o = raw as Record<string, unknown>;
  const instanceId = str(o.instanceId) ?? str(o.id);
  if (!instanceId) return undefined;
  const status = typeof o.status === 'string' ? o.status.toLowerCase() : undefined;
  const enabled =
    typeof o.enabled === 'boolean'
      ? o.enabled
      : status
        ? ['enabled', 'running', 'started', 'connected'].includes(status)
        : undefined;
  return {
    instanceId,
    providerId: str(o.providerId) ?? '',
    config: parseConfig(o.config),
    ...(enabled !== undefined ? { enabled } : {}),
  };
}

function toSubscription(raw: unknown): Subscription | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const o = raw as Record<string, unknown>;
  const topicId = str(o.topicId) ?? str(o.id);
  if (!topicId) return undefined;
  return {
    topicId,
    localName: str(o.localName) ?? '',
    remoteName: str(o.remoteName) ?? '',
    isLocalToRemote: o.isLocalToRemote !== false,
    enabled: o.enabled === true,
  };
}

const asList = (body: unknown): unknown[] =>
  Array.isArray(body)
    ? body
    : body && typeof body === 'object' && Array.isArray((body as { items?: unknown }).items)
      ? ((body as { items: unknown[] }).items ?? [])
      : [];

export function litmusEdgeClient(e: Endpoint, creds: Credentials, signal: AbortSignal): LitmusEdgeClient {
  const call = (method: string, path: string, body?: unknown) =>
    request(e, creds, method, path, body, { signal });
  /** A 2xx, or a LitmusApiError naming the endpoint. */
  const ok = async (method: string, path: string, body?: unknown) => {
    const a = await call(method, path, body);
    if (a.status >= 300) {
      throw new LitmusApiError(
        a.status,
        `${method} ${path}`,
        e.where,
        errorDetail(a.body),
        fixFor(a.status, creds),
      );
    }
    return a.body;
  };
  const id = (s: string) => encodeURIComponent(s);
  return {
    where: e.where,
    async version() {
      const a = await call('GET', '/cc/version');
      const b = (a.body ?? {}) as Record<string, unknown>;
      const v = str(b.version) ?? str(b.Version) ?? str(b.tag) ?? str(b.appVersion);
      return { status: a.status, ...(a.status < 300 && v ? { version: v } : {}) };
    },
    async providers() {
      const a = await call('GET', '/cc/providers');
      if (a.status >= 300) return { status: a.status, providers: [] };
      const providers = asList(a.body)
        .map((p) => p as Record<string, unknown>)
        .filter((p) => str(p.id))
        .map((p) => ({ id: str(p.id)!, name: str(p.name) ?? str(p.id)!, hidden: p.hidden === true }));
      return { status: a.status, providers };
    },
    async providerSchema(providerId) {
      const path = `/cc/providers/${id(providerId)}/schema`;
      return parseProviderSchema(await ok('GET', path), `GET ${path} at ${e.where}`);
    },
    async instances() {
      const a = await call('GET', '/cc/instances');
      if (a.status >= 300) return { status: a.status, instances: [] };
      const instances = asList(a.body)
        .map(toInstance)
        .filter((x): x is Instance => !!x);
      return { status: a.status, instances };
    },
    async instance(instanceId) {
      const path = `/cc/instances/${id(instanceId)}`;
      const a = await call('GET', path);
      if (a.status === 404) return undefined;
      if (a.status >= 300)
        throw new LitmusApiError(
          a.status,
          `GET ${path}`,
          e.where,
          errorDetail(a.body),
          fixFor(a.status, creds),
        );
      return toInstance(a.body);
    },
    async createInstance(providerId, config) {
      // `config` is a JSON string inside the JSON body.
      const body = await ok('POST', '/cc/instances', { providerId, config: JSON.stringify(config) });
      const created = str((body as Record<string, unknown> | undefined)?.instanceId);
      if (!created) {
        throw new LitmusApiError(
          502,
          'POST /cc/instances',
          e.where,
          'the answer names no instanceId',
          fixFor(502, creds),
        );
      }
      return created;
    },
    async updateInstance(instance, config) {
      await ok('PUT', `/cc/instances/${id(instance.instanceId)}`, {
        instanceId: instance.instanceId,
        providerId: instance.providerId,
        config: JSON.stringify(config),
      });
    },
    async setEnabled(instanceId, enabled) {
      await ok('PUT', `/cc/instances/${id(instanceId)}/${enabled ? 'enable' : 'disable'}`);
    },
    async subscriptions(instanceId) {
      const body = await ok('GET', `/cc/instances/${id(instanceId)}/subs`);
      return asList(body)
        .map(toSubscription)
        .filter((x): x is Subscription => !!x);
    },
    async createSubscriptions(instanceId, subs) {
      await ok(
        'POST',
        `/cc/instances/${id(instanceId)}/createSubs`,
        subs.map((s) => ({
          localName: s.localName,
          remoteName: s.remoteName,
          isLocalToRemote: true,
          format: 'raw',
          enabled: true,
          topicId: null,
        })),
      );
    },
    async enableSubscriptions(instanceId, topicIds) {
      await ok('PUT', `/cc/instances/${id(instanceId)}/enableSubs`, topicIds);
    },
    async importDevice(instanceId, deviceId, wildcard) {
      await ok('POST', `/cc/instances/${id(instanceId)}/import`, { deviceId, wildcard });
    },
    async firmwareVersion() {
      const a = await call('GET', '/dm/deviceinfo');
      if (a.status >= 300) return undefined;
      return str((a.body as Record<string, unknown> | undefined)?.firmwareVersion);
    },
  };
}
