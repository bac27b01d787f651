// The Litmus Edge stand-in as the process of a sandbox container (test-image behaviour `litmus-edge`, see
// ../kube-apiserver/kubelet/programs.ts): it serves the API with its own self-signed certificate on the container's
// TLS port (the chart's port named `https`), reports that port to the kubelet, and its integrations reach in-cluster
// names through the kubelet's cluster DNS (so `aio-broker.azure-iot-operations.svc.cluster.local:18884` is the
// sandbox's mosquitto). Configured from the container's environment (the image config's Env, or the chart's
// `extraEnv`):
//   LITMUS_EDGE_TOKENS    comma-separated API tokens it accepts
//   LITMUS_EDGE_VERSION   the version it reports (default: the stand-in's)
// Logs one line per API request to stdout (`kubectl logs`).
import { clusterDnsClient } from '../kube-apiserver/kubelet/cluster-dns.js';
import type { ContainerConfig } from '../kube-apiserver/kubelet/container-process.js';
import { startLitmusEdge } from './index.js';

const cfg = JSON.parse(process.env.LITMUS_CONTAINER ?? '{}') as ContainerConfig;
const log = (m: string): void => void process.stdout.write(`${new Date().toISOString()} ${m}\n`);
log(`Litmus Edge stand-in: container ${cfg.container} of pod ${cfg.pod} starting (image ${cfg.image})`);

const https = cfg.listen.find((p) => p.tls) ?? cfg.listen[0];
const version = process.env.LITMUS_EDGE_VERSION;
const le = await startLitmusEdge({
  tokens: (process.env.LITMUS_EDGE_TOKENS ?? '').split(',').filter(Boolean),
  ...(version ? { version } : {}),
  resolve: clusterDnsClient(),
  publishIntervalMs: 200,
  onRequest: (r) => log(`${r.method} ${r.path} ${r.status} (${r.auth})`),
});
const ports: Record<number, number> = https ? { [https.port]: le.port } : {};
log(
  https ? `API listening on :${https.port} (tls) at ${le.url}, SHA-256 ${le.sha256()}` : 'no port to serve',
);
process.send?.({ type: 'ports', ports });

const exit = (why: string): void => {
  log(why);
  void le.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', () => exit('received SIGTERM, exiting'));
process.on('disconnect', () => process.exit(0));
