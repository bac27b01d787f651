// What an enabled "MQTT – Generic over SSL" instance does in the stand-in: it really connects to the configured
// host and port over TLS, trusting only the configured CA, presenting the configured client chain and key, with
// the configured client id (MQTT 3.1.1), and publishes simulated DeviceHub tag values of every enabled topic on
// that topic's remote name. `resolve` maps the configured (in-cluster) host to where the broker really listens,
// as the cluster's DNS would (asked again before every connection attempt: a Service may appear after the
// instance was enabled); the TLS server name stays the configured host, so the broker certificate is checked
// against it.
import mqtt, { type MqttClient } from 'mqtt';
import { tagMessage, tagSubjects, subjectMatches, type SimDevice } from './devices.js';
import type { Roles } from './schemas.js';

const RECONNECT_MS = 500;

export type Target = { host: string; port: number };
/** undefined: the host is not the cluster's, connect to it as configured. */
export type Resolve = (host: string, port: number) => Target | undefined | Promise<Target | undefined>;

export interface ConnectorSub {
  localName: string;
  remoteName: string;
  isLocalToRemote: boolean;
  enabled: boolean;
}

export interface ConnectorStatus {
  connected: boolean;
  /** Messages published (acknowledged at QoS 1) since the instance was last enabled. */
  published: number;
  lastError?: string;
  /** Remote topics published to. */
  topics: string[];
}

export interface RunningConnector {
  status(): ConnectorStatus;
  stop(): Promise<void>;
}

export function startConnector(
  config: Record<string, unknown>,
  roles: Roles,
  subs: () => ConnectorSub[],
  o: { resolve?: Resolve; devices: SimDevice[]; intervalMs: number },
): RunningConnector {
  const host = String(config[roles.host] ?? '');
  const port = Number(config[roles.port] ?? 8883);
  const qos = Number(config[roles.qos] ?? 1) as 0 | 1 | 2;
  const status: ConnectorStatus = { connected: false, published: 0, topics: [] };
  const clientId = String(config[roles.clientId] ?? `litmusedge-${Math.random().toString(16).slice(2, 8)}`);
  let client: MqttClient | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  // One client per attempt (mqtt.js would retry the address resolved first): resolve, connect, and on close try
  // again after RECONNECT_MS, as mqtt.js's reconnectPeriod does.
  const attempt = async (): Promise<void> => {
    let at: Target;
    try {
      at = (await o.resolve?.(host, port)) ?? { host, port };
    } catch (e) {
      at = { host, port };
      status.lastError = (e as Error).message;
    }
    if (stopped) return;
    const c = mqtt.connect({
      protocol: 'mqtts',
      host: at.host,
      port: at.port,
      servername: host,
      ca: String(config[roles.ca] ?? ''),
      cert: String(config[roles.cert] ?? ''),
      key: String(config[roles.key] ?? ''),
      rejectUnauthorized: true,
      clientId,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
    });
    client = c;
    c.on('connect', () => {
      status.connected = true;
      delete status.lastError;
    });
    c.on('error', (e) => (status.lastError = e.message));
    c.once('close', () => {
      status.connected = false;
      if (stopped || client !== c) return;
      void c.endAsync(true);
      retry = setTimeout(() => void attempt(), RECONNECT_MS);
    });
  };
  const first = attempt();
  let n = 0;
  const timer = setInterval(() => {
    if (!client?.connected) return;
    const c = client;
    n++;
    const all = tagSubjects(o.devices);
    for (const sub of subs().filter((s) => s.enabled && s.isLocalToRemote)) {
      for (const t of all.filter((x) => subjectMatches(sub.localName, x.subject))) {
        c.publish(sub.remoteName, tagMessage(t, n), { qos }, (e) => {
          if (e) status.lastError = e.message;
          else {
            status.published++;
            if (!status.topics.includes(sub.remoteName)) status.topics.push(sub.remoteName);
          }
        });
      }
    }
  }, o.intervalMs);
  return {
    status: () => ({ ...status, topics: [...status.topics] }),
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(retry);
      await first;
      await client?.endAsync(true);
    },
  };
}
