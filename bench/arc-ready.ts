// Time to ready of startArcProxy against a fake `az connectedk8s proxy` that becomes ready after 5 s (kubeconfig
// written, forwarder to the Kubernetes stand-in listening), beside the fixed 120 s wait of Azure/k8s-set-context
// (computed, not waited). Target: ready within 1 s of the proxy being ready.
// Usage: node scripts/run-ts.ts bench/arc-ready.ts [--runs 3] [--delay-ms 5000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startArcProxy } from '../src/kube/arc/arc-proxy.js';
import { installFakeAz } from '../test/support/fake-az/index.js';
import { startKubeApiServer } from '../test/support/kube-apiserver/index.js';
import { freePort } from '../test/support/peers/free-port.js';

const FIXED_WAIT_MS = 120_000; // Azure/k8s-set-context: sleep(120 s) after starting `az connectedk8s proxy`
const TARGET_MS = 1000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
}

const runs = arg('--runs', 3);
const delayMs = arg('--delay-ms', 5000);
const dir = mkdtempSync(join(tmpdir(), 'bench-arc-'));
const kube = await startKubeApiServer({ clusterName: 'bench-cluster', resourceGroup: 'bench-rg' });
const fake = installFakeAz({
  dir: join(dir, 'az'),
  upstream: { url: kube.url, caPem: kube.caPem, token: kube.adminToken },
});
const quiet = { debug() {}, info() {}, warn: (m: string) => console.warn(m) };

interface Row {
  readyAfterMs: number;
  proxyReadyMs: number;
  overshootMs: number;
}
const rows: Row[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const kubeconfigPath = join(mkdtempSync(join(dir, 'kube-')), 'config');
    const callEpoch = Date.now();
    const proxy = await startArcProxy({
      az: fake.az,
      cluster: 'bench-cluster',
      resourceGroup: 'bench-rg',
      port: await freePort(),
      kubeconfigPath,
      timeoutMs: 60_000,
      env: fake.env({ delayMs }),
      log: quiet,
    });
    const readyEpoch = Date.now();
    const record = fake.proxyRecord(proxy.pid);
    await proxy.stop();
    if (!record?.kubeconfigAt || !record.listenAt)
      throw new Error('the fake az did not record its ready time');
    // The proxy is ready once both the kubeconfig exists and the forwarder listens.
    const proxyReadyEpoch = Math.max(record.kubeconfigAt, record.listenAt);
    rows.push({
      readyAfterMs: proxy.readyAfterMs,
      proxyReadyMs: proxyReadyEpoch - callEpoch,
      overshootMs: readyEpoch - proxyReadyEpoch,
    });
  }
} finally {
  await kube.stop();
  rmSync(dir, { recursive: true, force: true });
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `Arc proxy time to ready: fake 'az connectedk8s proxy' writes its kubeconfig ${delayMs} ms after it starts\n`,
);
console.log('run  ready after  proxy ready at  detected after  fixed 120 s / ready');
rows.forEach((r, i) =>
  console.log(
    `${String(i + 1).padEnd(5)}${s(r.readyAfterMs).padEnd(13)}${s(r.proxyReadyMs).padEnd(16)}${`+${Math.round(r.overshootMs)} ms`.padEnd(16)}${(FIXED_WAIT_MS / r.readyAfterMs).toFixed(1)}x`,
  ),
);
const ready = median(rows.map((r) => r.readyAfterMs));
const overshoot = median(rows.map((r) => r.overshootMs));
const worst = Math.max(...rows.map((r) => r.overshootMs));
console.log(
  `\nmedian: ready after ${s(ready)}, ${Math.round(overshoot)} ms after the proxy was ready (worst ${Math.round(worst)} ms; target <= ${TARGET_MS} ms: ${worst <= TARGET_MS ? 'met' : 'MISSED'})`,
);
console.log(
  `Azure/k8s-set-context waits a fixed ${FIXED_WAIT_MS / 1000} s (computed, not waited): 120 s / ${s(ready)} = ${(FIXED_WAIT_MS / ready).toFixed(1)}x longer, and leaves the proxy running.`,
);
if (worst > TARGET_MS) process.exitCode = 1;
