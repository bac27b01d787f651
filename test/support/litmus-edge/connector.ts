// What an enabled "MQTT – Generic over SSL" instance does in the stand-in: it really connects to the configured
// host and port over TLS, trusting only the configured CA, presenting the configured client chain and key, with
// the configured client id (MQTT 3.1.1), and publishes simulated DeviceHub tag values of every enabled topic on
// that topic's remote name. `resolve` maps the configured (in-cluster) host to where the broker really listens,
// as the cluster's DNS would; the TLS server name stays the configured host, so the broker certificate is checked
// against it.
import mqtt, { type MqttClient } from 'mqtt';
import { tagMessage, tagSubjects, subjectMatches, type SimDevice } from './devices.js';
import type { Roles } from './schemas.js';

export type Resolve = (host: string, port: number) => { host: string; port: number } | undefined;

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
  const at = o.resolve?.(host, port) ?? { host, port };
  const qos = Number(config[roles.qos] ?? 1) as 0 | 1 | 2;
  const status: ConnectorStatus = { connected: false, published: 0, topics: [] };
  const client: MqttClient = mqtt.connect({
    protocol: 'mqtts',
    host: at.host,
    port: at.port,
    servername: host,
    ca: String(config[roles.ca] ?? ''),
    cert: String(config[roles.cert] ?? ''),
    key: String(config[roles.key] ?? ''),
    rejectUnauthorized: true,
    clientId: String(config[roles.clientId] ?? `litmusedge-${Math.random().toString(16).slice(2, 8)}`),
    protocolVersion: 4,
    reconnectPeriod: 500,
    connectTimeout: 5_000,
  });
  client.on('connect', () => {
    status.connected = true;
    delete status.lastError;
  });
  client.on('close', () => (status.connected = false));
  client.on('error', (e) => (status.lastError = e.message));
  let n = 0;
  const timer = setInterval(() => {
    if (!client.connected) return;
    n++;
    const all = tagSubjects(o.devices);
    for (const sub of subs().filter((s) => s.enabled && s.isLocalToRemote)) {
      for (const t of all.filter((x) => subjectMatches(sub.localName, x.subject))) {
        client.publish(sub.remoteName, tagMessage(t, n), { qos }, (e) => {
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
      clearInterval(timer);
      await client.endAsync(true);
    },
  };
}
