// Sandbox start-up: the Kubernetes API stand-in (seeded like an AIO cluster) and mosquitto as the broker's
// X.509 port, ready to accept a client. The registry is not part of it. Prints figures; asserts nothing.
// Run: npm run bench:sandbox [-- --runs 5]
import { createTestChain } from '../test/support/peers/chain.js';
import { probeTls } from '../test/support/peers/tls-probe.js';
import type { KubeObject } from '../test/support/kube-apiserver/index.js';
import { startSandbox } from '../test/support/sandbox/index.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const AIO = 'azure-iot-operations';
const chain = await createTestChain();
const rows: Array<{ api: number; broker: number; total: number }> = [];

for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const sb = await startSandbox();
  const api = performance.now() - t0;
  // Configure the X.509 port as the authpolicy stage would; the sandbox then starts mosquitto.
  sb.kube.store.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'bench-ca', namespace: AIO },
    data: { 'client_ca.pem': chain.root.cert },
  });
  sb.kube.store.put({
    apiVersion: 'mqttbroker.iotoperations.azure.com/v1',
    kind: 'BrokerAuthentication',
    metadata: { name: 'bench', namespace: AIO },
    spec: { authenticationMethods: [{ method: 'X509', x509Settings: { trustedClientCaCert: 'bench-ca' } }] },
  });
  const l = sb.kube.store.get('brokerlisteners', AIO, 'default') as unknown as { spec: { ports: unknown[] } };
  sb.kube.store.put({
    ...(l as unknown as KubeObject),
    spec: { ...l.spec, ports: [...l.spec.ports, { port: 18884, authenticationRef: 'bench' }] },
  });
  await sb.broker.settled();
  const verdict = await probeTls({
    host: sb.broker.host,
    port: sb.broker.port,
    ca: sb.aioCa.cert,
    servername: 'aio-broker',
    cert: chain.chainPem,
    key: chain.leaf.key,
  });
  const total = performance.now() - t0;
  if (verdict.refused) throw new Error(`broker refused the bench client: ${verdict.code}`);
  rows.push({ api, broker: total - api, total });
  await sb.stop();
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`sandbox start-up, ${RUNS} runs (median; Node ${process.version})`);
console.log(
  `  Kubernetes API stand-in, seeded:          ${median(rows.map((r) => r.api))
    .toFixed(0)
    .padStart(6)} ms`,
);
console.log(
  `  + mosquitto started and accepting a client: ${median(rows.map((r) => r.broker))
    .toFixed(0)
    .padStart(4)} ms`,
);
console.log(
  `  total until a client is accepted:         ${median(rows.map((r) => r.total))
    .toFixed(0)
    .padStart(6)} ms   (target: under 3000 ms)`,
);
