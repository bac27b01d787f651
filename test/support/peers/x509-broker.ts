// A real mosquitto standing in for AIO's broker on its X.509 port, for tests of what Litmus Edge (the stand-in)
// publishes: a server certificate for the broker's in-cluster name from its own test root, a client chain like
// the one certs issues (aiomqttconnector), and the files mosquitto_sub reads to subscribe as that client.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestCa, issueTestCert, type TestCertificate } from '../test-pki.js';
import { createTestChain, type TestChain } from './chain.js';
import { startMosquitto, type MosquittoPeer } from './mosquitto.js';

export const BROKER_HOST = 'aio-broker.azure-iot-operations.svc.cluster.local';

export interface X509Broker {
  broker: MosquittoPeer;
  /** The root that issued the broker's server certificate (what Litmus Edge must trust). */
  brokerCa: TestCertificate;
  /** The client chain the broker accepts (its root is the broker's client CA). */
  client: TestChain;
  /** In `dir`: chain.pem, leaf.key and broker-ca.pem, for mosquitto_sub's --cert, --key and --cafile. */
  files: { chain: string; key: string; ca: string };
}

export async function startX509Broker(dir: string): Promise<X509Broker> {
  const [brokerCa, client] = await Promise.all([
    createTestCa('AIO Test Root CA'),
    createTestChain({ leaf: { commonName: 'aiomqttconnector' } }),
  ]);
  const serverCert = await issueTestCert(brokerCa, { commonName: 'aio-broker', dnsNames: [BROKER_HOST] });
  const broker = await startMosquitto({ serverCert, clientCaPem: client.root.cert });
  const files = { chain: join(dir, 'chain.pem'), key: join(dir, 'leaf.key'), ca: join(dir, 'broker-ca.pem') };
  writeFileSync(files.chain, client.chainPem);
  writeFileSync(files.key, client.leaf.key, { mode: 0o600 });
  writeFileSync(files.ca, brokerCa.cert);
  return { broker, brokerCa, client, files };
}
