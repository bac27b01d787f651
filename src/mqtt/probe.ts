// The smoke probe: connect to the broker as Litmus Edge would (TLS, client chain), subscribe to a unique
// topic, publish N QoS 1 messages one after another, and measure each round trip. A broker that drops the
// connection mid-probe (a restart) is reconnected within the deadline and the restart is reported.
import { randomBytes } from 'node:crypto';
import type * as MqttModule from 'mqtt';
import type { MqttClient, IClientOptions } from 'mqtt';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../pipeline/logger.js';
import { diagnoseConnectError, NOT_AUTHORIZED, ProbeFailure, type TlsTarget } from './diagnose.js';
import { matchesFilter } from './topic-filter.js';

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

const AUTHORIZATION_FIX =
  "check the BrokerAuthorization for the connector's attributes (topic-prefix) and the authorization-attributes that map the client certificate";

function authorizationFailure(what: string, code: number, topic: string): ProbeFailure {
  return new ProbeFailure(
    'not-authorized',
    `smoke: the broker refused ${what} on '${topic}': reason 0x${code.toString(16)} (${NOT_AUTHORIZED[code] ?? 'refused'})`,
    AUTHORIZATION_FIX,
  );
}

/** The run was interrupted (Ctrl-C, a cancelled workflow): not a broker problem, and never called a timeout. */
export function cancelledFailure(startedAt: number): ProbeFailure {
  const s = ((performance.now() - startedAt) / 1000).toFixed(1);
  return new ProbeFailure(
    'cancelled',
    `smoke: cancelled after ${s} s (the run was interrupted)`,
    'nothing to fix in the broker: run the stage again',
  );
}

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

/** Connects, retrying only transient failures (the broker restarting), with backoff, until the deadline. */
async function connect(lib: Mqtt, t: TlsTarget, o: ProbeOptions, startedAt: number): Promise<MqttClient> {
  const left = (): number => o.deadline - performance.now();
  let wait = 50;
  let last: unknown;
  let toldAt = -Infinity; // a line every few seconds while it waits, not one per attempt
  for (let attempt = 1; left() > 0 && !o.signal?.aborted; attempt++) {
    try {
      return await connectOnce(lib, t, o, Math.min(left(), 10_000));
    } catch (e) {
      last = e;
      const reason = (e as { code?: unknown }).code;
      if (typeof reason === 'number' && NOT_AUTHORIZED[reason])
        throw authorizationFailure('the connection', reason, t.via);
      const code = String(reason ?? '');
      if (!TRANSIENT.has(code)) throw await diagnoseConnectError(e, t);
      // A reset during the handshake can also be a refused client certificate: ask the TLS layer directly.
      const diagnosed = await diagnoseConnectError(e, t);
      if (code === 'ECONNRESET' && diagnosed.kind !== 'timeout') throw diagnosed;
      o.log.debug(`connect attempt ${attempt} failed (${code}); retrying in ${wait} ms`);
      if (performance.now() - toldAt >= 5000) {
        toldAt = performance.now();
        o.log.info(
          `the broker at ${t.via} does not answer yet (${code}); retrying until smoke-timeout (${Math.round(left() / 1000)} s left)`,
        );
      }
      await delay(Math.min(wait, Math.max(0, left())), undefined, { signal: o.signal }).catch(
        () => undefined,
      );
      wait = Math.min(wait * 2, 1000);
    }
  }
  if (o.signal?.aborted) throw cancelledFailure(startedAt);
  throw await diagnoseConnectError(
    last ?? Object.assign(new Error('deadline passed'), { code: 'ETIMEDOUT' }),
    t,
  );
}

/** What came back: probe round trips by sequence number, and counts on the expected topics. */
class ProbeTally {
  readonly latencies: number[] = [];
  duplicates = 0;
  readonly topics: Map<string, ProbeReport['topics'][number]>;
  private readonly sentAt = new Map<number, number>();
  private readonly seen = new Set<number>();
  private readonly waiting = new Map<number, () => void>();
  private readonly startedAt = performance.now();

  constructor(private readonly o: ProbeOptions) {
    this.topics = new Map(o.expectTopics.map((topic) => [topic, { topic, messages: 0 }]));
  }

  sent(seq: number): void {
    this.sentAt.set(seq, performance.now());
  }

  has(seq: number): boolean {
    return this.seen.has(seq);
  }

  readonly onMessage = (topic: string, payload: Buffer): void => {
    if (topic === this.o.topic) {
      const seq = Number(payload.toString().split(' ')[0]);
      if (this.seen.has(seq)) this.duplicates++;
      else {
        this.seen.add(seq);
        const at = this.sentAt.get(seq);
        if (at !== undefined) this.latencies.push(performance.now() - at);
        this.waiting.get(seq)?.();
      }
      return;
    }
    for (const entry of this.topics.values()) {
      if (!matchesFilter(entry.topic, topic)) continue;
      entry.messages++;
      entry.firstAfterMs ??= Math.round(performance.now() - this.startedAt);
    }
  };

  /** Resolves when `seq` has come back, the client closes, or `ms` pass: whichever is first. */
  async waitFor(seq: number, client: MqttClient, ms: number): Promise<void> {
    if (this.seen.has(seq) || !client.connected) return;
    const stop = new AbortController();
    let onClose = (): void => undefined;
    const back = new Promise<void>((resolve) => this.waiting.set(seq, resolve));
    const closed = new Promise<void>((resolve) => {
      onClose = resolve;
      client.once('close', onClose);
    });
    await Promise.race([back, closed, delay(ms, undefined, { signal: stop.signal }).catch(() => undefined)]);
    stop.abort();
    client.off('close', onClose);
    this.waiting.delete(seq);
  }

  lost(): number {
    return Array.from({ length: this.o.messages }, (_, k) => k + 1).filter((s) => !this.seen.has(s)).length;
  }

  silentTopics(): string[] {
    return [...this.topics.values()].filter((e) => e.messages === 0).map((e) => e.topic);
  }
}

async function subscribe(c: MqttClient, o: ProbeOptions, tally: ProbeTally): Promise<void> {
  c.on('message', tally.onMessage);
  const filters = [o.topic, ...o.expectTopics];
  let granted: Array<{ topic: string; qos: number }>;
  try {
    granted = await c.subscribeAsync(filters, { qos: 1 });
  } catch (e) {
    // MQTT.js rejects a SUBACK with failure codes; the packet carries one code per filter.
    const packet = (e as { packet?: { granted?: Array<number | { qos: number }> } }).packet;
    if (!packet?.granted) throw e;
    granted = packet.granted.map((g, k) => ({ topic: filters[k]!, qos: typeof g === 'number' ? g : g.qos }));
  }
  for (const g of granted) if (g.qos >= 0x80) throw authorizationFailure('the subscription', g.qos, g.topic);
}

/** Publishes one probe message and waits for it to come back. Returns false when it did not come back. */
async function roundTrip(
  client: MqttClient,
  seq: number,
  o: ProbeOptions,
  tally: ProbeTally,
): Promise<boolean> {
  tally.sent(seq);
  const ack = (await client.publishAsync(o.topic, `${seq} ${Date.now()}`, { qos: 1 })) as
    { reasonCode?: number } | undefined;
  if (ack?.reasonCode !== undefined && ack.reasonCode >= 0x80)
    throw authorizationFailure('the publish', ack.reasonCode, o.topic);
  // One message at a time gives clean, comparable round trips. A message that does not come back within
  // ROUND_TRIP_LIMIT_MS ends the probe: waiting longer proves nothing.
  await tally.waitFor(
    seq,
    client,
    Math.max(0, Math.min(o.deadline - performance.now(), ROUND_TRIP_LIMIT_MS)),
  );
  if (tally.has(seq)) {
    o.log.debug(`probe message ${seq} back in ${Math.round(tally.latencies.at(-1) ?? 0)} ms`);
    return true;
  }
  if (!client.connected) throw Object.assign(new Error('connection lost'), { code: 'ECONNRESET' });
  return false;
}

interface Session {
  lib: Mqtt;
  t: TlsTarget;
  o: ProbeOptions;
  tally: ProbeTally;
  client: MqttClient;
  interruptions: string[];
  startedAt: number;
}

/** Sends the probe messages in order, reconnecting (and resending) after a lost connection. */
async function sendAll(s: Session): Promise<void> {
  for (let seq = 1; seq <= s.o.messages; seq++) {
    if (s.o.deadline - performance.now() <= 0 || s.o.signal?.aborted) return;
    try {
      if (!(await roundTrip(s.client, seq, s.o, s.tally))) return;
    } catch (e) {
      if (e instanceof ProbeFailure) throw e;
      // A PUBACK with a failure reason code arrives as an error carrying that numeric code.
      const reason = (e as { code?: unknown }).code;
      if (typeof reason === 'number' && reason >= 0x80)
        throw authorizationFailure('the publish', reason, s.o.topic);
      if (s.interruptions.length >= MAX_INTERRUPTIONS) throw e;
      const code = String((e as NodeJS.ErrnoException).code ?? (e as Error).message);
      const lostAt = performance.now();
      s.client.end(true);
      s.client = await connect(s.lib, s.t, s.o, s.startedAt);
      await subscribe(s.client, s.o, s.tally);
      s.interruptions.push(
        `connection lost at message ${seq} (${code}: the broker restarted or dropped the client); reconnected in ${Math.round(performance.now() - lostAt)} ms`,
      );
      seq--; // resend the message whose round trip was interrupted
    }
  }
}

/** Waits for at least one message on each expected topic, bounded by the deadline. */
async function awaitExpectedTopics(o: ProbeOptions, tally: ProbeTally): Promise<void> {
  let wait = 20;
  while (tally.silentTopics().length > 0 && o.deadline > performance.now() && !o.signal?.aborted) {
    await delay(Math.min(wait, Math.max(0, o.deadline - performance.now())), undefined, {
      signal: o.signal,
    }).catch(() => undefined);
    wait = Math.min(wait * 2, 250);
  }
}

/** The probe's verdict on a finished report: undefined when it passed. */
export function verdict(
  report: ProbeReport,
  o: Pick<ProbeOptions, 'messages' | 'topic'>,
): ProbeFailure | undefined {
  const silent = report.topics.filter((e) => e.messages === 0);
  if (silent.length > 0) {
    return new ProbeFailure(
      'no-data',
      `smoke: no message arrived on ${silent.map((e) => `'${e.topic}'`).join(', ')} within smoke-timeout`,
      'check that the Litmus Edge connector is enabled and its topics are turned on (connector stage), and that devices produce data',
      report,
    );
  }
  if (report.latencies.length === 0 && report.interruptions.length === 0) {
    return new ProbeFailure(
      'not-authorized',
      `smoke: the broker acknowledged the probe publish on '${o.topic}' but delivered nothing back: its authorization policy most likely denies publishing or subscribing there silently (MQTT 3.1.1, and brokers that do not report denials)`,
      AUTHORIZATION_FIX,
      report,
    );
  }
  if (report.lost > 0) {
    return new ProbeFailure(
      'timeout',
      `smoke: ${report.lost} of ${o.messages} probe messages did not come back before the deadline${report.interruptions.length ? ` (${report.interruptions.join('; ')})` : ''}`,
      'raise smoke-timeout, or check the broker health',
      report,
    );
  }
  return undefined;
}

export async function runProbe(t: TlsTarget, o: ProbeOptions): Promise<ProbeReport> {
  const mqtt = (await import('mqtt')) as Mqtt & { default?: Mqtt };
  const lib: Mqtt = typeof mqtt.connect === 'function' ? mqtt : mqtt.default!;
  const startedAt = performance.now();
  const tally = new ProbeTally(o);
  const client = await connect(lib, t, o, startedAt);
  const s: Session = { lib, t, o, tally, client, interruptions: [], startedAt };
  const connectMs = performance.now() - startedAt;
  try {
    await subscribe(s.client, o, tally);
    await sendAll(s);
    await awaitExpectedTopics(o, tally);
  } finally {
    s.client.end(true);
  }
  if (o.signal?.aborted) throw cancelledFailure(startedAt);
  const report: ProbeReport = {
    connectMs,
    latencies: tally.latencies,
    lost: tally.lost(),
    duplicates: tally.duplicates,
    interruptions: s.interruptions,
    topics: [...tally.topics.values()],
  };
  const failure = verdict(report, o);
  if (failure) throw failure;
  return report;
}

export function latencyStats(xs: number[]): { min: number; median: number; p95: number } {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { min: sorted[0] ?? NaN, median: at(0.5), p95: at(0.95) };
}
