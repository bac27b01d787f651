// The smoke probe: connect to the broker as Litmus Edge would (TLS, client chain), subscribe to a unique
// topic, publish N QoS 1 messages one after another, and measure each round trip. A broker that drops the
// connection mid-probe (a restart) is reconnected within the deadline and the restart is reported.
import { randomBytes } from 'node:crypto';
import type * as MqttModule from 'mqtt';
import type { MqttClient, IClientOptions } from 'mqtt';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../pipeline/logger.js';
import { diagnoseConnectError, NOT_AUTHORIZED, ProbeFailure, type TlsTarget } from './diagnose.js';

export interface ProbeOptions {
  protocolVersion: 4 | 5;
  messages: number;
  topic: string;
  /** Topics that must carry at least one message (e.g. Litmus Edge data) before the deadline. */
  expectTopics: string[];
  deadline: number;
  log: Logger;
  signal?: AbortSignal;
}

export interface ProbeReport {
  connectMs: number;
  /** Round trips of the probe messages that came back, in ms. */
  latencies: number[];
  lost: number;
  duplicates: number;
  /** Connection losses survived, e.g. "connection lost after message 3 (ECONNRESET); reconnected in 220 ms". */
  interruptions: string[];
  topics: Array<{ topic: string; messages: number; firstAfterMs?: number }>;
}

type Mqtt = typeof MqttModule;

const ROUND_TRIP_LIMIT_MS = 5000;
/** Reconnections survived in one probe before the broker is declared unstable. */
const MAX_INTERRUPTIONS = 5;

/** Errors worth another connection attempt within the deadline: the broker may be (re)starting. */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

async function connectOnce(
  mqtt: Mqtt,
  t: TlsTarget,
  o: ProbeOptions,
  timeoutMs: number,
): Promise<MqttClient> {
  const opts: IClientOptions = {
    protocol: 'mqtts',
    host: t.host,
    port: t.port,
    servername: t.servername,
    ca: t.caPem,
    cert: t.certPem,
    key: t.keyPem,
    rejectUnauthorized: true,
    protocolVersion: o.protocolVersion,
    clientId: `litmus-aio-smoke-${randomBytes(4).toString('hex')}`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: Math.max(500, timeoutMs),
  };
  const client = mqtt.connect(opts);
  return new Promise((resolve, reject) => {
    const fail = (e: unknown): void => {
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      reject(e);
    };
    client.once('connect', () => {
      client.removeAllListeners('error');
      client.on('error', () => undefined); // later errors surface as 'close' and are handled by the probe loop
      resolve(client);
    });
    client.once('error', fail);
    client.once('close', () =>
      fail(Object.assign(new Error('connection closed before CONNACK'), { code: 'ECONNRESET' })),
    );
  });
}

function authorizationFailure(what: string, code: number, topic: string): ProbeFailure {
  return new ProbeFailure(
    'not-authorized',
    `smoke: the broker refused ${what} on '${topic}': reason 0x${code.toString(16)} (${NOT_AUTHORIZED[code] ?? 'refused'})`,
    "check the BrokerAuthorization for the connector's attributes (topic-prefix) and the authorization-attributes that map the client certificate",
  );
}

export async function runProbe(t: TlsTarget, o: ProbeOptions): Promise<ProbeReport> {
  const mqtt = (await import('mqtt')) as Mqtt & { default?: Mqtt };
  const lib: Mqtt = typeof mqtt.connect === 'function' ? mqtt : mqtt.default!;
  const left = (): number => o.deadline - performance.now();
  const interruptions: string[] = [];

  /** Connects, retrying only transient failures, with backoff, until the deadline. */
  const connect = async (): Promise<MqttClient> => {
    let wait = 50;
    let last: unknown;
    for (let attempt = 1; left() > 0 && !o.signal?.aborted; attempt++) {
      try {
        return await connectOnce(lib, t, o, Math.min(left(), 10_000));
      } catch (e) {
        last = e;
        const code = String((e as NodeJS.ErrnoException).code ?? '');
        const reason = (e as { code?: unknown }).code;
        if (typeof reason === 'number' && NOT_AUTHORIZED[reason])
          throw authorizationFailure('the connection', reason, t.via);
        if (!TRANSIENT.has(code)) throw await diagnoseConnectError(e, t);
        // A reset during the handshake can also be a refused client certificate: ask the TLS layer directly.
        const diagnosed = await diagnoseConnectError(e, t);
        if (code === 'ECONNRESET' && diagnosed.kind !== 'timeout') throw diagnosed;
        o.log.debug(`connect attempt ${attempt} failed (${code}); retrying in ${wait} ms`);
        await delay(Math.min(wait, Math.max(0, left())));
        wait = Math.min(wait * 2, 1000);
      }
    }
    throw await diagnoseConnectError(
      last ?? Object.assign(new Error('deadline passed'), { code: 'ETIMEDOUT' }),
      t,
    );
  };

  const t0 = performance.now();
  let client = await connect();
  const connectMs = performance.now() - t0;
  const sentAt = new Map<number, number>();
  const seen = new Map<number, number>();
  const latencies: number[] = [];
  let duplicates = 0;
  const topics = new Map(
    o.expectTopics.map((topic) => [topic, { topic, messages: 0 } as ProbeReport['topics'][number]]),
  );
  const started = performance.now();

  const matches = (filter: string, topic: string): boolean => {
    const f = filter.split('/');
    const p = topic.split('/');
    for (let i = 0; i < f.length; i++) {
      if (f[i] === '#') return true;
      if (f[i] !== '+' && f[i] !== p[i]) return false;
    }
    return f.length === p.length;
  };
  const onMessage = (topic: string, payload: Buffer): void => {
    if (topic === o.topic) {
      const seq = Number(payload.toString().split(' ')[0]);
      const count = (seen.get(seq) ?? 0) + 1;
      seen.set(seq, count);
      if (count > 1) duplicates++;
      else if (sentAt.has(seq)) latencies.push(performance.now() - sentAt.get(seq)!);
      return;
    }
    for (const entry of topics.values()) {
      if (matches(entry.topic, topic)) {
        entry.messages++;
        entry.firstAfterMs ??= Math.round(performance.now() - started);
      }
    }
  };
  const subscribe = async (c: MqttClient): Promise<void> => {
    c.on('message', onMessage);
    const filters = [o.topic, ...o.expectTopics];
    let granted: Array<{ topic: string; qos: number }>;
    try {
      granted = await c.subscribeAsync(filters, { qos: 1 });
    } catch (e) {
      // MQTT.js rejects a SUBACK with failure codes; the packet carries one code per filter.
      const packet = (e as { packet?: { granted?: Array<number | { qos: number }> } }).packet;
      if (!packet?.granted) throw e;
      granted = packet.granted.map((g, k) => ({
        topic: filters[k]!,
        qos: typeof g === 'number' ? g : g.qos,
      }));
    }
    for (const g of granted)
      if (g.qos >= 0x80) throw authorizationFailure('the subscription', g.qos, g.topic);
  };

  try {
    await subscribe(client);
    for (let seq = 1; seq <= o.messages; seq++) {
      if (left() <= 0) break;
      try {
        sentAt.set(seq, performance.now());
        const ack = (await client.publishAsync(o.topic, `${seq} ${Date.now()}`, { qos: 1 })) as
          { reasonCode?: number } | undefined;
        if (ack?.reasonCode !== undefined && ack.reasonCode >= 0x80)
          throw authorizationFailure('the publish', ack.reasonCode, o.topic);
        // Wait for this message to come back before the next one: clean, comparable round trips. A message
        // that does not come back within ROUND_TRIP_LIMIT_MS ends the probe: waiting longer proves nothing.
        const giveUp = Math.min(o.deadline, performance.now() + ROUND_TRIP_LIMIT_MS);
        while (!seen.has(seq) && performance.now() < giveUp && client.connected) await delay(2);
        if (!seen.has(seq) && client.connected) break;
        if (!seen.has(seq) && !client.connected)
          throw Object.assign(new Error('connection lost'), { code: 'ECONNRESET' });
        if (seen.has(seq))
          o.log.debug(`probe message ${seq} back in ${Math.round(latencies.at(-1) ?? 0)} ms`);
      } catch (e) {
        if (e instanceof ProbeFailure) throw e;
        // A PUBACK with a failure reason code arrives as an error carrying that numeric code.
        const reason = (e as { code?: unknown }).code;
        if (typeof reason === 'number' && reason >= 0x80)
          throw authorizationFailure('the publish', reason, o.topic);
        if (interruptions.length >= MAX_INTERRUPTIONS) throw e;
        const code = String((e as NodeJS.ErrnoException).code ?? (e as Error).message);
        const lostAt = performance.now();
        client.end(true);
        client = await connect();
        await subscribe(client);
        interruptions.push(
          `connection lost at message ${seq} (${code}: the broker restarted or dropped the client); reconnected in ${Math.round(performance.now() - lostAt)} ms`,
        );
        seq--; // resend the message whose round trip was interrupted
      }
    }
    // Expected topics: wait for at least one message on each, bounded by the deadline.
    while ([...topics.values()].some((e) => e.messages === 0) && left() > 0 && !o.signal?.aborted)
      await delay(20);
  } finally {
    client.end(true);
  }

  const lost = Array.from({ length: o.messages }, (_, k) => k + 1).filter((s) => !seen.has(s)).length;
  const report: ProbeReport = {
    connectMs,
    latencies,
    lost,
    duplicates,
    interruptions,
    topics: [...topics.values()],
  };
  const silent = report.topics.filter((e) => e.messages === 0);
  if (silent.length > 0) {
    throw Object.assign(
      new ProbeFailure(
        'no-data',
        `smoke: no message arrived on ${silent.map((e) => `'${e.topic}'`).join(', ')} within smoke-timeout`,
        'check that the Litmus Edge connector is enabled and its topics are turned on (connector stage), and that devices produce data',
      ),
      { report },
    );
  }
  if (latencies.length === 0 && interruptions.length === 0) {
    throw Object.assign(
      new ProbeFailure(
        'not-authorized',
        `smoke: the broker acknowledged the probe publish on '${o.topic}' but delivered nothing back: its authorization policy most likely denies publishing or subscribing there silently (MQTT 3.1.1, and brokers that do not report denials)`,
        "check the BrokerAuthorization for the connector's attributes (topic-prefix) and the authorization-attributes that map the client certificate",
      ),
      { report },
    );
  }
  if (lost > 0) {
    throw Object.assign(
      new ProbeFailure(
        'timeout',
        `smoke: ${lost} of ${o.messages} probe messages did not come back before the deadline${interruptions.length ? ` (${interruptions.join('; ')})` : ''}`,
        'raise smoke-timeout, or check the broker health',
      ),
      { report },
    );
  }
  return report;
}

export function latencyStats(xs: number[]): { min: number; median: number; p95: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
  return { min: s[0] ?? NaN, median: at(0.5), p95: at(0.95) };
}
