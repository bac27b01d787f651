// Stages certs + authpolicy (kubernetes mode) against the sandbox: the broker resources they write make the
// real mosquitto (the sandbox's broker) accept the Litmus Edge client chain, and only it.
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { createIntermediateCa, createRootCa, issueClientLeaf } from '../../src/pki/chain.js';
import { probeTls } from '../support/peers/tls-probe.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';
import { kubeWritesSince } from '../support/kube-writes.js';

let sb: Sandbox;
let defaults: Inputs;
beforeAll(async () => {
  sb = await startSandbox();
  defaults = await resolveInputs([]);
});
afterAll(() => sb.stop());

async function run(over: Partial<Inputs> = {}, command: 'run' | 'plan' = 'run') {
  const mark = sb.kube.requests.length;
  const summary = await runCommand(
    {
      ...defaults,
      stages: ['certs', 'authpolicy'],
      stagesExplicit: true,
      'authpolicy-mode': 'kubernetes',
      command,
      ...over,
    },
    {
      reporter: recordingReporter(),
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { KUBECONFIG: sb.kubeconfig, HOME: sb.dir },
    },
  );
  await sb.broker.settled();
  const writes = kubeWritesSince(sb.kube.requests, mark);
  const by = Object.fromEntries(summary.results.map((r) => [r.stage, r]));
  return { summary, certs: by['certs']!, authpolicy: by['authpolicy']!, writes };
}

interface Listener {
  spec: { ports: Array<Record<string, unknown>> };
}
const listener = () =>
  sb.kube.store.get('brokerlisteners', 'azure-iot-operations', 'default') as unknown as Listener;
const secret = () => {
  const s = sb.kube.store.get('secrets', 'litmus-edge', 'litmusedge-mqtt-client') as unknown as {
    data: Record<string, string>;
  };
  return Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
};
const connect = (cert?: string, key?: string) =>
  probeTls({
    host: sb.broker.host,
    port: sb.broker.port,
    ca: sb.aioCa.cert,
    servername: 'aio-broker',
    ...(cert && key ? { cert, key } : {}),
  });

describe('authpolicy', () => {
  test('before: no X.509 port, so the broker refuses connections', async () => {
    expect(sb.broker.current()).toBeUndefined();
    const r = await connect();
    expect(r).toMatchObject({ refused: true, code: 'ECONNREFUSED' });
  });

  test('plan shows the exact changes and writes nothing', async () => {
    const p = await run({}, 'plan');
    expect(p.writes).toEqual([]);
    expect(p.authpolicy.status).toBe('changed');
    expect(p.authpolicy.changes[0]).toMatch(
      /^create BrokerAuthentication 'litmusedge' in Kubernetes CRs in namespace azure-iot-operations: \{"authenticationMethods":\[\{"method":"X509","x509Settings":\{"trustedClientCaCert":"litmusedge-ca","authorizationAttributes":\{"intermediate":\{"subject":"CN = Litmus Edge Intermediate CA 1","attributes":\{"manufacturer":"litmus edge"\}\},"connector":\{"subject":"CN = aiomqttconnector","attributes":\{"group":"connector_group"\}\}\}\}\}\]\}$/,
    );
    expect(p.authpolicy.changes[1]).toBe(
      'add port 18884 on BrokerListener \'default\' (TLS Automatic, issuer azure-iot-operations-aio-certificate-issuer, authenticationRef litmusedge); ports 18883 unchanged: {"port":18884,"protocol":"Mqtt","authenticationRef":"litmusedge","tls":{"mode":"Automatic","certManagerCertificateSpec":{"issuerRef":{"name":"azure-iot-operations-aio-certificate-issuer","kind":"ClusterIssuer","group":"cert-manager.io"}}}}',
    );
  });

  test('run: certs then authpolicy; the default port is unchanged field by field', async () => {
    const before = structuredClone(listener().spec.ports[0]);
    const r = await run();
    expect(r.certs.status).toBe('changed');
    expect(r.authpolicy.status).toBe('changed');
    expect(r.writes).toEqual([
      'create namespaces/',
      'create secrets/', // the CA Secret first: the commit point of a new PKI
      'create configmaps/',
      'create secrets/', // then the client Secret Litmus Edge reads
      'create configmaps/', // the ownership records: what is about to be applied (pending)
      'create brokerauthentications/',
      'update brokerlisteners/default',
      'update configmaps/litmus-aio-ownership', // then what the broker stored
    ]);
    const ports = listener().spec.ports;
    expect(ports).toHaveLength(2);
    expect(ports[0]).toEqual(before);
    for (const [k, v] of Object.entries(before!)) expect(ports[0]![k]).toEqual(v);
    expect(ports[1]).toMatchObject({
      port: 18884,
      authenticationRef: 'litmusedge',
      tls: { mode: 'Automatic' },
    });
  });

  test('the broker now accepts the client chain (leaf + intermediate) from the Secret', async () => {
    const s = secret();
    expect(sb.broker.current()).toBe(s['ca.crt']);
    expect(await connect(s['tls.crt'], s['tls.key'])).toMatchObject({ refused: false });
  });

  test('and refuses: a leaf from another CA, an expired leaf, a leaf without its intermediate, no certificate', async () => {
    const s = secret();
    const opts = {
      algorithm: 'ec-p256' as const,
      rootSubject: 'Other Root',
      rootDays: 30,
      intermediateSubject: 'Other Int',
      intermediateDays: 30,
    };
    const otherRoot = await createRootCa(opts);
    const otherInt = await createIntermediateCa(otherRoot, opts);
    const foreign = await issueClientLeaf(otherInt, {
      algorithm: 'ec-p256',
      leafSubject: 'aiomqttconnector',
      leafDays: 30,
    });
    expect(await connect(foreign.certPem + otherInt.certPem, foreign.keyPem)).toMatchObject({
      refused: true,
      code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    });

    const expired = await issueClientLeaf(
      // The intermediate key lives in the CA Secret, never in the client Secret.
      {
        certPem: s['intermediate.crt']!,
        keyPem: sb.secretData('litmus-edge', 'litmusedge-mqtt-ca')!['intermediate-ca.key']!,
      },
      {
        algorithm: 'ec-p256',
        leafSubject: 'aiomqttconnector',
        leafDays: 1,
        now: new Date(Date.now() - 3 * 86_400_000),
      },
    );
    expect(new X509Certificate(expired.certPem).validTo).toBeDefined();
    expect(await connect(expired.certPem + s['intermediate.crt'], expired.keyPem)).toMatchObject({
      refused: true,
      code: 'ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_EXPIRED',
    });

    const leafOnly = s['tls.crt']!.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!;
    expect(await connect(leafOnly, s['tls.key'])).toMatchObject({
      refused: true,
      code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    });
    expect(await connect()).toMatchObject({ refused: true });
  });

  test('a second run reports unchanged for both stages and makes no write request', async () => {
    const r = await run();
    expect(r.certs.status).toBe('unchanged');
    expect(r.authpolicy.status).toBe('unchanged');
    expect(r.writes).toEqual([]);
  });

  test('changing the trusted CA: the broker refuses the old client and accepts the new one', async () => {
    const old = secret();
    const r = await run({ 'rotate-ca': 'test-rotation' });
    expect(r.certs.status).toBe('changed');
    const now = secret();
    // During rotation the previous root stays trusted; drop it to prove the broker follows the ConfigMap exactly.
    const cm = sb.kube.store.get('configmaps', 'azure-iot-operations', 'litmusedge-ca')!;
    sb.kube.store.put({ ...cm, data: { 'client_ca.pem': now['ca.crt']! } });
    await sb.broker.settled();
    expect(await connect(old['tls.crt'], old['tls.key'])).toMatchObject({
      refused: true,
      code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    });
    expect(await connect(now['tls.crt'], now['tls.key'])).toMatchObject({ refused: false });
  });

  test('conflicts stop the run before any write, each with its fix', async () => {
    // The previous test edited the trusted-CA ConfigMap by hand; certs puts the previous root back (drift repair).
    expect((await run({ 'rotate-ca': 'test-rotation' })).writes).toEqual(['update configmaps/litmusedge-ca']);
    // Another listener already uses the port.
    sb.kube.store.put({
      apiVersion: 'mqttbroker.iotoperations.azure.com/v1',
      kind: 'BrokerListener',
      metadata: { name: 'other', namespace: 'azure-iot-operations' },
      spec: {
        brokerRef: 'default',
        serviceName: 'other',
        serviceType: 'ClusterIp',
        ports: [{ port: 19999 }],
      },
    });
    const taken = await run({ 'broker-port': 19999, 'rotate-ca': 'test-rotation' });
    expect(taken.authpolicy.error?.message).toContain(
      "port 19999 is already used by BrokerListener 'other' (ports are unique across listeners); choose another broker-port",
    );
    // A policy of that name that litmus-aio never applied (someone else's) is a conflict.
    sb.kube.store.put({
      apiVersion: 'mqttbroker.iotoperations.azure.com/v1',
      kind: 'BrokerAuthentication',
      metadata: { name: 'someone-elses', namespace: 'azure-iot-operations' },
      spec: {
        authenticationMethods: [
          { method: 'ServiceAccountToken', serviceAccountTokenSettings: { audiences: ['x'] } },
        ],
      },
    });
    const differs = await run({ 'rotate-ca': 'test-rotation', 'broker-authentication': 'someone-elses' });
    expect(differs.authpolicy.error?.message).toMatch(
      /BrokerAuthentication 'someone-elses' exists with different content and was not created by litmus-aio \(.*authenticationMethods\[0\]\.method: "ServiceAccountToken" -> "X509";.*\); set force: true to replace it/,
    );
    // The trusted CA ConfigMap is missing and certs is not part of the run.
    const missing = await runCommand(
      {
        ...defaults,
        stages: ['authpolicy'],
        stagesExplicit: true,
        'authpolicy-mode': 'kubernetes',
        'trusted-ca-configmap': 'nope',
      },
      {
        reporter: recordingReporter(),
        cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
        env: { KUBECONFIG: sb.kubeconfig, HOME: sb.dir },
      },
    );
    expect(missing.results[0]!.error?.message).toContain(
      'ConfigMap azure-iot-operations/nope (the trusted client CA) is missing: run the certs stage first (stages: certs,authpolicy)',
    );
    expect([taken.writes, differs.writes]).toEqual([[], []]);
    // force replaces it, says so, and records it as ours from then on.
    const forced = await run({
      'rotate-ca': 'test-rotation',
      force: true,
      'broker-authentication': 'someone-elses',
      'broker-port': 18885,
    });
    expect(forced.authpolicy.status).toBe('changed');
    expect(forced.authpolicy.changes[0]).toMatch(
      /^replace BrokerAuthentication 'someone-elses', which litmus-aio did not create: /,
    );
    expect(forced.writes).toEqual([
      'update configmaps/litmus-aio-ownership',
      'update brokerauthentications/someone-elses',
      'update brokerlisteners/default',
      'update configmaps/litmus-aio-ownership',
    ]);
    expect(
      (
        await run({
          'rotate-ca': 'test-rotation',
          'broker-authentication': 'someone-elses',
          'broker-port': 18885,
        })
      ).writes,
    ).toEqual([]);
  });

  test('authpolicy-mode arm without its inputs is refused before any stage runs, naming each input', async () => {
    const err = (await run({ 'authpolicy-mode': 'arm', 'rotate-ca': 'test-rotation' }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(
      "Input 'azure-subscription-id' (authpolicy-mode arm): is required to find the IoT Operations instance in Azure Resource Manager",
    );
    expect(err.message).toContain("Input 'resource-group' (authpolicy-mode arm)");
    expect(err.message).toContain("Input 'aio-instance' (authpolicy-mode arm)");
  });
});
