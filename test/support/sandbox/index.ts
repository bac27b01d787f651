// The sandbox every stage is tested in, and the demo runs against: the Kubernetes API stand-in seeded like an
// AIO cluster, and a real mosquitto that enforces whatever X.509 policy the cluster's broker resources name,
// reachable through the stand-in's port-forward of Service aio-broker:18884. Everything on loopback, in a
// temp dir, stopped by stop().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeApiServer, type KubeApiServerOptions, type KubeSandbox } from '../kube-apiserver/index.js';
import { freePort } from '../peers/free-port.js';
import { createTestCa, issueTestCert, type TestCertificate } from '../test-pki.js';
import { startBrokerMirror, type BrokerMirror } from './broker-mirror.js';

export const BROKER_X509_PORT = 18884;
export const BROKER_DNS_NAMES = [
  'aio-broker',
  'aio-broker.azure-iot-operations',
  'aio-broker.azure-iot-operations.svc',
  'aio-broker.azure-iot-operations.svc.cluster.local',
  'localhost',
];

export interface Sandbox {
  kube: KubeSandbox;
  broker: BrokerMirror;
  /** The AIO CA: signs the broker's server certificate; published in the trust-bundle ConfigMap. */
  aioCa: TestCertificate;
  brokerServerCert: TestCertificate;
  /** A temp dir (mode 0700) for kubeconfigs, configs and outputs; removed by stop(). */
  dir: string;
  /** An admin kubeconfig in `dir`. */
  kubeconfig: string;
  stop(): Promise<void>;
}

export async function startSandbox(
  options: Omit<KubeApiServerOptions, 'brokerCaPem' | 'brokerCaKeyPem'> = {},
): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'litmus-aio-sandbox-'));
  const aioCa = await createTestCa('Azure IoT Operations Sandbox Root CA');
  const [brokerServerCert, listenPort] = await Promise.all([
    issueTestCert(aioCa, {
      commonName: 'aio-broker',
      dnsNames: BROKER_DNS_NAMES,
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    }),
    freePort(),
  ]);
  const kube = await startKubeApiServer({ ...options, brokerCaPem: aioCa.cert, brokerCaKeyPem: aioCa.key });
  let broker: BrokerMirror;
  try {
    broker = await startBrokerMirror(kube, {
      serverCert: brokerServerCert,
      x509Port: BROKER_X509_PORT,
      listenPort,
    });
  } catch (e) {
    await kube.stop();
    throw e;
  }
  const target = `${broker.host}:${broker.port}`;
  kube.portForwardTargets.set(`azure-iot-operations/aio-broker:${BROKER_X509_PORT}`, target);
  kube.portForwardTargets.set(`azure-iot-operations/aio-broker-frontend-0:${BROKER_X509_PORT}`, target);
  return {
    kube,
    broker,
    aioCa,
    brokerServerCert,
    dir,
    kubeconfig: kube.writeKubeconfig(dir),
    async stop() {
      await broker.stop();
      await kube.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
