// Real kubectl port-forward through the stand-in: one session carries many connections, one after another and
// concurrently, over both SPDY transports (SPDY over WebSocket, kubectl's default; SPDY/3.1 upgrade when
// KUBECTL_PORT_FORWARD_WEBSOCKETS=false), and the session outlives each of them.
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kubectlPath, toolEnv } from '../support/kube-apiserver/tools.js';
import { createTestChain, type TestChain } from '../support/peers/chain.js';
import { spawnPeer, type PeerProcess } from '../support/peers/child.js';
import { freePort } from '../support/peers/free-port.js';
import { probeTls } from '../support/peers/tls-probe.js';
import { waitFor } from '../support/peers/wait.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

const AIO = 'azure-iot-operations';
let sb: Sandbox;
let client: TestChain;

beforeAll(async () => {
  [sb, client] = await Promise.all([
    startSandbox({ reconcileDelayMs: 0 }), // the broker's lag is not under test here
    createTestChain({ rootName: 'Port-forward Root' }),
  ]);
  sb.kube.store.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'pf-ca', namespace: AIO },
    data: { 'client_ca.pem': client.root.cert },
  });
  sb.kube.store.put({
    apiVersion: 'mqttbroker.iotoperations.azure.com/v1',
    kind: 'BrokerAuthentication',
    metadata: { name: 'pf-x509', namespace: AIO },
    spec: { authenticationMethods: [{ method: 'X509', x509Settings: { trustedClientCaCert: 'pf-ca' } }] },
  });
  const l = sb.kube.store.get('brokerlisteners', AIO, 'default')!;
  const spec = l.spec as { ports: unknown[] };
  sb.kube.store.put({
    ...l,
    spec: {
      ...spec,
      ports: [...spec.ports, { port: 18884, authenticationRef: 'pf-x509', tls: { mode: 'Automatic' } }],
    },
  });
  await sb.broker.settled();
});
afterAll(() => sb?.stop());

async function portForward(
  extraEnv: Record<string, string> = {},
): Promise<{ proc: PeerProcess; port: number }> {
  const local = await freePort();
  const proc = spawnPeer(
    kubectlPath(),
    ['port-forward', '-n', AIO, 'svc/aio-broker', `${local}:18884`, '--address', '127.0.0.1'],
    { env: toolEnv(join(sb.dir, `home-${local}`), sb.kubeconfig, extraEnv) },
  );
  await waitFor(() => /Forwarding from 127\.0\.0\.1:\d+/.test(proc.output()), {
    description: 'kubectl port-forward to print "Forwarding from"',
    timeoutMs: 20_000,
    abort: () =>
      proc.exitStatus() ? new Error(`kubectl port-forward exited early:\n${proc.output()}`) : undefined,
  });
  return { proc, port: local };
}

const handshake = (port: number) =>
  probeTls({
    host: '127.0.0.1',
    port,
    ca: sb.aioCa.cert,
    servername: 'aio-broker',
    cert: client.chainPem,
    key: client.leaf.key,
  });

async function mqttRoundTrip(port: number, i: number): Promise<void> {
  const c = await connectAsync({
    host: '127.0.0.1',
    port,
    protocol: 'mqtts',
    ca: sb.aioCa.cert,
    cert: client.chainPem,
    key: client.leaf.key,
    servername: 'aio-broker',
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    clientId: `pf-${port}-${i}`,
  });
  await c.endAsync();
}

describe.each([
  ['SPDY over WebSocket (default)', {}],
  ['SPDY/3.1 upgrade', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
])('kubectl port-forward svc/aio-broker, %s', (_name, env) => {
  test('two sessions each carry 20 sequential and 5 concurrent connections and stay up', async () => {
    const sessions = await Promise.all([portForward(env), portForward(env)]);
    try {
      await Promise.all(
        sessions.map(async ({ port }) => {
          for (let i = 0; i < 20; i++) {
            if (i % 4 === 0) await mqttRoundTrip(port, i);
            else expect(await handshake(port)).toMatchObject({ refused: false });
          }
          const concurrent = await Promise.all([
            ...Array.from({ length: 3 }, () => handshake(port)),
            mqttRoundTrip(port, 100).then(() => ({ refused: false })),
            mqttRoundTrip(port, 101).then(() => ({ refused: false })),
          ]);
          for (const r of concurrent) expect(r).toMatchObject({ refused: false });
        }),
      );
      for (const { proc } of sessions) {
        expect(proc.exitStatus()).toBeUndefined();
        // (kubectl may log `error copying ... broken pipe` when a local client hangs up first: its own side)
        expect(proc.output()).not.toMatch(/lost connection|error forwarding/);
      }
    } finally {
      await Promise.all(sessions.map(({ proc }) => proc.stop()));
    }
  });
});

// A failed connect inside the pod is reported on the error stream with kubelet's and containerd's wording; kubectl
// 1.32 (client-go >= 1.27) then closes the whole session, as it does against a real cluster.
test('an upstream that refuses: kubelet wording, then kubectl ends the session like against a cluster', async () => {
  const { proc, port } = await portForward();
  const key = `${AIO}/aio-broker-frontend-0:18884`;
  const saved = sb.kube.portForwardTargets.get(key)!;
  try {
    expect(await handshake(port)).toMatchObject({ refused: false });
    sb.kube.portForwardTargets.set(key, `127.0.0.1:${await freePort()}`);
    expect(await handshake(port)).toMatchObject({ refused: true });
    const status = await proc.exited;
    expect(status.code).not.toBe(0);
    const uid = sb.kube.store.get('pods', AIO, 'aio-broker-frontend-0')!.metadata.uid!;
    expect(proc.output()).toContain(
      `error forwarding port 18884 to pod aio-broker-frontend-0, uid ${uid}: failed to connect to localhost:18884 inside namespace`,
    );
    expect(proc.output()).toMatch(/IPv4: dial tcp4 127\.0\.0\.1:18884: connect: connection refused/);
    expect(proc.output()).toMatch(/error: lost connection to pod/);
  } finally {
    sb.kube.portForwardTargets.set(key, saved);
    await proc.stop();
  }
});
