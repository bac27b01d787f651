// check-certs over a fleet: 50, 100 and 200 clusters checked by the CLI's way (`check-certs --fleet`, every cluster
// of the file, fleet-concurrency 16), each size in a child process that does only the check, so its wall time and
// peak RSS (process.resourceUsage().maxRSS) are the checker's. Prints both for each size and how they grow from 50
// to 200 clusters; exits 1 when either grows clearly faster than linearly (exponent over 1.25, where linear is 1).
// Nothing here asserts anything about absolute time.
//
// The clusters are Kubernetes API stand-ins (test/support/kube-apiserver), one per cluster, each seeded as the
// sandbox seeds an AIO cluster (trust bundle, broker Service and Pod, ...) plus the certs stage's state (client and
// CA Secrets, trusted-CA ConfigMap, copied from one real certs run). They are not full sandboxes: 200 sandboxes
// would be 200 broker mirrors with a mosquitto each. Instead one real mosquitto serves the broker's X.509 port (TLS,
// client certificates required) for all of them, reached through each stand-in's port-forward as in the sandbox.
// Each cluster's check is the real one: API reads, SelfSubjectAccessReviews, cert-manager's list, a port-forward
// WebSocket and a TLS handshake with the broker.
// Run: npm run bench:fleet [-- --runs 3] (the median of the runs for each size; default 3)
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInputs } from '../src/config/validate-inputs.js';
import { runCommand } from '../src/engine/run-command.js';
import { createCleanupRegistry } from '../src/pipeline/cleanup.js';
import {
  BROKER_POD,
  startKubeApiServer,
  type KubeObject,
  type KubeSandbox,
} from '../test/support/kube-apiserver/index.js';
import { freePort } from '../test/support/peers/free-port.js';
import { recordingReporter } from '../test/support/recording-reporter.js';
import { createAioRoot } from '../test/support/sandbox/aio-pki.js';
import { BROKER_DNS_NAMES, BROKER_X509_PORT } from '../test/support/sandbox/index.js';
import { startPortServer } from '../test/support/sandbox/port-server.js';
import { issueTestCert } from '../test/support/test-pki.js';
import { bundleChild } from './bundle-child.js';

const SIZES = [50, 100, 200];
const CONCURRENCY = 16;
/** Growth exponent (log(x200 / x50) / log 4) above which growth counts as clearly superlinear. */
const SUPERLINEAR = 1.25;
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('--runs', 3);
const AIO = 'azure-iot-operations';
const NS = 'litmus-edge';

interface ChildResult {
  ms: number;
  clusters: number;
  passed: number;
  baseKiB: number;
  maxRssKiB: number;
  /** Heap still in use after the run and a full GC: what the run retains. */
  heapAfterGcKiB: number;
}

// The child is bundled on its own (esbuild, as scripts/run-ts.ts does) so that it loads only the engine.
const CHILD = `
import { resolveInputs } from './src/config/validate-inputs.ts';
import { runCommand } from './src/engine/run-command.ts';
import { createCleanupRegistry } from './src/pipeline/cleanup.ts';
const job = JSON.parse(process.env.BENCH_FLEET_JOB);
const log = { debug() {}, info() {}, warn() {}, error() {} };
let passed = 0;
const reporter = {
  pipelineStarted() {}, stageStarted() {}, stageLogger: () => log,
  stageFinished(r) { if (r.stage !== 'fleet' && r.status === 'passed') passed++; },
  async pipelineFinished() {},
};
const defaults = await resolveInputs([]);
const baseKiB = Math.round(process.memoryUsage().rss / 1024);
const t0 = performance.now();
await runCommand(
  { ...defaults, command: 'check-certs', 'authpolicy-mode': 'kubernetes', fleet: job.fleet, 'fleet-concurrency': job.concurrency, 'github-issue': false },
  { reporter, cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }), env: { HOME: job.dir, RUNNER_TEMP: job.dir, PATH: process.env.PATH } },
);
const ms = performance.now() - t0;
globalThis.gc();
const heapAfterGcKiB = Math.round(process.memoryUsage().heapUsed / 1024);
process.stdout.write(JSON.stringify({ ms, clusters: job.clusters, passed, baseKiB, maxRssKiB: process.resourceUsage().maxRSS, heapAfterGcKiB }) + '\\n');
process.exit(0);
`;
const childFile = await bundleChild('fleet-child', CHILD);

function runChild(job: {
  fleet: string;
  clusters: number;
  concurrency: number;
  dir: string;
}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', childFile], {
      env: { ...process.env, BENCH_FLEET_JOB: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ChildResult)
        : reject(new Error(`fleet child exited ${code}`)),
    );
  });
}

/** The certs stage's objects from one real run, to copy into every cluster. */
async function certsState(aioCa: { cert: string; key: string }, dir: string): Promise<KubeObject[]> {
  const template = await startKubeApiServer({ brokerCaPem: aioCa.cert, brokerCaKeyPem: aioCa.key });
  try {
    const defaults = await resolveInputs([]);
    const summary = await runCommand(
      {
        ...defaults,
        command: 'run',
        stages: ['certs'],
        stagesExplicit: true,
        'authpolicy-mode': 'kubernetes',
      },
      {
        reporter: recordingReporter(),
        cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
        env: { KUBECONFIG: template.writeKubeconfig(dir, undefined, { fileName: 'template' }), HOME: dir },
      },
    );
    if (!summary.ok)
      throw new Error(`the certs stage failed on the template cluster: ${JSON.stringify(summary)}`);
    const strip = (o: KubeObject): KubeObject => {
      const {
        resourceVersion: _rv,
        uid: _uid,
        creationTimestamp: _c,
        managedFields: _m,
        ...metadata
      } = o.metadata;
      return { ...o, metadata } as KubeObject;
    };
    return [
      template.store.get('namespaces', undefined, NS)!,
      ...template.store.list('secrets', NS).filter((s) => s.metadata.name?.startsWith('litmusedge-mqtt-')),
      template.store.get('configmaps', AIO, 'litmusedge-ca')!,
    ].map(strip);
  } finally {
    await template.stop();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const exponent = (small: number, big: number, ratio: number): number =>
  Math.log(big / small) / Math.log(ratio);

const dir = await mkdtemp(join(tmpdir(), 'bench-fleet-'));
const clusters: KubeSandbox[] = [];
let broker: Awaited<ReturnType<typeof startPortServer>> | undefined;
let failed = false;
try {
  const aioCa = await createAioRoot();
  const state = await certsState(aioCa, dir);
  const clientRoot = Buffer.from(
    (state.find((o) => o.metadata.name === 'litmusedge-mqtt-client') as { data: Record<string, string> })
      .data['ca.crt']!,
    'base64',
  ).toString('utf8');
  const server = await issueTestCert(aioCa, {
    commonName: 'aio-broker',
    dnsNames: BROKER_DNS_NAMES,
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
    notAfter: new Date(Date.now() + 30 * 86_400_000),
  });
  const local = await freePort();
  broker = await startPortServer(
    { port: BROKER_X509_PORT, protocol: 'Mqtt', tls: server, clientCa: clientRoot, anonymous: false },
    local,
  );
  const t0 = performance.now();
  for (let n = 0; n < Math.max(...SIZES); n++) {
    const kube = await startKubeApiServer({ brokerCaPem: aioCa.cert, brokerCaKeyPem: aioCa.key });
    clusters.push(kube);
    for (const o of state) kube.store.put(structuredClone(o));
    for (const target of [
      `${AIO}/${BROKER_POD}:${BROKER_X509_PORT}`,
      `${AIO}/aio-broker:${BROKER_X509_PORT}`,
    ])
      kube.portForwardTargets.set(target, `127.0.0.1:${local}`);
  }
  console.log(
    `check-certs over a fleet: ${clusters.length} Kubernetes API stand-ins seeded with the certs stage's state in ${(
      (performance.now() - t0) /
      1000
    ).toFixed(1)} s; one mosquitto serves the broker's X.509 port for all (Node ${process.version})`,
  );
  console.log(
    `fleet-concurrency ${CONCURRENCY}, median of ${RUNS} run(s) per size, each run in a fresh child process`,
  );
  const rows: Array<{ n: number; ms: number; rssMb: number; baseMb: number; heapMb: number }> = [];
  for (const n of SIZES) {
    const lines = [
      'clusters:',
      ...clusters.slice(0, n).flatMap((k, i) => {
        const file = k.writeKubeconfig(dir, undefined, { fileName: `kc-${i}` });
        return [`  - name: c${i}`, '    access:', `      kubeconfig-file: ${file}`];
      }),
    ];
    const fleet = join(dir, `fleet-${n}.yml`);
    await writeFile(fleet, `${lines.join('\n')}\n`);
    const results: ChildResult[] = [];
    for (let r = 0; r < RUNS; r++) {
      const res = await runChild({ fleet, clusters: n, concurrency: CONCURRENCY, dir });
      if (res.passed !== n)
        throw new Error(`${n - res.passed} of ${n} clusters did not pass: the bench's setup is broken`);
      results.push(res);
    }
    const row = {
      n,
      ms: median(results.map((x) => x.ms)),
      rssMb: median(results.map((x) => x.maxRssKiB)) / 1024,
      baseMb: median(results.map((x) => x.baseKiB)) / 1024,
      heapMb: median(results.map((x) => x.heapAfterGcKiB)) / 1024,
    };
    rows.push(row);
    console.log(
      `  ${String(n).padStart(3)} clusters: ${(row.ms / 1000).toFixed(2).padStart(6)} s wall (${(row.ms / n).toFixed(0).padStart(3)} ms/cluster), peak RSS ${row.rssMb.toFixed(1).padStart(6)} MB (${row.baseMb.toFixed(1)} MB before the check), heap after the run and a GC ${row.heapMb.toFixed(1)} MB`,
    );
  }
  const [a, b] = [rows[0]!, rows.at(-1)!];
  const ratio = b.n / a.n;
  const kTime = exponent(a.ms, b.ms, ratio);
  // Memory above what the process holds before it checks anything: what the fleet costs.
  const kRss = exponent(Math.max(a.rssMb - a.baseMb, 1), Math.max(b.rssMb - b.baseMb, 1), ratio);
  console.log(
    `growth ${a.n} -> ${b.n} clusters (x${ratio}): wall time x${(b.ms / a.ms).toFixed(2)} (exponent ${kTime.toFixed(2)}), peak RSS above start x${((b.rssMb - b.baseMb) / Math.max(a.rssMb - a.baseMb, 1)).toFixed(2)} (exponent ${kRss.toFixed(2)}); linear is exponent 1.00`,
  );
  for (const [what, k] of [
    ['wall time', kTime],
    ['peak RSS', kRss],
  ] as const) {
    if (k > SUPERLINEAR) {
      console.error(`FAIL: ${what} grows superlinearly (exponent ${k.toFixed(2)} > ${SUPERLINEAR})`);
      failed = true;
    }
  }
} finally {
  await Promise.all([...clusters.map((k) => k.stop()), broker?.stop()]);
  await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
