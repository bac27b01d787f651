// The smoke probe against a real mosquitto (TLS, client certificates): success with numbers, and each failure
// cause diagnosed as a user can act on it.
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import * as mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ProbeFailure, type TlsTarget } from '../../src/mqtt/diagnose.js';
import { latencyStats, runProbe, type ProbeOptions } from '../../src/mqtt/probe.js';
import { silentLogger } from '../../src/pipeline/logger.js';
import { createTestChain, pemChain, type TestChain } from '../support/peers/chain.js';
import { freePort } from '../support/peers/free-port.js';
import { startMosquitto, type MosquittoPeer } from '../support/peers/mosquitto.js';
import { createTestCa, issueTestCert, type TestCertificate } from '../support/test-pki.js';

let broker: MosquittoPeer;
let aioCa: TestCertificate;
let chain: TestChain;
let target: TlsTarget;

beforeAll(async () => {
  aioCa = await createTestCa('AIO test CA');
  const server = await issueTestCert(aioCa, {
    commonName: 'aio-broker',
    dnsNames: ['aio-broker'],
    ipAddresses: ['127.0.0.1'],
  });
  chain = await createTestChain({ leaf: { commonName: 'aiomqttconnector' } });
  broker = await startMosquitto({ serverCert: server, clientCaPem: chain.root.cert });
  target = {
    host: broker.host,
    port: broker.port,
    servername: 'aio-broker',
    caPem: aioCa.cert,
    certPem: chain.chainPem,
    keyPem: chain.leaf.key,
    via: 'direct',
  };
});
afterAll(() => broker.stop());

const options = (over: Partial<ProbeOptions> = {}): ProbeOptions => ({
  protocolVersion: 5,
  messages: 5,
  topic: `litmus-aio/smoke/${Math.random().toString(36).slice(2)}`,
  expectTopics: [],
  deadline: performance.now() + 10_000,
  log: silentLogger,
  ...over,
});

async function failure(t: TlsTarget, o: Partial<ProbeOptions> = {}): Promise<ProbeFailure> {
  const e = await runProbe(t, options(o)).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ProbeFailure);
  return e as ProbeFailure;
}

describe('smoke probe', () => {
  test.each([5, 4] as const)(
    'MQTT %s: N messages round-trip with latencies, none lost or duplicated',
    async (v) => {
      const r = await runProbe(target, options({ protocolVersion: v, messages: 8 }));
      expect(r.latencies).toHaveLength(8);
      expect(r.lost).toBe(0);
      expect(r.duplicates).toBe(0);
      const s = latencyStats(r.latencies);
      expect(s.min).toBeGreaterThan(0);
      expect(s.min).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.p95);
    },
  );

  test('TCP unreachable', async () => {
    const port = await freePort();
    const f = await failure({ ...target, port }, { deadline: performance.now() + 800 });
    expect(f.kind).toBe('tcp-unreachable');
    expect(f.message).toContain(
      `cannot open a TCP connection to the broker at 127.0.0.1:${port} (direct): ECONNREFUSED`,
    );
  });

  test('server not trusted: names the issuer presented and the CA expected', async () => {
    const other = await createTestCa('Some Other CA');
    const f = await failure({ ...target, caPem: other.cert });
    expect(f.kind).toBe('tls-server-untrusted');
    expect(f.message).toMatch(
      /issued by 'CN=AIO test CA' .* but the AIO CA bundle expected is CN=Some Other CA/,
    );
  });

  test('server name mismatch', async () => {
    const f = await failure({ ...target, servername: 'wrong-name' });
    expect(f.kind).toBe('tls-server-name');
    expect(f.message).toContain("does not name 'wrong-name' (it names DNS:aio-broker, IP Address:127.0.0.1)");
    expect(f.fix).toContain('tls-server-name');
  });

  test('client certificate from another CA', async () => {
    const other = await createTestChain({ rootName: 'Foreign Root' });
    const f = await failure({ ...target, certPem: other.chainPem, keyPem: other.leaf.key });
    expect(f.kind).toBe('client-cert-rejected');
  });

  test('expired client certificate', async () => {
    const expired = await issueTestCert(chain.intermediate, {
      commonName: 'aiomqttconnector',
      usage: 'client',
      notBefore: new Date(Date.now() - 3 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const f = await failure({
      ...target,
      certPem: pemChain(expired, chain.intermediate),
      keyPem: expired.key,
    });
    expect(f.kind).toBe('client-cert-expired');
  });

  test('client chain without its intermediate', async () => {
    const f = await failure({ ...target, certPem: chain.leaf.cert });
    expect(f.kind).toBe('client-chain-incomplete');
  });

  test('no data on an expected topic within the deadline', async () => {
    const f = await failure(target, {
      expectTopics: ['devicehub/alias/#'],
      deadline: performance.now() + 1500,
    });
    expect(f.kind).toBe('no-data');
    expect(f.message).toContain("no message arrived on 'devicehub/alias/#' within smoke-timeout");
  });

  test('broker restart during the probe: reconnects within the deadline and names the restart', async () => {
    let restart: Promise<void> | undefined;
    const report = await runProbe(
      target,
      options({
        messages: 10,
        deadline: performance.now() + 20_000,
        // Restart the broker once the third message is back: mid-probe, deterministically.
        log: {
          ...silentLogger,
          debug: (m) => void (m.startsWith('probe message 3 ') && (restart ??= broker.restart())),
        },
      }),
    );
    await restart;
    expect(restart).toBeDefined();
    expect(report.lost).toBe(0);
    expect(report.latencies).toHaveLength(10);
    expect(report.interruptions).toHaveLength(1);
    expect(report.interruptions[0]).toMatch(
      /^connection lost at message \d+ \(.+: the broker restarted or dropped the client\); reconnected in \d+ ms$/,
    );
  });

  test('a broker that stays down fails at the deadline, never hangs', async () => {
    const port = await freePort();
    // The probe retries refused connections with backoff, and gives up with the cause once the deadline passes.
    const f = await failure({ ...target, port }, { deadline: performance.now() + 1200 });
    expect(f.kind).toBe('tcp-unreachable');
  });
});

describe('smoke probe: authorization (mosquitto ACL playing the BrokerAuthorization)', () => {
  let restricted: MosquittoPeer;
  let t: TlsTarget;
  beforeAll(async () => {
    const server = await issueTestCert(aioCa, {
      commonName: 'aio-broker',
      dnsNames: ['aio-broker'],
      ipAddresses: ['127.0.0.1'],
    });
    // The connector may write only under litmus/ and read only its own probe prefix.
    restricted = await startMosquitto({
      serverCert: server,
      clientCaPem: chain.root.cert,
      acl: 'user aiomqttconnector\ntopic readwrite litmus/#\ntopic read probe-readonly/#\n',
    });
    t = { ...target, port: restricted.port };
  });
  afterAll(() => restricted.stop());

  test('allowed prefix: passes', async () => {
    const r = await runProbe(t, options({ topic: 'litmus/litmus-aio-smoke/x1', messages: 2 }));
    expect(r.lost).toBe(0);
  });

  test('PUBACK refusal from mosquitto (ACL denies publish) is named with its reason code', async () => {
    const f = await failure(t, { topic: 'probe-readonly/x', messages: 2 });
    expect(f.kind).toBe('not-authorized');
    expect(f.message).toMatch(
      /^smoke: the broker refused the publish on 'probe-readonly\/x': reason 0x87 \(not authorized\)\. Fix: .*topic-prefix/,
    );
  });

  test('MQTT 3.1.1: the denial is silent, and diagnosed as authorization', async () => {
    const f = await failure(t, { topic: 'probe-readonly/x', messages: 2, protocolVersion: 4 });
    expect(f.kind).toBe('not-authorized');
    expect(f.message).toMatch(
      /^smoke: the broker acknowledged the probe publish on 'probe-readonly\/x' but delivered nothing back: its authorization policy most likely denies/,
    );
  });
});

describe('smoke probe: MQTT 5 reason codes (a TLS MQTT 5 peer that refuses as AIO does)', () => {
  test.each([
    [
      'CONNACK',
      { connack: 0x87 },
      "smoke: the broker refused the connection on 'direct': reason 0x87 (not authorized). Fix: ",
    ],
    [
      'SUBACK',
      { suback: 0x87 },
      "smoke: the broker refused the subscription on 'litmus/p': reason 0x87 (not authorized). Fix: ",
    ],
    [
      'PUBACK',
      { puback: 0x87 },
      "smoke: the broker refused the publish on 'litmus/p': reason 0x87 (not authorized). Fix: ",
    ],
  ] as const)('%s 0x87', async (_name, refuse, message) => {
    const peer = await startRefusingBroker(refuse);
    try {
      const f = await failure({ ...target, port: peer.port }, { topic: 'litmus/p' });
      expect(f.kind).toBe('not-authorized');
      expect(f.message.startsWith(message)).toBe(true);
    } finally {
      await peer.close();
    }
  });
});

/** A minimal MQTT 5 broker over TLS (mqtt-packet encodes real packets) that refuses at one step with a reason code. */
async function startRefusingBroker(refuse: { connack?: number; suback?: number; puback?: number }) {
  const server = await issueTestCert(aioCa, {
    commonName: 'aio-broker',
    dnsNames: ['aio-broker'],
    ipAddresses: ['127.0.0.1'],
  });
  const tlsServer = createTlsServer(
    { cert: server.cert, key: server.key, ca: chain.root.cert, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      const parser = mqttPacket.parser({ protocolVersion: 5 });
      const send = (p: object) =>
        socket.write(mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion: 5 }));
      parser.on('packet', (p: mqttPacket.Packet) => {
        if (p.cmd === 'connect')
          send({ cmd: 'connack', sessionPresent: false, reasonCode: refuse.connack ?? 0 });
        if (p.cmd === 'subscribe') {
          send({
            cmd: 'suback',
            messageId: p.messageId,
            granted: p.subscriptions.map(() => refuse.suback ?? 1),
          });
        }
        if (p.cmd === 'publish')
          send({ cmd: 'puback', messageId: p.messageId, reasonCode: refuse.puback ?? 0 });
      });
      socket.on('data', (d: Buffer) => parser.parse(d));
      socket.on('error', () => socket.destroy());
    },
  );
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  return {
    port: (tlsServer.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => tlsServer.close(() => r())),
  };
}
