// check-certs with the Litmus Edge integration configured (a litmus-edge-token): it reads what the integration
// holds through the connector's own adapter — the port-forward to the release's Service, the TLS pin the
// connector recorded, the provider's schema — and rotate writes to it. The Litmus Edge stand-in (which masks the
// client key on read, as a Litmus Edge that keeps secrets would) really connects to the sandbox's mosquitto with
// what it holds, so a stale CA or a swapped leaf shows as a broken connection and a rotate as a repaired one.
// The tests run in order: each starts from the state the previous one left.
import { randomBytes, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { parsePemBundle } from '../../src/pki/inspect.js';
import type { KubeObject } from '../support/kube-apiserver/index.js';
import { startLitmusEdge, type LitmusEdgeStandIn } from '../support/litmus-edge/index.js';
import { recordingReporter, type RecordingReporter } from '../support/recording-reporter.js';
import { issueBrokerServerCert, rotateAioCa, type AioRotation } from '../support/sandbox/aio-pki.js';
import { putClientLeaf } from '../support/sandbox/certs-to-order.js';
import { serveLitmusEdgeAsRelease } from '../support/sandbox/litmus-edge.js';
import { brokerByClusterDns, startSandbox, type Sandbox } from '../support/sandbox/index.js';
import { until } from '../support/until.js';

const run$ = promisify(execFile);
const TOKEN = `le-${randomBytes(18).toString('hex')}`;
const NS = 'litmus-edge';
const STATE = 'litmusedge-mqtt-client-connector';
const WHERE = `Litmus Edge Service ${NS}/litmusedge:443 integration 'aio-broker'`;
let sb: Sandbox;
let le: LitmusEdgeStandIn;
let defaults: Inputs;
let aio: AioRotation;
const reporters: RecordingReporter[] = [];
const masked: string[] = [];

const resolve = brokerByClusterDns(() => sb.broker);

async function runInputs(over: Partial<Inputs>, env: Record<string, string> = {}) {
  const reporter = recordingReporter();
  reporters.push(reporter);
  const summary = await runCommand(
    {
      ...defaults,
      'authpolicy-mode': 'kubernetes',
      'topic-prefix': 'litmus',
      'litmus-edge-token': TOKEN,
      'connector-topics': ['devicehub.alias.press1.*'],
      'smoke-timeout': 30,
      'smoke-messages': 2,
      ...over,
    },
    {
      reporter,
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { KUBECONFIG: sb.kubeconfig, HOME: sb.dir, RUNNER_TEMP: sb.dir, ...env },
      mask: (s) => masked.push(s),
    },
  );
  return { summary, reporter };
}

const stages = async (list: Inputs['stages']) =>
  (await runInputs({ command: 'run', stages: list, stagesExplicit: true })).summary;

async function check(over: Partial<Inputs> = {}) {
  const { summary, reporter } = await runInputs({ command: 'check-certs', 'github-issue': false, ...over });
  const row = summary.results[0]!;
  const outputs = summary.results.at(-1)!.outputs ?? {};
  const findings = JSON.parse(outputs['findings'] ?? '[]') as Array<{ kind: string; severity: string }>;
  const certificates = JSON.parse(outputs['certificates'] ?? '[]') as Array<{ role: string; sha256: string }>;
  return { summary, row, reporter, findings, certificates };
}

const instance = () => le.instances()[0]!;
const status = () => le.connectorStatus(instance().instanceId);
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
const fingerprints = (pem: unknown) =>
  parsePemBundle(String(pem)).map((b) => ('cert' in b ? b.cert.fingerprint256 : b.problem));
const kinds = (f: Array<{ kind: string }>) => f.map((x) => x.kind).sort();
const writes = (mark: number) =>
  le.requests.slice(mark).filter((r) => r.method !== 'GET' && r.path !== '/auth/v3/oauth/token');
const publishedNow = async () => {
  const before = status()?.published ?? 0;
  await until('the integration to publish through the broker again', () => {
    const s = status();
    return s?.connected && s.published > before;
  });
};

beforeAll(async () => {
  sb = await startSandbox();
  defaults = await resolveInputs([]);
  le = await startLitmusEdge({ tokens: [TOKEN], resolve, publishIntervalMs: 100, redactSecrets: true });
  expect((await stages(['certs', 'authpolicy'])).ok).toBe(true);
  await sb.broker.settled();
  // A year-long AIO CA and a 30-day server certificate, as AIO's: no expiry findings from the sandbox's own.
  aio = await rotateAioCa(sb, { serverDays: 30 });
  await serveLitmusEdgeAsRelease(sb, le);
  const setup = await stages(['certs', 'connector']);
  expect(setup.ok, JSON.stringify(setup.results)).toBe(true);
  await publishedNow();
}, 120_000);
afterAll(async () => {
  await le?.stop();
  await sb?.stop();
});

describe('check-certs with the Litmus Edge integration', () => {
  test('healthy: reads the integration through the pinned port-forward, inventories what it holds', async () => {
    const mark = le.requests.length;
    const r = await check();
    expect(r.summary.ok, JSON.stringify(r.row)).toBe(true);
    expect(r.findings).toEqual([]);
    const held = r.certificates.filter((c) => c.role.startsWith('litmus-'));
    expect(held.map((c) => `${c.role} ${c.sha256}`).sort()).toEqual(
      [
        `litmus-broker-ca ${fingerprint(aio.ca.cert)}`,
        `litmus-client ${fingerprint(sb.secretData()!['tls.crt']!)}`,
        // The chain's intermediate.
        `litmus-client ${fingerprints(sb.secretData()!['tls.crt'])[1]}`,
      ].sort(),
    );
    expect(r.row.details?.join('\n')).not.toMatch(/not configured/);
    // Only reads, each with the token.
    const reads = le.requests.slice(mark);
    expect(reads.map((q) => `${q.method} ${q.path}`)).toContain('GET /cc/instances');
    expect(reads.every((q) => q.method === 'GET' && q.auth === 'basic')).toBe(true);
  });

  test('a disabled integration is a warning; the connector stage enables it again', async () => {
    const { stdout } = await run$('curl', [
      '-sk',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-X',
      'PUT',
      '-u',
      `${TOKEN}:`,
      `${le.url}/cc/instances/${instance().instanceId}/disable`,
    ]);
    expect(stdout).toBe('204');
    const r = await check();
    expect(r.findings.map((f) => `${f.severity} ${f.kind}`)).toEqual(['warning integration-disabled']);
    expect(r.summary.ok).toBe(true);
    expect((await stages(['connector'])).ok).toBe(true);
    expect(instance().enabled).toBe(true);
    await publishedNow();
  });

  test('another leaf in the integration than in the Secret (a crash between the two writes): found, rotate puts ours in', async () => {
    const ours = await putClientLeaf(sb, { days: 100 });
    const r = await check();
    expect(kinds(r.findings)).toEqual(['integration-leaf-differs']);
    expect(r.summary.ok).toBe(false);
    const mark = le.requests.length;
    const fixed = await check({ rotate: true });
    expect(fixed.summary.ok, JSON.stringify(fixed.row)).toBe(true);
    expect(fixed.row.changes).toContain(`put the client certificate ${fingerprint(ours)} into ${WHERE}`);
    expect(fingerprints(instance().config.cert)[0]).toBe(fingerprint(ours));
    expect(String(instance().config.privateKey)).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    // Disabled, updated, enabled: as the connector does it.
    expect(writes(mark).map((w) => `${w.method} ${w.path.replace(/[0-9a-f-]{36}/, 'ID')}`)).toEqual([
      'PUT /cc/instances/ID/disable',
      'PUT /cc/instances/ID',
      'PUT /cc/instances/ID/enable',
    ]);
    await publishedNow();
    expect(sb.broker.mosquitto()!.log()).toMatch(/as litmus-edge-aio-broker .*u'aiomqttconnector'/);
  });

  test('the connector stage afterwards changes nothing: check-certs recorded the key it sent', async () => {
    const mark = le.requests.length;
    const s = await stages(['connector']);
    expect(s.results[0]!.status, JSON.stringify(s.results[0])).toBe('unchanged');
    expect(writes(mark)).toEqual([]);
  });

  test('AIO adds a new CA before re-issuing the server certificate: rotate puts it beside the old one, and Litmus Edge keeps its connection through the switch', async () => {
    const next = await rotateAioCa(sb, {
      commonName: 'Azure IoT Operations Root CA 2',
      alsoTrust: [aio.ca.cert],
      keepServer: true,
    });
    const r = await check();
    expect(r.findings.map((f) => `${f.severity} ${f.kind}`)).toEqual(['warning aio-ca-changed']);
    expect(r.row.details).toContain(
      `rotate: true would put the AIO CA ${fingerprint(next.ca.cert)} into ${WHERE}, beside the CA it trusts now while the broker still needs that`,
    );
    const fixed = await check({ rotate: true });
    expect(fixed.summary.ok, JSON.stringify(fixed.row)).toBe(true);
    expect(fixed.findings).toEqual([]);
    expect(fingerprints(instance().config.caCert)).toEqual([
      fingerprint(next.ca.cert),
      fingerprint(aio.ca.cert),
    ]);
    await publishedNow();
    // AIO re-issues the broker's server certificate from the new CA: Litmus Edge already trusts it.
    await issueBrokerServerCert(sb, { issuer: next.ca, days: 30 });
    await publishedNow();
    const after = await check();
    expect(after.findings).toEqual([]);
    aio = next;
  });

  test('a stale CA in the integration: found; a refused update leaves it enabled as it was; the next rotate repairs it', async () => {
    const next = await rotateAioCa(sb, { commonName: 'Azure IoT Operations Root CA 3' });
    await until('the integration to lose the broker', () => status()?.connected === false);
    const r = await check();
    expect(kinds(r.findings)).toEqual(['aio-ca-changed', 'integration-ca-stale']);
    le.fault({ method: 'PUT', path: /^\/cc\/instances\/[^/]+$/, status: 400, times: 1 });
    const refused = await check({ rotate: true });
    expect(refused.summary.ok).toBe(false);
    expect(JSON.stringify(refused.row)).toMatch(/400/);
    expect(instance().enabled).toBe(true);
    expect(fingerprints(instance().config.caCert)).not.toContain(fingerprint(next.ca.cert));
    const fixed = await check({ rotate: true });
    expect(fixed.summary.ok, JSON.stringify(fixed.row)).toBe(true);
    expect(fixed.row.details?.some((d) => /^smoke after rotate passed: /.test(d))).toBe(true);
    expect(fingerprints(instance().config.caCert)[0]).toBe(fingerprint(next.ca.cert));
    await publishedNow();
    const again = await check({ rotate: true });
    expect(again.findings).toEqual([]);
    aio = next;
  });

  test('AIO replaces its bundle before re-issuing the server certificate: the connector keeps the old CA beside the new one; once retired, check-certs warns and rotate prunes it', async () => {
    const old = aio;
    const next = await rotateAioCa(sb, { commonName: 'Azure IoT Operations Root CA 4', keepServer: true });
    const c = await stages(['connector']);
    const result = c.results[0]!;
    expect(result.status, JSON.stringify(result)).toBe('changed');
    expect(result.details).toContainEqual(
      expect.stringMatching(/^caCert: kept beside the AIO CA bundle while valid, .*Root CA 3/),
    );
    expect(fingerprints(instance().config.caCert)).toEqual([
      fingerprint(next.ca.cert),
      fingerprint(old.ca.cert),
    ]);
    await publishedNow(); // the broker still serves Root CA 3's certificate
    // The connector propagated it: no "AIO CA changed" although the certs stage's record is the old one. What
    // remains is AIO's own window: its bundle does not verify the certificate its broker serves (smoke, which
    // trusts the bundle, would fail too), while Litmus Edge keeps its connection.
    const window = await check();
    expect(window.findings.map((f) => `${f.severity} ${f.kind}`)).toEqual(['failure server-chain-untrusted']);
    await issueBrokerServerCert(sb, { issuer: next.ca, days: 30 });
    await publishedNow();
    const r = await check();
    expect(r.findings.map((f) => `${f.severity} ${f.kind}`)).toEqual(['warning integration-ca-retired']);
    const fixed = await check({ rotate: true });
    expect(fixed.summary.ok, JSON.stringify(fixed.row)).toBe(true);
    expect(fixed.findings).toEqual([]);
    expect(fingerprints(instance().config.caCert)).toEqual([fingerprint(next.ca.cert)]);
    await publishedNow();
    const again = await stages(['connector']);
    expect(again.results[0]!.status).toBe('unchanged');
    aio = next;
  });

  test("a fleet cluster's own token, read from the variable its access.litmus-edge-token-secret names", async () => {
    const fleet = join(sb.dir, 'fleet-litmus.yml');
    writeFileSync(
      fleet,
      `clusters:\n  - name: plant9\n    access:\n      kubeconfig-file: ${sb.kubeconfig}\n      litmus-edge-token-secret: PLANT9_LE_TOKEN\n`,
    );
    const without = { 'litmus-edge-token': undefined } as unknown as Partial<Inputs>;
    const { summary } = await runInputs(
      { ...without, command: 'check-certs', 'github-issue': false, fleet },
      { PLANT9_LE_TOKEN: TOKEN },
    );
    expect(summary.ok, JSON.stringify(summary.results)).toBe(true);
    const certs = JSON.parse(summary.results.at(-1)!.outputs!['certificates']!) as Array<{
      role: string;
      sha256: string;
    }>;
    const held = certs.filter((c) => c.role === 'litmus-broker-ca').map((c) => c.sha256);
    expect(held).toEqual(fingerprints(instance().config.caCert));
    expect(masked).toContain(TOKEN);
  });

  test('without a recorded pin, Litmus Edge is not contacted (no trust on first use in a check)', async () => {
    const secret = sb.kube.store.get('secrets', NS, STATE)!;
    const mark = le.requests.length;
    sb.kube.store.delete('secrets', NS, STATE);
    try {
      const r = await check();
      expect(r.findings.map((f) => `${f.severity} ${f.kind}`)).toEqual(['failure check-failed']);
      expect(JSON.stringify(r.row)).toContain(`is not pinned in Secret ${NS}/${STATE} key pins.json`);
      expect(le.requests.length).toBe(mark);
    } finally {
      sb.kube.store.put(secret as KubeObject);
    }
  });

  test('a password Litmus Edge returns masked is never sent back as the mask: refused, unless connector-config gives it', async () => {
    instance().config.password = 'broker-pw-1'; // set in the portal; the stand-in masks it on read
    const ours = await putClientLeaf(sb, { days: 100 });
    const mark = le.requests.length;
    const refused = await check({ rotate: true });
    expect(refused.summary.ok).toBe(false);
    expect(JSON.stringify(refused.row)).toContain(
      'returns property password masked and connector-config does not give it',
    );
    expect(writes(mark)).toEqual([]);
    expect(instance().config.password).toBe('broker-pw-1');
    const fixed = await check({ rotate: true, 'connector-config': { password: 'broker-pw-1' } });
    expect(fixed.summary.ok, JSON.stringify(fixed.row)).toBe(true);
    expect(instance().config.password).toBe('broker-pw-1');
    expect(fingerprints(instance().config.cert)[0]).toBe(fingerprint(ours));
    delete instance().config.password;
  });

  test('neither the token nor any client key appears in any output', () => {
    const keys = masked.filter((m) => m.includes('PRIVATE KEY'));
    expect(keys.length).toBeGreaterThan(0);
    const everything = reporters
      .map((r) => [...r.logs, JSON.stringify(r.summary ?? {}), JSON.stringify(r.finished)].join('\n'))
      .join('\n');
    for (let i = 0; i + 12 <= TOKEN.length; i += 6) expect(everything).not.toContain(TOKEN.slice(i, i + 12));
    for (const k of keys) {
      const body = k.split('\n').filter((l) => l && !l.startsWith('-----'));
      for (const line of body) expect(everything).not.toContain(line.slice(0, 24));
    }
  });
});
