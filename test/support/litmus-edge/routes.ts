// The Litmus Edge API the stand-in answers (paths and bodies as ../../../src/litmus/client.ts documents them, with
// their sources): /cc/version, /cc/providers[/{id}/schema], /cc/instances CRUD, enable/disable, subs, createSubs,
// enableSubs, import, /dm/deviceinfo. In 4.x mode the /cc REST integrations API is gone (404), as Litmus Edge 4.x
// moved integrations to GraphQL. Topic changes on an enabled instance are refused (409): Litmus' scripts always
// disable first, and the stand-in holds the product to that order.
import { randomUUID } from 'node:crypto';
import { startConnector, type Resolve } from './connector.js';
import type { SimDevice } from './devices.js';
import { providerList, schemaFor, type ProviderList, type SchemaShape } from './schemas.js';
import { configProblem, instanceView, newSubs, type StoredInstance } from './state.js';

export interface Reply {
  status: number;
  body?: unknown;
}

export interface ApiState {
  mode: '3.x' | '4.x';
  version: string;
  firmwareVersion: string;
  providers: ProviderList;
  shape: SchemaShape;
  redactSecrets: boolean;
  instances: Map<string, StoredInstance>;
  devices: SimDevice[];
  resolve?: Resolve;
  publishIntervalMs: number;
}

const error = (status: number, message: string): Reply => ({ status, body: { code: status, message } });

function parseConfig(body: unknown): Record<string, unknown> | string {
  const raw = (body as { config?: unknown } | undefined)?.config;
  if (typeof raw !== 'string') return 'config must be a JSON string';
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : 'config must be an object';
  } catch {
    return 'config is not valid JSON';
  }
}

async function setEnabled(s: ApiState, i: StoredInstance, on: boolean): Promise<void> {
  if (i.enabled === on) return;
  i.enabled = on;
  await i.runtime?.stop();
  delete i.runtime;
  const roles = schemaFor(i.providerId, s.providers, s.shape)?.roles;
  if (on && roles) {
    i.runtime = startConnector(i.config, roles, () => i.subs, {
      ...(s.resolve ? { resolve: s.resolve } : {}),
      devices: s.devices,
      intervalMs: s.publishIntervalMs,
    });
  }
}

type Written = { ok: true; config: Record<string, unknown> } | { ok: false; reply: Reply };

function writeInstance(s: ApiState, body: unknown, providerId: string): Written {
  const schema = schemaFor(providerId, s.providers, s.shape);
  if (!schema) return { ok: false, reply: error(400, `unknown provider '${providerId}'`) };
  const config = parseConfig(body);
  if (typeof config === 'string') return { ok: false, reply: error(400, config) };
  const problem = configProblem(schema.schema, config);
  return problem ? { ok: false, reply: error(400, problem) } : { ok: true, config };
}

type Handler = (s: ApiState, m: RegExpExecArray, body: unknown) => Reply | Promise<Reply>;

const instanceRoutes: Array<[string, RegExp, Handler]> = [
  [
    'GET',
    /^\/cc\/instances$/,
    (s) => ({ status: 200, body: [...s.instances.values()].map((i) => view(s, i)) }),
  ],
  [
    'POST',
    /^\/cc\/instances$/,
    (s, _m, body) => {
      const providerId = String((body as { providerId?: unknown } | undefined)?.providerId ?? '');
      const w = writeInstance(s, body, providerId);
      if (!w.ok) return w.reply;
      const instanceId = randomUUID();
      s.instances.set(instanceId, { instanceId, providerId, config: w.config, enabled: false, subs: [] });
      return { status: 200, body: { instanceId } };
    },
  ],
  [
    'GET',
    /^\/cc\/instances\/([^/]+)$/,
    (s, m) => withInstance(s, m, (i) => ({ status: 200, body: view(s, i) })),
  ],
  [
    'PUT',
    /^\/cc\/instances\/([^/]+)$/,
    (s, m, body) =>
      withInstance(s, m, async (i) => {
        const w = writeInstance(s, body, i.providerId);
        if (!w.ok) return w.reply;
        i.config = w.config;
        if (i.enabled) {
          await setEnabled(s, i, false); // an enabled instance reconnects with its new config
          await setEnabled(s, i, true);
        }
        return { status: 204 };
      }),
  ],
  [
    'DELETE',
    /^\/cc\/instances\/([^/]+)$/,
    (s, m) =>
      withInstance(s, m, async (i) => {
        await setEnabled(s, i, false);
        s.instances.delete(i.instanceId);
        return { status: 204 };
      }),
  ],
  [
    'PUT',
    /^\/cc\/instances\/([^/]+)\/(enable|disable)$/,
    (s, m) =>
      withInstance(s, m, async (i) => {
        await setEnabled(s, i, m[2] === 'enable');
        return { status: 204 };
      }),
  ],
  [
    'GET',
    /^\/cc\/instances\/([^/]+)\/subs$/,
    (s, m) => withInstance(s, m, (i) => ({ status: 200, body: i.subs })),
  ],
  [
    'POST',
    /^\/cc\/instances\/([^/]+)\/createSubs$/,
    (s, m, body) => withDisabled(s, m, (i) => createSubs(i, body)),
  ],
  [
    'PUT',
    /^\/cc\/instances\/([^/]+)\/enableSubs$/,
    (s, m, body) => withDisabled(s, m, (i) => enableSubs(i, body)),
  ],
  [
    'POST',
    /^\/cc\/instances\/([^/]+)\/import$/,
    (s, m, body) => withDisabled(s, m, (i) => importDevice(s, i, body)),
  ],
];

function view(s: ApiState, i: StoredInstance): Record<string, unknown> {
  const found = schemaFor(i.providerId, s.providers, s.shape);
  // Password fields and the key: what a Litmus Edge that keeps secrets does not return.
  const secrets = Object.entries(found?.schema.properties ?? {})
    .filter(([k, p]) => p.format === 'password' || k === found?.roles?.key)
    .map(([k]) => k);
  return instanceView(i, s.redactSecrets ? secrets : []);
}

function withInstance(s: ApiState, m: RegExpExecArray, f: (i: StoredInstance) => Reply | Promise<Reply>) {
  const i = s.instances.get(decodeURIComponent(m[1]!));
  return i ? f(i) : error(404, `instance '${m[1]}' not found`);
}

function withDisabled(s: ApiState, m: RegExpExecArray, f: (i: StoredInstance) => Reply) {
  return withInstance(s, m, (i) =>
    i.enabled ? error(409, 'the instance is enabled: disable it before changing its topics') : f(i),
  );
}

function createSubs(i: StoredInstance, body: unknown): Reply {
  const subs = newSubs(body);
  if (typeof subs === 'string') return error(400, subs);
  i.subs.push(...subs);
  return { status: 200, body: subs };
}

function enableSubs(i: StoredInstance, body: unknown): Reply {
  if (!Array.isArray(body) || body.some((x) => typeof x !== 'string'))
    return error(400, 'the body must be an array of topic ids');
  const unknown = body.filter((id) => !i.subs.some((s) => s.topicId === id));
  if (unknown.length > 0) return error(400, `unknown topic ids: ${unknown.join(', ')}`);
  for (const s of i.subs) if (body.includes(s.topicId)) s.enabled = true;
  return { status: 200, body: {} };
}

function importDevice(s: ApiState, i: StoredInstance, body: unknown): Reply {
  const o = (body ?? {}) as { deviceId?: unknown; wildcard?: unknown };
  const device = s.devices.find((d) => d.id === o.deviceId);
  if (!device) return error(404, `device '${String(o.deviceId)}' not found`);
  // Assumed: the topics are named after the device's alias topics, sent under the same name.
  const locals =
    o.wildcard === true
      ? [`devicehub.alias.${device.name}.*`]
      : device.tags.map((t) => `devicehub.alias.${device.name}.${t.name}`);
  for (const localName of locals) {
    if (i.subs.some((x) => x.localName === localName)) continue;
    i.subs.push({
      topicId: randomUUID(),
      localName,
      remoteName: localName,
      isLocalToRemote: true,
      format: 'raw',
      enabled: false,
    });
  }
  return { status: 200, body: {} };
}

export async function route(s: ApiState, method: string, path: string, body: unknown): Promise<Reply> {
  if (method === 'GET' && path === '/dm/deviceinfo')
    return {
      status: 200,
      body: { firmwareVersion: s.firmwareVersion, deviceName: 'litmusedge-stand-in', serial: 'LE-0001' },
    };
  if (method === 'GET' && path === '/cc/version')
    return { status: 200, body: { version: s.version, git: 'f00dfeed' } };
  if (s.mode === '4.x' && path.startsWith('/cc/')) return error(404, 'Not Found');
  if (method === 'GET' && path === '/cc/providers') return { status: 200, body: providerList(s.providers) };
  const schema = /^\/cc\/providers\/([^/]+)\/schema$/.exec(path);
  if (method === 'GET' && schema) {
    const found = schemaFor(decodeURIComponent(schema[1]!), s.providers, s.shape);
    return found ? { status: 200, body: found.schema } : error(404, `provider '${schema[1]}' not found`);
  }
  for (const [m, re, handler] of instanceRoutes) {
    const match = re.exec(path);
    if (match && m === method) return handler(s, match, body);
  }
  return error(404, `no route for ${method} ${path}`);
}
