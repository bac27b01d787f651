// The smoke probe against a real mosquitto (TLS, client certificates): success with numbers, and each failure
// cause diagnosed as a user can act on it.
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
