// Sandbox start-up: the Kubernetes API stand-in (seeded like an AIO cluster) and mosquitto as the broker's
// X.509 port, ready to accept a client. The registry is not part of it. Then `helm install --wait` of a 1-replica
// chart (test/fixtures/charts/kubelet-app): from the start of helm to the release Secret saying `deployed`, with the
// default simulated runtime and with the kubelet runtime pulling from the registry peer. Prints figures; asserts
// nothing.
// Run: npm run bench:sandbox [-- --runs 5] [-- --helm-runs 3]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createTestChain } from '../test/support/peers/chain.js';
import { probeTls } from '../test/support/peers/tls-probe.js';
import { startRegistry, type RegistryPeer } from '../test/support/peers/registry.js';
import {
  startKubeApiServer,
  type KubeObject,
  type KubeApiServerOptions,
} from '../test/support/kube-apiserver/index.js';
import { pushTestImage } from '../test/support/kube-apiserver/kubelet/test-images.js';
import { helmPath, runTool, toolEnv } from '../test/support/kube-apiserver/tools.js';
import { repoRoot } from '../test/support/repo-root.js';
import { startSandbox } from '../test/support/sandbox/index.js';
import { createTestCa, issueLoopbackServerCert } from '../test/support/test-pki.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('--runs', 5);
const HELM_RUNS = arg('--helm-runs', 3);
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
    spec: {
      ...l.spec,
      // AIO (and the sandbox broker) open an X.509 port only with TLS.
      ports: [...l.spec.ports, { port: 18884, authenticationRef: 'bench', tls: { mode: 'Automatic' } }],
    },
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

// ---- helm install --wait until deployed -------------------------------------------------------------------------

interface HelmTiming {
  /** helm started → release Secret labelled status=deployed */
  deployed: number;
  /** helm started → first pod Ready */
  podReady: number;
  /** helm started → helm exited 0 */
  exited: number;
}

/** HELM_RUNS installs (one namespace each) on one stand-in started with `options`. */
async function helmInstalls(options: KubeApiServerOptions, values: object): Promise<HelmTiming[]> {
  const work = await mkdtemp(join(tmpdir(), 'bench-helm-'));
  const kube = await startKubeApiServer({ seed: false, ...options });
  try {
    const kubeconfig = kube.writeKubeconfig(work);
    const env = toolEnv(join(work, 'home'), kubeconfig);
    const valuesFile = join(work, 'values.yaml');
    await writeFile(valuesFile, stringify(values));
    const chart = join(repoRoot(), 'test', 'fixtures', 'charts', 'kubelet-app');
    const out: HelmTiming[] = [];
    for (let i = 0; i < HELM_RUNS; i++) {
      const ns = `bench-${i}`;
      let deployedAt = NaN;
      let readyAt = NaN;
      const off = kube.store.onChange((e) => {
        const o = e.object;
        if (o.metadata.namespace !== ns) return;
        if (e.resource.resource === 'secrets' && o.metadata.labels?.status === 'deployed') {
          deployedAt = Number.isNaN(deployedAt) ? performance.now() : deployedAt;
        }
        const conds = (o.status as { conditions?: { type: string; status: string }[] } | undefined)
          ?.conditions;
        if (e.resource.resource === 'pods' && conds?.some((c) => c.type === 'Ready' && c.status === 'True')) {
          readyAt = Number.isNaN(readyAt) ? performance.now() : readyAt;
        }
      });
      const t0 = performance.now();
      const r = await runTool(
        helmPath(),
        [
          'install',
          'app',
          chart,
          '-n',
          ns,
          '--create-namespace',
          '-f',
          valuesFile,
          '--wait',
          '--timeout',
          '60s',
        ],
        env,
      );
      const exited = performance.now() - t0;
      off();
      if (r.code !== 0) throw new Error(`helm install failed: ${r.stderr}`);
      out.push({ deployed: deployedAt - t0, podReady: readyAt - t0, exited });
    }
    return out;
  } finally {
    await kube.stop();
    await rm(work, { recursive: true, force: true });
  }
}

function printHelm(label: string, rows: HelmTiming[]): void {
  const f = (xs: number[]) => median(xs).toFixed(0).padStart(6);
  console.log(`  ${label}`);
  console.log(`    helm start → pod Ready:                 ${f(rows.map((r) => r.podReady))} ms`);
  console.log(`    helm start → release deployed:          ${f(rows.map((r) => r.deployed))} ms`);
  console.log(`    helm start → helm exits:                ${f(rows.map((r) => r.exited))} ms`);
}

console.log(`helm install --wait, 1 replica (kubelet-app chart), ${HELM_RUNS} runs (median)`);
printHelm(
  'simulated runtime (probes not modelled; pods Ready after 50–300 ms):',
  await helmInstalls({}, { image: 'registry.example/litmusedge/app:1.0' }),
);

let registry: RegistryPeer | undefined;
try {
  const ca = await createTestCa('Bench Registry CA');
  const t0 = performance.now();
  registry = await startRegistry({
    serverCert: await issueLoopbackServerCert(ca),
    username: 'bench',
    password: 'bench-secret',
    caPem: ca.cert,
  });
  const image = await pushTestImage({
    registry: registry.host,
    ca: ca.cert,
    creds: registry.creds,
    repository: 'litmusedge/app',
    tag: '1.0',
    behaviour: 'serve',
  });
  const setup = performance.now() - t0;
  const rows = await helmInstalls(
    { runtime: 'kubelet', kubelet: { registryCa: ca.cert, timeScale: 0.1 } },
    {
      image: image.reference,
      pullSecret: { registry: registry.host, username: 'bench', password: 'bench-secret' },
    },
  );
  printHelm(
    'kubelet runtime + registry (image pull, readiness probe initialDelaySeconds 10 = 1 s at timeScale 0.1):',
    rows,
  );
  console.log(`    (registry peer started and image pushed: ${setup.toFixed(0)} ms, once)`);
} catch (e) {
  console.log(`  kubelet runtime + registry: skipped (${(e as Error).message})`);
} finally {
  await registry?.stop();
}
