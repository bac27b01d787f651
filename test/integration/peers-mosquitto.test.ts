// mosquitto as the AIO broker's X.509 port: which client certificates it accepts, and how its trust is replaced.
// Clients are the real mosquitto_pub / mosquitto_sub; refusal reasons come from the TLS alert the broker sends
// (read by a Node TLS probe) and from the broker's log.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestCa, issueLoopbackServerCert, issueTestCert } from '../support/test-pki.js';
import type { TestCertificate } from '../support/test-pki.js';
import { createTestChain, pemChain } from '../support/peers/chain.js';
import type { TestChain } from '../support/peers/chain.js';
import { runCommand, spawnPeer } from '../support/peers/child.js';
import type { RunResult } from '../support/peers/child.js';
import { freePort } from '../support/peers/free-port.js';
import { probeTls } from '../support/peers/tls-probe.js';
import { startMosquitto } from '../support/peers/mosquitto.js';
import type { MosquittoPeer } from '../support/peers/mosquitto.js';
import { findTool } from '../support/peers/tools.js';

let work: string;
let serverCa: TestCertificate;
let server: TestCertificate;
let trusted: TestChain; // root A → intermediate A → leaf "test-client"
let other: TestChain; // root B → intermediate B → leaf
let clientSeq = 0;

interface Client {
  /** Paths for mosquitto_pub/sub; absent for a client without a certificate. */
  cert?: string;
  key?: string;
  /** The same as PEM, for the TLS probe. */
  certPem?: string;
  keyPem?: string;
}

/** Writes a client's certificate file (the given PEM certs, in order) and key. */
async function client(certs: { cert: string }[], key: string): Promise<Client> {
  const n = ++clientSeq;
  const certPem = pemChain(...certs);
  const cert = join(work, `client-${n}.crt`);
  const keyFile = join(work, `client-${n}.key`);
  await writeFile(cert, certPem);
  await writeFile(keyFile, key, { mode: 0o600 });
  return { cert, key: keyFile, certPem, keyPem: key };
}

function tlsArgs(broker: MosquittoPeer, c: Client): string[] {
  const args = ['-h', broker.host, '-p', String(broker.port), '--cafile', join(work, 'server-ca.pem')];
  if (c.cert !== undefined && c.key !== undefined) args.push('--cert', c.cert, '--key', c.key);
  return args;
}

/** One publish with the real client (-d: it prints CONNECT/CONNACK and any OpenSSL error). */
function publish(broker: MosquittoPeer, c: Client, o: { topic?: string; message?: string } = {}) {
  const args = [...tlsArgs(broker, c), '-d', '-i', `pub-${++clientSeq}`];
  args.push('-t', o.topic ?? 'litmus/probe', '-m', o.message ?? 'probe');
  return runCommand(findTool('mosquitto_pub'), args, { timeoutMs: 15_000 });
}

function expectAccepted(r: RunResult): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  expect(r.stdout).toContain('received CONNACK (0)');
}

/**
 * Refused: mosquitto_pub gets no CONNACK and fails, and the TLS alert the broker sends is `alert`. The alert is
 * read by a probe that sends nothing after its handshake: mosquitto_pub sends CONNECT straight away (TLS 1.3 lets
 * it before the broker has checked its certificate) and then often sees only the reset, not the alert.
 */
async function expectRefused(broker: MosquittoPeer, c: Client, alert: RegExp): Promise<void> {
  const r = await publish(broker, c);
  expect(r.code, `${r.stdout}\n${r.stderr}`).not.toBe(0);
  expect(r.stdout).not.toContain('received CONNACK');
  const probe = await probeTls({
    host: broker.host,
    port: broker.port,
    ca: serverCa.cert,
    cert: c.certPem,
    key: c.keyPem,
  });
  expect(probe).toMatchObject({ refused: true, code: expect.stringMatching(alert) });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'peers-mosquitto-test-'));
  serverCa = await createTestCa('Sandbox Broker Server CA');
  server = await issueLoopbackServerCert(serverCa);
  await writeFile(join(work, 'server-ca.pem'), serverCa.cert);
  trusted = await createTestChain({ rootName: 'Trusted Client Root A', intermediateName: 'Intermediate A' });
  other = await createTestChain({ rootName: 'Other Client Root B', intermediateName: 'Intermediate B' });
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('mosquitto with the trusted root only in its cafile', () => {
  let broker: MosquittoPeer;

  beforeAll(async () => {
    broker = await startMosquitto({ serverCert: server, clientCaPem: trusted.root.cert });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  test('accepts leaf + intermediate under the trusted root; a publish/subscribe round-trip works', async () => {
    const subClient = await client([trusted.leaf, trusted.intermediate], trusted.leaf.key);
    const pubLeaf = await issueTestCert(trusted.intermediate, { commonName: 'litmus-edge', usage: 'client' });
    const pubClient = await client([pubLeaf, trusted.intermediate], pubLeaf.key);
    const mark = broker.logMark();
    const sub = spawnPeer(findTool('mosquitto_sub'), [
      ...tlsArgs(broker, subClient),
      '-i',
      'sub-roundtrip',
      '-q',
      '1',
      '-t',
      'litmus/roundtrip/#',
      '-v',
      '-C',
      '1',
      '-W',
      '20',
    ]);
    try {
      // The broker logs the SUBACK once the subscription is in place: only then publish.
      await broker.waitForLog(/Sending SUBACK to sub-roundtrip/, { since: mark });
      const pub = await publish(broker, pubClient, {
        topic: 'litmus/roundtrip/1',
        message: 'hello from litmus',
      });
      expectAccepted(pub);
      const status = await sub.exited;
      expect(status.code, sub.output()).toBe(0);
      expect(sub.output()).toContain('litmus/roundtrip/1 hello from litmus');
    } finally {
      await sub.stop();
    }
    // use_identity_as_username: each client's username is its certificate's CN.
    const log = broker.log(mark);
    expect(log).toMatch(/New client connected from 127\.0\.0\.1:\d+ as sub-roundtrip \(.*u'test-client'\)/);
    expect(log).toMatch(/New client connected from 127\.0\.0\.1:\d+ as pub-\d+ \(.*u'litmus-edge'\)/);
  });

  test('refuses a leaf (with its intermediate) from another CA: unknown ca', async () => {
    const mark = broker.logMark();
    const c = await client([other.leaf, other.intermediate], other.leaf.key);
    await expectRefused(broker, c, /ALERT_UNKNOWN_CA/);
    await broker.waitForLog(/certificate verify failed/, { since: mark });
  });

  test('refuses an expired leaf under the trusted chain: certificate expired', async () => {
    const expired = await issueTestCert(trusted.intermediate, {
      commonName: 'expired-client',
      usage: 'client',
      notBefore: new Date(Date.now() - 2 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const mark = broker.logMark();
    await expectRefused(
      broker,
      await client([expired, trusted.intermediate], expired.key),
      /CERTIFICATE_EXPIRED/,
    );
    await broker.waitForLog(/certificate verify failed/, { since: mark });
  });

  test('refuses a leaf presented without its intermediate: unknown ca', async () => {
    await expectRefused(broker, await client([trusted.leaf], trusted.leaf.key), /ALERT_UNKNOWN_CA/);
  });

  test('refuses a client with no certificate: certificate required', async () => {
    const mark = broker.logMark();
    await expectRefused(broker, {}, /TLSV13_ALERT_CERTIFICATE_REQUIRED/);
    await broker.waitForLog(/peer did not return a certificate/, { since: mark });
  });

  test('the TLS probe sees an accepted certificate as accepted', async () => {
    const c = await client([trusted.leaf, trusted.intermediate], trusted.leaf.key);
    const probe = await probeTls({
      host: broker.host,
      port: broker.port,
      ca: serverCa.cert,
      cert: c.certPem,
      key: c.keyPem,
    });
    expect(probe).toEqual({ refused: false, protocol: 'TLSv1.3' });
  });
});

describe('replacing the trusted client CA', () => {
  let broker: MosquittoPeer;
  let clientA: Client;
  let clientB: Client;

  beforeAll(async () => {
    broker = await startMosquitto({ serverCert: server, clientCaPem: trusted.root.cert });
    clientA = await client([trusted.leaf, trusted.intermediate], trusted.leaf.key);
    clientB = await client([other.leaf, other.intermediate], other.leaf.key);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  // Why setClientCa() restarts instead of sending SIGHUP: mosquitto 2.0.11 reloads certfile/keyfile on SIGHUP,
  // but an existing listener keeps the CA store it built at start.
  test('SIGHUP does not re-read cafile (mosquitto 2.0.11)', async () => {
    await writeFile(broker.caFile, other.root.cert);
    await broker.reload();
    expectAccepted(await publish(broker, clientA));
    await expectRefused(broker, clientB, /ALERT_UNKNOWN_CA/);
    await writeFile(broker.caFile, trusted.root.cert); // back as it was
  });

  test('after setClientCa(otherRoot) the old client is refused and a client of the new root is accepted', async () => {
    expectAccepted(await publish(broker, clientA));
    const port = broker.port;
    await broker.setClientCa(other.root.cert);
    expect(broker.port).toBe(port);
    await expectRefused(broker, clientA, /ALERT_UNKNOWN_CA/);
    expectAccepted(await publish(broker, clientB));
  });
});

describe('startMosquitto lifecycle', () => {
  test('a bad CA file: rejects with mosquitto own error', async () => {
    await expect(startMosquitto({ serverCert: server, clientCaPem: 'not a certificate\n' })).rejects.toThrow(
      /mosquitto exited early[\s\S]*Unable to load CA certificates/,
    );
  });

  test('a taken port: rejects with "Address already in use"', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      await expect(
        startMosquitto({ serverCert: server, clientCaPem: trusted.root.cert, port }),
      ).rejects.toThrow(/Address already in use/);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  test('restart() serves again on the same port; stop() ends the process and removes its directory', async () => {
    const b = await startMosquitto({ serverCert: server, clientCaPem: trusted.root.cert });
    const c = await client([trusted.leaf, trusted.intermediate], trusted.leaf.key);
    const port = b.port;
    await b.restart();
    expect(b.port).toBe(port);
    expectAccepted(await publish(b, c));
    expect(existsSync(b.dir)).toBe(true);
    await b.stop();
    expect(existsSync(b.dir)).toBe(false);
    await expect(
      new Promise((resolveConn, reject) =>
        connect(port, '127.0.0.1').on('connect', resolveConn).on('error', reject),
      ),
    ).rejects.toThrow(/ECONNREFUSED/);
    // Both processes' logs were kept: two starts.
    expect(b.log().match(/mosquitto version \S+ running/g)).toHaveLength(2);
    await b.stop(); // twice is fine
  });
});

describe('findTool', () => {
  test('finds mosquitto (in /usr/sbin, off a user PATH) and helm in .tools/bin', () => {
    expect(findTool('mosquitto', { path: '/usr/bin:/bin' })).toMatch(/\/mosquitto$/);
    expect(findTool('helm')).toMatch(/\/helm$/);
  });

  test('a missing tool throws, naming it and its install command', () => {
    const none = { path: '/nonexistent', extraDirs: [], helmPath: '/nonexistent/helm' };
    expect(() => findTool('mosquitto', none)).toThrow(
      'mosquitto not found: run scripts/install-test-tools.sh (apt-get install -y mosquitto)',
    );
    expect(() => findTool('htpasswd', none)).toThrow(
      'htpasswd not found: run scripts/install-test-tools.sh (apt-get install -y apache2-utils)',
    );
    expect(() => findTool('helm', none)).toThrow(/^helm not found: run scripts\/install-test-tools\.sh \(/);
  });
});
