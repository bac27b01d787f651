// Stage `certs` against the Kubernetes stand-in, through the same engine the action and the CLI use.
// The resulting chain is checked by openssl and by a real mosquitto that trusts only the published root.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { startKubeApiServer, type KubeSandbox } from '../support/kube-apiserver/index.js';
import { startMosquitto, type MosquittoPeer } from '../support/peers/mosquitto.js';
import { probeTls } from '../support/peers/tls-probe.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { issueLoopbackServerCert, createTestCa } from '../support/test-pki.js';
import { kubeWritesSince } from '../support/kube-writes.js';

let kube: KubeSandbox;
let dir: string;
let env: NodeJS.ProcessEnv;
let defaults: Inputs;
const masked: string[] = [];

beforeAll(async () => {
  kube = await startKubeApiServer();
  dir = mkdtempSync(join(tmpdir(), 'stage-certs-'));
  env = { KUBECONFIG: kube.writeKubeconfig(dir), HOME: dir };
  defaults = await resolveInputs([]);
});
afterAll(async () => {
  await kube.stop();
  rmSync(dir, { recursive: true, force: true });
});

const writesSince = (mark: number) => kubeWritesSince(kube.requests, mark);

async function run(over: Partial<Inputs> = {}, command: 'run' | 'plan' = 'run') {
  const mark = kube.requests.length;
  const reporter = recordingReporter();
  const summary = await runCommand(
    { ...defaults, stages: ['certs'], stagesExplicit: true, command, ...over },
    {
      reporter,
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env,
      mask: (s) => masked.push(s),
    },
  );
  return { summary, result: summary.results[0]!, writes: writesSince(mark), logs: reporter.logs };
}

const secretData = (ns = 'litmus-edge', name = 'litmusedge-mqtt-client') => {
  const s = kube.store.get('secrets', ns, name) as { data: Record<string, string> } | undefined;
  return Object.fromEntries(
    Object.entries(s?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
};
const trusted = () =>
  (
    kube.store.get('configmaps', 'azure-iot-operations', 'litmusedge-ca') as
      { data: Record<string, string> } | undefined
  )?.data['client_ca.pem'];
const fp = (pem: string) => new X509Certificate(pem).fingerprint256;

function writeFiles(files: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    out[name] = join(dir, `${name}-${Math.random().toString(36).slice(2)}.pem`);
    writeFileSync(out[name], text, { mode: 0o600 });
  }
  return out;
}

describe('certs stage', () => {
  let first: Awaited<ReturnType<typeof run>>;

  test('plan on an empty cluster lists what it would create and writes nothing', async () => {
    const p = await run({}, 'plan');
    expect(p.result.status).toBe('changed');
    expect(p.result.changes).toEqual([
      'create namespace litmus-edge',
      "create client CA: root 'CN=Litmus Edge Root CA' (3650 days) -> intermediate 'CN=Litmus Edge Intermediate CA 1' (1825 days), ec-p256",
      "issue client certificate 'CN=aiomqttconnector' valid 100 days",
      'store the CA in Secret litmus-edge/litmusedge-mqtt-ca with the intermediate key; the root key is discarded (only rotate-ca needs it, and that creates a new root; set ca-key-dir to keep it on the runner)',
      'store the chain and client key in Secret litmus-edge/litmusedge-mqtt-client',
      expect.stringMatching(
        /^record the AIO broker CA fingerprint [0-9A-F:]{23}\.\.\. in Secret litmus-edge\/litmusedge-mqtt-client$/,
      ),
      'create ConfigMap azure-iot-operations/litmusedge-ca key client_ca.pem with the new client root CA',
    ]);
    expect(p.writes).toEqual([]);
  });

  test('first run creates the PKI, stores it in the cluster and publishes the root', async () => {
    first = await run();
    expect(first.result.status).toBe('changed');
    // CA Secret (the commit), then the trusted bundle, then the client Secret (stage-certs-hardening.test.ts).
    expect(first.writes).toEqual([
      'create namespaces/',
      'create secrets/',
      'create configmaps/',
      'create secrets/',
    ]);
    const data = secretData();
    // No CA key in the Secret Litmus Edge reads; the intermediate key is in the CA Secret, the root key nowhere.
    expect(Object.keys(data).sort()).toEqual(['ca.crt', 'intermediate.crt', 'tls.crt', 'tls.key']);
    const ca = secretData('litmus-edge', 'litmusedge-mqtt-ca');
    expect(Object.keys(ca).sort()).toEqual(['ca.crt', 'intermediate-ca.key', 'intermediate.crt']);
    expect(trusted()).toBe(data['ca.crt']);
    const f = writeFiles({
      root: data['ca.crt']!,
      inter: data['intermediate.crt']!,
      chain: data['tls.crt']!,
    });
    const leafOnly = writeFiles({ leaf: data['tls.crt']!.split(/(?<=-----END CERTIFICATE-----\n)/)[0]! });
    expect(
      execFileSync(
        'openssl',
        ['verify', '-CAfile', f.root!, '-untrusted', f.inter!, '-purpose', 'sslclient', leafOnly.leaf!],
        {
          encoding: 'utf8',
        },
      ),
    ).toContain(': OK');
    expect(first.result.outputs).toMatchObject({
      'client-cert-secret': 'litmus-edge/litmusedge-mqtt-client',
      'root-ca-sha256': fp(data['ca.crt']!),
      'broker-ca-sha256': fp(kube.brokerCaPem),
    });
    // Every private key was registered for masking before anything could print it.
    expect(masked).toContain(data['tls.key']);
    expect(masked).toContain(ca['intermediate-ca.key']);
    // The report never shows key material.
    expect(JSON.stringify(first.summary)).not.toMatch(/PRIVATE KEY/);
  });

  test('a second run changes nothing and makes no write request', async () => {
    const again = await run();
    expect(again.result).toMatchObject({ status: 'unchanged', changes: [] });
    expect(again.writes).toEqual([]);
    const plan = await run({}, 'plan');
    expect(plan.result.status).toBe('unchanged');
  });

  test('a real mosquitto trusting only the published root accepts leaf + intermediate and nothing less', async () => {
    const data = secretData();
    const brokerCa = await createTestCa('sandbox broker CA');
    const server = await issueLoopbackServerCert(brokerCa);
    let broker: MosquittoPeer | undefined;
    try {
      broker = await startMosquitto({ serverCert: server, clientCaPem: trusted()! });
      const ok = await probeTls({
        host: broker.host,
        port: broker.port,
        ca: brokerCa.cert,
        cert: data['tls.crt']!,
        key: data['tls.key']!,
      });
      expect(ok).toMatchObject({ refused: false });
      const leafOnly = data['tls.crt']!.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!;
      const bad = await probeTls({
        host: broker.host,
        port: broker.port,
        ca: brokerCa.cert,
        cert: leafOnly,
        key: data['tls.key']!,
      });
      expect(bad).toMatchObject({ refused: true, code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
    } finally {
      await broker?.stop();
    }
  });

  test('the leaf is re-issued when due, under the same CA', async () => {
    const before = secretData();
    const r = await run({ 'renew-before-days': 150 });
    expect(r.result.changes[0]).toMatch(
      /^issue client certificate 'CN=aiomqttconnector' valid 100 days \(the client certificate expires in (99|100) days, fewer than renew-before-days \(150\)\)$/,
    );
    expect(r.writes).toEqual(['update secrets/litmusedge-mqtt-client']);
    const after = secretData();
    expect(after['ca.crt']).toBe(before['ca.crt']);
    expect(after['intermediate.crt']).toBe(before['intermediate.crt']);
    expect(after['tls.crt']).not.toBe(before['tls.crt']);
  });

  test('a changed key algorithm is refused without rotate-ca, naming the fix, and nothing is written', async () => {
    const r = await run({ 'key-algorithm': 'rsa-2048' });
    expect(r.result.status).toBe('failed');
    expect(r.result.error?.message).toMatch(
      /^certs: nothing was changed: the client CA uses EC keys but key-algorithm is rsa-2048; a CA is never replaced implicitly: set rotate-ca \(e\.g\. rotate-ca: \d{4}-\d{2}\) to create a new rsa-2048 CA, or set key-algorithm back$/,
    );
    expect(r.writes).toEqual([]);
  });

  test('rotate-ca replaces the CA once; the previous root stays trusted; the same label again changes nothing', async () => {
    const oldRoot = secretData()['ca.crt']!;
    const r = await run({ 'rotate-ca': '2026-11', 'key-algorithm': 'rsa-2048' });
    expect(r.result.status).toBe('changed');
    expect(r.result.changes[0]).toBe(
      "rotate the client CA (rotate-ca is '2026-11'); the previous root stays trusted until it expires",
    );
    const data = secretData();
    expect(data['ca.crt']).not.toBe(oldRoot);
    expect(new X509Certificate(data['ca.crt']!).publicKey.asymmetricKeyType).toBe('rsa');
    expect(data['previous-ca.crt']).toBe(oldRoot);
    expect(trusted()).toBe(data['ca.crt']! + oldRoot);
    const again = await run({ 'rotate-ca': '2026-11', 'key-algorithm': 'rsa-2048' });
    expect(again.result.status).toBe('unchanged');
    expect(again.writes).toEqual([]);
  });

  test('ca-key-dir moves the CA keys out of the cluster (files 0600) and later renewals use them', async () => {
    const keyDir = join(dir, 'ca-keys');
    const base = { 'rotate-ca': '2026-11', 'key-algorithm': 'rsa-2048' as const, 'ca-key-dir': keyDir };
    const moved = await run(base);
    expect(moved.result.changes).toContain(
      `move the CA keys from Secret litmus-edge/litmusedge-mqtt-ca to ca-key-dir ${keyDir}`,
    );
    expect(Object.keys(secretData())).not.toContain('intermediate-ca.key');
    expect(Object.keys(secretData('litmus-edge', 'litmusedge-mqtt-ca'))).not.toContain('intermediate-ca.key');
    expect(statSync(join(keyDir, 'intermediate-ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(keyDir).mode & 0o777).toBe(0o700);
    const renewed = await run({ ...base, 'renew-before-days': 150 });
    expect(renewed.result.status).toBe('changed');
    // Without the directory's keys a renewal is refused with both places named.
    rmSync(keyDir, { recursive: true });
    const refused = await run({ ...base, 'renew-before-days': 150 });
    expect(refused.result.error?.message).toContain(
      `the intermediate CA's private key is not available: expected intermediate-ca.key in ca-key-dir ${keyDir}`,
    );
    expect(refused.writes).toEqual([]);
  });

  test('a changed AIO broker CA is reported and recorded', async () => {
    const newCa = await createTestCa('Azure IoT Operations rotated CA');
    const cm = kube.store.get(
      'configmaps',
      'azure-iot-operations',
      'azure-iot-operations-aio-ca-trust-bundle',
    )!;
    kube.store.put({ ...cm, data: { 'ca.crt': newCa.cert } });
    const r = await run({
      'rotate-ca': '2026-11',
      'key-algorithm': 'rsa-2048',
      'ca-key-dir': join(dir, 'elsewhere'),
    });
    expect(r.result.changes.join('\n')).toMatch(
      /the AIO broker CA changed \(.+\.\.\. -> .+\.\.\.\): Litmus Edge needs the new CA/,
    );
    expect(r.result.outputs?.['broker-ca-sha256']).toBe(fp(newCa.cert));
    expect(r.writes).toEqual(['update secrets/litmusedge-mqtt-client']);
  });

  test('names are taken from the inputs', async () => {
    const r = await run({
      namespace: 'le-prod',
      'client-cert-secret': 'mqtt-client',
      'trusted-ca-configmap': 'le-ca',
      'trusted-ca-key': 'root.pem',
    });
    expect(r.result.status).toBe('changed');
    expect(secretData('le-prod', 'mqtt-client')['ca.crt']).toBeDefined();
    const cm = kube.store.get('configmaps', 'azure-iot-operations', 'le-ca') as {
      data: Record<string, string>;
    };
    expect(cm.data['root.pem']).toBe(secretData('le-prod', 'mqtt-client')['ca.crt']);
  });
});
