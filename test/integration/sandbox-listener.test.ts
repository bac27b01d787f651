// The sandbox broker follows the WHOLE listener: ports opened and closed, TLS, X.509 needing TLS, WebSockets,
// brokerRef, and the listener's Service, each after the sandbox's reconcile delay.
import { join } from 'node:path';
import { connectAsync, type IClientOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { KubeObject } from '../support/kube-apiserver/index.js';
import { kubectlPath, toolEnv } from '../support/kube-apiserver/tools.js';
import { createTestChain, type TestChain } from '../support/peers/chain.js';
import { spawnPeer } from '../support/peers/child.js';
import { freePort } from '../support/peers/free-port.js';
import { waitFor } from '../support/peers/wait.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

const AIO = 'azure-iot-operations';
const GROUP = 'mqttbroker.iotoperations.azure.com/v1';
let sb: Sandbox;
let client: TestChain;

beforeAll(async () => {
  [sb, client] = await Promise.all([startSandbox(), createTestChain({ rootName: 'Listener Root' })]);
  sb.kube.store.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'listener-ca', namespace: AIO },
    data: { 'client_ca.pem': client.root.cert },
  });
  sb.kube.store.put({
    apiVersion: GROUP,
    kind: 'BrokerAuthentication',
    metadata: { name: 'listener-x509', namespace: AIO },
    spec: {
      authenticationMethods: [{ method: 'X509', x509Settings: { trustedClientCaCert: 'listener-ca' } }],
    },
  });
  await sb.broker.settled();
});
afterAll(() => sb?.stop());

type Port = Record<string, unknown> & { port: number };
const TLS = { mode: 'Automatic' };
const X509: Port = { port: 18884, authenticationRef: 'listener-x509', tls: TLS };

function setPorts(ports: Port[], listener = 'default'): void {
  const l = sb.kube.store.get('brokerlisteners', AIO, listener)!;
  const spec = l.spec as { ports: Port[] };
  // Keep the default 18883 entry, as the product must.
  const keep = listener === 'default' ? spec.ports.filter((p) => p.port === 18883) : [];
  sb.kube.store.put({ ...l, spec: { ...spec, ports: [...keep, ...ports] } });
}
const servicePorts = (name = 'aio-broker') =>
  (
    (sb.kube.store.get('services', AIO, name)?.spec as { ports?: Array<{ port: number }> } | undefined)
      ?.ports ?? []
  )
    .map((p) => p.port)
    .sort();

async function mqtt(port: number, o: { cert?: boolean; protocol?: IClientOptions['protocol'] } = {}) {
  const c = await connectAsync({
    host: '127.0.0.1',
    port,
    protocol: o.protocol ?? 'mqtts',
    ca: sb.aioCa.cert,
    servername: 'aio-broker',
    ...(o.cert ? { cert: client.chainPem, key: client.leaf.key } : {}),
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
  await c.endAsync();
  return 'connected';
}
const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'connected',
    (e: Error & { code?: unknown }) => (typeof e.code === 'string' ? e.code : e.message),
  );
const local = (brokerPort: number) => sb.broker.localPort(brokerPort)!;

async function viaKubectl<T>(brokerPort: number, use: (port: number) => Promise<T>): Promise<T> {
  const port = await freePort();
  const proc = spawnPeer(
    kubectlPath(),
    ['port-forward', '-n', AIO, 'svc/aio-broker', `${port}:${brokerPort}`, '--address', '127.0.0.1'],
    { env: toolEnv(join(sb.dir, 'home-listener'), sb.kubeconfig) },
  );
  try {
    await waitFor(() => /Forwarding from/.test(proc.output()), {
      description: 'kubectl port-forward to be ready',
      timeoutMs: 20_000,
      abort: () =>
        proc.exitStatus() ? new Error(`kubectl port-forward exited:\n${proc.output()}`) : undefined,
    });
    return await use(port);
  } finally {
    await proc.stop();
  }
}

describe('sandbox broker follows the listener', () => {
  test('as seeded: 18883 (ServiceAccountToken) is open but refuses CONNECT; the Service carries 18883 only', async () => {
    expect(sb.broker.servedPorts()).toEqual([18883]);
    expect(servicePorts()).toEqual([18883]);
    expect(await failure(mqtt(local(18883)))).toMatch(/Not authorized|not authorized/i);
  });

  test('a second port: reachable after the reconcile delay, directly and through kubectl port-forward', async () => {
    setPorts([X509, { port: 18885, protocol: 'Mqtt', tls: TLS }]);
    await sb.broker.settled();
    expect(sb.broker.servedPorts()).toEqual([18883, 18884, 18885]);
    expect(servicePorts()).toEqual([18883, 18884, 18885]);
    expect(await mqtt(local(18885))).toBe('connected');
    expect(await mqtt(local(18884), { cert: true })).toBe('connected');
    expect(await viaKubectl(18885, (p) => mqtt(p))).toBe('connected');
    expect(await viaKubectl(18884, (p) => mqtt(p, { cert: true }))).toBe('connected');
  });

  test('removing the port closes it and takes it off the Service', async () => {
    setPorts([X509]);
    await sb.broker.settled();
    expect(await failure(mqtt(local(18885)))).toBe('ECONNREFUSED');
    expect(servicePorts()).toEqual([18883, 18884]);
    expect(await mqtt(local(18884), { cert: true })).toBe('connected');
  });

  test('TLS removed from the X.509 port: AIO would refuse it, the sandbox closes it', async () => {
    setPorts([{ port: 18884, authenticationRef: 'listener-x509' }]);
    await sb.broker.settled();
    expect(sb.broker.current()).toBeUndefined();
    expect(await failure(mqtt(local(18884), { cert: true }))).toBe('ECONNREFUSED');
    expect(servicePorts()).toEqual([18883]);
  });

  test('a WebSockets port serves MQTT over WebSockets (wss://, X.509)', async () => {
    setPorts([X509, { port: 18886, protocol: 'WebSockets', authenticationRef: 'listener-x509', tls: TLS }]);
    await sb.broker.settled();
    expect(await mqtt(local(18886), { protocol: 'wss', cert: true })).toBe('connected');
    expect(await failure(mqtt(local(18886), { protocol: 'wss' }))).not.toBe('connected');
    expect(servicePorts()).toEqual([18883, 18884, 18886]);
    expect(await viaKubectl(18886, (p) => mqtt(p, { protocol: 'wss', cert: true }))).toBe('connected');
  });

  test("a WebSockets X.509 port applies the port's BrokerAuthorization to the certificate's CN", async () => {
    sb.kube.store.put({
      apiVersion: GROUP,
      kind: 'BrokerAuthentication',
      metadata: { name: 'listener-x509', namespace: AIO },
      spec: {
        authenticationMethods: [
          {
            method: 'X509',
            x509Settings: {
              trustedClientCaCert: 'listener-ca',
              authorizationAttributes: {
                leaf: { subject: 'CN = test-client', attributes: { role: 'edge' } },
              },
            },
          },
        ],
      },
    });
    sb.kube.store.put({
      apiVersion: GROUP,
      kind: 'BrokerAuthorization',
      metadata: { name: 'listener-authz', namespace: AIO },
      spec: {
        authorizationPolicies: {
          rules: [
            {
              principals: { attributes: [{ role: 'edge' }] },
              brokerResources: [
                { method: 'Subscribe', topics: ['le/#'] },
                { method: 'Publish', topics: ['le/#'] },
              ],
            },
          ],
        },
      },
    });
    const authz = { authorizationRef: 'listener-authz' };
    setPorts([X509, { ...X509, port: 18886, protocol: 'WebSockets', ...authz }]);
    await sb.broker.settled();
    const c = await connectAsync({
      host: '127.0.0.1',
      port: local(18886),
      protocol: 'wss',
      ca: sb.aioCa.cert,
      servername: 'aio-broker',
      cert: client.chainPem,
      key: client.leaf.key,
      reconnectPeriod: 0,
      protocolVersion: 5,
    });
    try {
      const publish = (topic: string) =>
        c.publishAsync(topic, 'x', { qos: 1 }).then(
          () => 'ok',
          (e: Error) => e.message,
        );
      expect(await publish('le/data')).toBe('ok');
      expect(await publish('elsewhere')).toMatch(/not authorized/i);
    } finally {
      await c.endAsync();
    }
  });

  test('a plain WebSockets port without authentication (ws://)', async () => {
    setPorts([X509, { port: 18887, protocol: 'WebSockets' }]);
    await sb.broker.settled();
    expect(await mqtt(local(18887), { protocol: 'ws' })).toBe('connected');
    expect(await failure(mqtt(local(18886), { protocol: 'wss', cert: true }))).toBe('ECONNREFUSED');
  });

  test('a listener whose brokerRef names no Broker serves nothing and gets no Service, until the Broker exists', async () => {
    sb.kube.store.put({
      apiVersion: GROUP,
      kind: 'BrokerListener',
      metadata: { name: 'orphan', namespace: AIO },
      spec: {
        brokerRef: 'missing',
        serviceName: 'aio-broker-orphan',
        serviceType: 'LoadBalancer',
        ports: [{ port: 18890, protocol: 'Mqtt' }],
      },
    } as KubeObject);
    await sb.broker.settled();
    expect(sb.broker.servedPorts()).not.toContain(18890);
    expect(sb.kube.store.get('services', AIO, 'aio-broker-orphan')).toBeUndefined();

    sb.kube.store.put({
      apiVersion: GROUP,
      kind: 'Broker',
      metadata: { name: 'missing', namespace: AIO },
      spec: {},
    });
    await sb.broker.settled();
    expect(sb.broker.servedPorts()).toContain(18890);
    expect(servicePorts('aio-broker-orphan')).toEqual([18890]);
    expect((sb.kube.store.get('services', AIO, 'aio-broker-orphan')!.spec as { type: string }).type).toBe(
      'LoadBalancer',
    );
    expect(await mqtt(local(18890), { protocol: 'mqtt' })).toBe('connected');

    sb.kube.store.delete('brokerlisteners', AIO, 'orphan');
    await sb.broker.settled();
    expect(sb.kube.store.get('services', AIO, 'aio-broker-orphan')).toBeUndefined();
    expect(await failure(mqtt(local(18890), { protocol: 'mqtt' }))).toBe('ECONNREFUSED');
  });
});
