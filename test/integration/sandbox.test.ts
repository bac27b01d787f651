// The sandbox's broker follows the cluster's broker resources, and the Service port-forward reaches it.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestChain, type TestChain } from '../support/peers/chain.js';
import { probeTls } from '../support/peers/tls-probe.js';
import type { KubeObject } from '../support/kube-apiserver/index.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

let sb: Sandbox;
let first: TestChain;
let second: TestChain;
beforeAll(async () => {
  [sb, first, second] = await Promise.all([
    startSandbox(),
    createTestChain({ rootName: 'First Root' }),
    createTestChain({ rootName: 'Second Root' }),
  ]);
});
afterAll(() => sb.stop());

const AIO = 'azure-iot-operations';
const configMap = (name: string, pem: string) =>
  sb.kube.store.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: AIO },
    data: { 'client_ca.pem': pem },
  });
const authn = (cm: string) =>
  sb.kube.store.put({
    apiVersion: 'mqttbroker.iotoperations.azure.com/v1',
    kind: 'BrokerAuthentication',
    metadata: { name: 'x509', namespace: AIO },
    spec: { authenticationMethods: [{ method: 'X509', x509Settings: { trustedClientCaCert: cm } }] },
  });
function setPort(present: boolean): void {
  const l = sb.kube.store.get('brokerlisteners', AIO, 'default') as unknown as {
    spec: { ports: Array<{ port: number }> };
  };
  const ports = l.spec.ports.filter((p) => p.port !== 18884);
  if (present) ports.push({ port: 18884, authenticationRef: 'x509', tls: { mode: 'Automatic' } } as never);
  sb.kube.store.put({ ...(l as unknown as KubeObject), spec: { ...l.spec, ports } });
}

/** A local TCP port that port-forwards each connection to Service aio-broker:18884 through the stand-in. */
async function forwardService(): Promise<{ port: number; close: () => void }> {
  const kc = new KubeConfig();
  kc.loadFromFile(sb.kubeconfig);
  const pf = new PortForward(kc);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    void pf
      .portForwardService(AIO, 'aio-broker', [18884], socket, null, socket)
      .catch(() => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const connect = (chain: TestChain, port = sb.broker.port) =>
  probeTls({
    host: '127.0.0.1',
    port,
    ca: sb.aioCa.cert,
    servername: 'aio-broker',
    cert: chain.chainPem,
    key: chain.leaf.key,
  });

describe('sandbox broker', () => {
  test('follows listener port -> BrokerAuthentication -> trusted-CA ConfigMap', async () => {
    configMap('first-ca', first.root.cert);
    configMap('second-ca', second.root.cert);
    authn('first-ca');
    setPort(true);
    await sb.broker.settled();
    expect(await connect(first)).toMatchObject({ refused: false });
    expect(await connect(second)).toMatchObject({ refused: true, code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
  });

  test("changing the BrokerAuthentication's trusted CA: the old client is refused, the new one accepted", async () => {
    authn('second-ca');
    await sb.broker.settled();
    expect(await connect(first)).toMatchObject({ refused: true, code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
    expect(await connect(second)).toMatchObject({ refused: false });
  });

  test('the Service port-forward (client-node, WebSocket) reaches the broker', async () => {
    const fwd = await forwardService();
    try {
      expect(await connect(second, fwd.port)).toMatchObject({ refused: false });
      expect(await connect(first, fwd.port)).toMatchObject({ refused: true });
    } finally {
      fwd.close();
    }
  });

  test('removing the port stops the broker: connections are refused', async () => {
    setPort(false);
    await sb.broker.settled();
    expect(sb.broker.current()).toBeUndefined();
    expect(await connect(second)).toMatchObject({ refused: true, code: 'ECONNREFUSED' });
  });
});
