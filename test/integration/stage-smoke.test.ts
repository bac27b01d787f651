// Stage `smoke` in the sandbox: through the Kubernetes stand-in's port-forward and directly, against the real
// mosquitto that enforces the broker resources certs + authpolicy wrote.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import type { KubeObject } from '../support/kube-apiserver/index.js';
import { ProbeFailure } from '../../src/mqtt/diagnose.js';
import { runProbe } from '../../src/mqtt/probe.js';
import { silentLogger } from '../../src/pipeline/logger.js';
import { pollUntil } from '../../src/util/poll.js';
import { freshBundle, NODE } from '../support/fresh-bundle.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';
import { createTestChain } from '../support/peers/chain.js';
import { createTestCa } from '../support/test-pki.js';

let sb: Sandbox;
let defaults: Inputs;
beforeAll(async () => {
  sb = await startSandbox();
  defaults = await resolveInputs([]);
  const setup = await run({ stages: ['certs', 'authpolicy'] });
  expect(setup.ok).toBe(true);
  await sb.broker.settled();
});
afterAll(() => sb.stop());

function run(over: Partial<Inputs> = {}, command: 'run' | 'plan' = 'run', reporter = recordingReporter()) {
  return runCommand(
    {
      ...defaults,
      stages: ['smoke'],
      stagesExplicit: true,
      'authpolicy-mode': 'kubernetes',
      'smoke-timeout': 15,
      command,
      ...over,
    },
    {
      reporter,
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { KUBECONFIG: sb.kubeconfig, HOME: sb.dir },
    },
  );
}
const smoke = async (over: Partial<Inputs> = {}) =>
  (await run(over)).results.find((r) => r.stage === 'smoke')!;

describe('smoke stage', () => {
  test('through the port-forward: probe messages round-trip, latencies reported as outputs', async () => {
    const r = await smoke({ 'smoke-messages': 6 });
    expect(r.status).toBe('passed');
    expect(r.details?.[0]).toMatch(
      /^6\/6 probe messages round-tripped via port-forward to Service azure-iot-operations\/aio-broker:18884 \(MQTT 5, TLS, client chain from Secret litmus-edge\/litmusedge-mqtt-client\): min [\d.]+ ms, median [\d.]+ ms, p95 [\d.]+ ms; connect [\d.]+ ms$/,
    );
    const result = JSON.parse(r.outputs!['smoke-result']!) as {
      ok: boolean;
      lost: number;
      latencyMs: { median: number };
    };
    expect(result).toMatchObject({ ok: true, lost: 0, duplicates: 0 });
    expect(Number(r.outputs!['smoke-latency-ms'])).toBeCloseTo(result.latencyMs.median, 0);
  });

  test('directly at host:port, MQTT 3.1.1', async () => {
    const r = await smoke({
      'smoke-broker-address': `127.0.0.1:${sb.broker.port}`,
      'mqtt-version': '3.1.1',
      'smoke-messages': 3,
    });
    expect(r.status).toBe('passed');
    expect(r.details?.[0]).toMatch(
      /^3\/3 probe messages round-tripped via direct 127\.0\.0\.1:\d+ \(MQTT 3\.1\.1/,
    );
  });

  test('expect-topics: waits for data on each topic and reports counts and first-message delay', async () => {
    const s = sb.kube.store.get('secrets', 'litmus-edge', 'litmusedge-mqtt-client') as unknown as {
      data: Record<string, string>;
    };
    const d = (k: string) => Buffer.from(s.data[k]!, 'base64').toString();
    // Plays Litmus Edge: publishes device data with the same client chain.
    const litmus = await mqtt.connectAsync({
      protocol: 'mqtts',
      host: sb.broker.host,
      port: sb.broker.port,
      servername: 'aio-broker',
      ca: sb.aioCa.cert,
      cert: d('tls.crt'),
      key: d('tls.key'),
      reconnectPeriod: 0,
    });
    const timer = setInterval(
      () => void litmus.publish('devicehub/alias/press1/temp', '21.5', { qos: 1 }),
      50,
    );
    try {
      const r = await smoke({ 'smoke-messages': 2, 'expect-topics': ['devicehub/alias/#'] });
      expect(r.status).toBe('passed');
      expect(r.details?.at(-1)).toMatch(/^devicehub\/alias\/#: \d+ message\(s\), first after \d+ ms$/);
    } finally {
      clearInterval(timer);
      await litmus.endAsync(true);
    }
  });

  test('no data on an expected topic: fails at smoke-timeout with the cause and the fix', async () => {
    const r = await smoke({
      'smoke-messages': 1,
      'expect-topics': ['devicehub/alias/nothing'],
      'smoke-timeout': 2,
    });
    expect(r.status).toBe('failed');
    expect(r.error?.message).toBe(
      "smoke: no message arrived on 'devicehub/alias/nothing' within smoke-timeout. Fix: check that the Litmus Edge connector is enabled and its topics are turned on (connector stage), and that devices produce data",
    );
  });

  test('wrong tls-server-name is diagnosed with the names the certificate has', async () => {
    const r = await smoke({ 'tls-server-name': 'broker.example' });
    expect(r.error?.message).toMatch(
      /^smoke: the broker's certificate does not name 'broker\.example' \(it names DNS:aio-broker, .*\)\. Fix: set tls-server-name/,
    );
  });

  test('a broker CA that does not match the broker (AIO rotated its CA) is diagnosed', async () => {
    const cm = sb.kube.store.get(
      'configmaps',
      'azure-iot-operations',
      'azure-iot-operations-aio-ca-trust-bundle',
    )!;
    const other = await createTestCa('Rotated AIO CA');
    sb.kube.store.put({ ...cm, data: { 'ca.crt': other.cert } } as KubeObject);
    try {
      const r = await smoke();
      expect(r.error?.message).toMatch(
        /^smoke: the broker's TLS certificate is not trusted \(.+\): it was issued by 'CN=Azure IoT Operations Sandbox Root CA' .* but the AIO CA bundle expected is CN=Rotated AIO CA/,
      );
    } finally {
      sb.kube.store.put(cm);
    }
  });

  test('no X.509 port on the broker: the TCP failure names what to fix', async () => {
    const r = await smoke({ 'smoke-broker-address': '127.0.0.1:1', 'smoke-timeout': 1 });
    expect(r.error?.message).toMatch(
      /^smoke: cannot open a TCP connection to the broker at 127\.0\.0\.1:1 \(direct 127\.0\.0\.1:1\): ECONNREFUSED\. Fix: check that the broker listener has the X\.509 port/,
    );
  });

  test('missing client certificate Secret: names the stage to run first', async () => {
    const r = await smoke({ 'client-cert-secret': 'absent' });
    expect(r.error?.message).toBe(
      'smoke: Secret litmus-edge/absent has no client certificate (tls.crt/tls.key): run the certs stage first, or set namespace/client-cert-secret',
    );
  });

  test('plan connects to nothing and says what it would do', async () => {
    const summary = await run({}, 'plan');
    expect(summary.results[0]!.details?.[0]).toMatch(
      /^would connect via port-forward to Service azure-iot-operations\/aio-broker:18884 as the client in Secret litmus-edge\/litmusedge-mqtt-client and round-trip 10 QoS 1 messages on litmus-aio\/smoke\/<id>$/,
    );
  });
});

test('plan on a cluster where certs has not run yet: smoke says it will run once certs has created the certificate', async () => {
  const summary = await runCommand(
    { ...defaults, stages: ['certs', 'smoke'], stagesExplicit: true, namespace: 'fresh-ns', command: 'plan' },
    {
      reporter: recordingReporter(),
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { KUBECONFIG: sb.kubeconfig, HOME: sb.dir },
    },
  );
  const smoke = summary.results.find((r) => r.stage === 'smoke')!;
  expect(smoke.status).toBe('unchanged');
  expect(smoke.details?.[0]).toMatch(/ \(once certs has created the client certificate\)$/);
});

test('the CLI process ends after a smoke run through the port-forward (no tunnel keeps it alive)', async () => {
  const dist = await freshBundle();
  try {
    // If a tunnel stayed open the process would never exit and this test would time out.
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        NODE,
        [join(dist.dir, 'cli.js'), 'run', '--stage', 'smoke', '--smoke-messages', '2'],
        {
          env: { PATH: process.env['PATH'] ?? '', KUBECONFIG: sb.kubeconfig, HOME: sb.dir },
          stdio: 'ignore',
        },
      );
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).toBe(0);
  } finally {
    dist.remove();
  }
});

describe('with topic-prefix (BrokerAuthorization)', () => {
  test('authpolicy adds the authorization to its own port; smoke passes under the prefix; elsewhere is denied', async () => {
    const withPrefix = { 'topic-prefix': 'litmus' } as const;
    const setup = await run({ stages: ['authpolicy'], ...withPrefix });
    expect(setup.results[0]).toMatchObject({ stage: 'authpolicy', status: 'changed' });
    await sb.broker.settled();
    const r = await smoke({ ...withPrefix, 'smoke-messages': 3 });
    expect(r.status).toBe('passed');
    expect(r.details?.[0]).toMatch(/^3\/3 probe messages round-tripped/);
    const d = sb.secretData()!;
    const f = await runProbe(
      {
        host: sb.broker.host,
        port: sb.broker.port,
        servername: 'aio-broker',
        caPem: sb.aioCa.cert,
        certPem: d['tls.crt']!,
        keyPem: d['tls.key']!,
        via: 'direct',
      },
      {
        protocolVersion: 5,
        messages: 1,
        topic: 'elsewhere/probe',
        expectTopics: [],
        deadline: performance.now() + 10_000,
        log: silentLogger,
      },
    ).catch((e: unknown) => e as ProbeFailure);
    expect(f).toBeInstanceOf(ProbeFailure);
    expect((f as ProbeFailure).kind).toBe('not-authorized');
  });
});

describe('a policy the broker applies late (as AIO does, seconds after the write)', () => {
  const trusted = () =>
    sb.kube.store.get('configmaps', 'azure-iot-operations', 'litmusedge-ca') as KubeObject & {
      data: Record<string, string>;
    };

  test('smoke waits while the client CA is not trusted yet, passes once it is, and says how long it waited', async () => {
    const original = trusted();
    const foreign = await createTestChain({ rootName: 'Not Yet Our Root' });
    sb.kube.store.put({ ...original, data: { 'client_ca.pem': foreign.root.cert } } as KubeObject);
    await sb.broker.settled(); // the broker now refuses our client: unknown CA
    const reporter = recordingReporter();
    // The authorization test above left the port restricted to the litmus/ prefix.
    const result = run(
      { 'smoke-messages': 2, 'smoke-timeout': 30, 'topic-prefix': 'litmus' },
      'run',
      reporter,
    );
    try {
      const refused = await pollUntil(
        () => reporter.logs.some((l) => l.includes('waiting for the broker to apply the policy')),
        { timeoutMs: 20_000, maxDelayMs: 100 },
      );
      expect(refused, reporter.logs.join('\n')).toBe(true);
    } finally {
      sb.kube.store.put(original); // the policy "takes effect": the sandbox broker follows after its delay
    }
    const r = (await result).results.find((x) => x.stage === 'smoke')!;
    expect(r.status, r.error?.message).toBe('passed');
    expect(r.details).toContainEqual(
      expect.stringMatching(
        /^the broker accepted the client after \d+\.\d s and \d+ attempts \(until then: smoke: the broker refused the client certificate/,
      ),
    );
    const result2 = JSON.parse(r.outputs!['smoke-result']!) as {
      attempts: number;
      waitedForPolicyMs: number;
    };
    expect(result2.attempts).toBeGreaterThan(1);
    expect(result2.waitedForPolicyMs).toBeGreaterThan(0);
  });

  test('a refusal that persists until smoke-timeout is diagnosed by its cause, with how long it persisted', async () => {
    const original = trusted();
    const foreign = await createTestChain({ rootName: 'Never Our Root' });
    sb.kube.store.put({ ...original, data: { 'client_ca.pem': foreign.root.cert } } as KubeObject);
    await sb.broker.settled();
    try {
      const r = await smoke({ 'smoke-messages': 1, 'smoke-timeout': 3, 'topic-prefix': 'litmus' });
      expect(r.status).toBe('failed');
      expect(r.error?.message).toMatch(
        /^smoke: the broker refused the client certificate .* \(still so after \d+\.\d s and \d+ attempts, so not a policy that was still being applied\)\. Fix: check that trusted-ca-configmap/,
      );
    } finally {
      sb.kube.store.put(original);
      await sb.broker.settled();
    }
  });
});
