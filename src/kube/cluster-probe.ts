// Can we reach the Kubernetes API with the kubeconfig the user has? Answers with what was tried and how to fix it.
// The Kubernetes client is imported lazily: it must stay off the input-validation path (cold start).
import { request, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { kubeconfigSource, type KubeconfigSource } from './kubeconfig-source.js';

export interface ClusterProbeResult {
  reachable: boolean;
  /** Which kubeconfig and context were used, e.g. "KUBECONFIG=/tmp/k (context sandbox)". */
  via: string;
  server?: string;
  version?: string;
  problem?: string;
  fix?: string;
}

const KUBECONFIG_FIX =
  'set KUBECONFIG (or write ~/.kube/config) to a kubeconfig for the cluster; on GitHub runners, get one from your cluster access step first';

export async function probeCluster(
  env: NodeJS.ProcessEnv,
  timeoutMs = 5000,
  source: KubeconfigSource = kubeconfigSource(env),
): Promise<ClusterProbeResult> {
  if (source.kind === 'none') {
    return {
      reachable: false,
      via: env['KUBECONFIG'] ? `KUBECONFIG=${source.looked}` : '~/.kube/config',
      problem: `no kubeconfig found at ${source.looked}`,
      fix: KUBECONFIG_FIX,
    };
  }
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  let via: string;
  try {
    if (source.kind === 'in-cluster') {
      kc.loadFromCluster(source.root);
      via = 'in-cluster service account';
    } else {
      kc.loadFromFile(source.path);
      via = `${source.label ?? (source.fromEnv ? `KUBECONFIG=${source.path}` : source.path)} (context ${kc.getCurrentContext() || 'none'})`;
    }
  } catch (e) {
    const file = source.kind === 'file' ? source.path : 'in-cluster config';
    return {
      reachable: false,
      via: file,
      problem: `cannot read kubeconfig ${file}: ${(e as Error).message}`,
      fix: 'check that the file is a valid kubeconfig (kubectl config view --kubeconfig <file>)',
    };
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    return {
      reachable: false,
      via,
      problem: 'the kubeconfig has no current context with a cluster',
      fix: 'kubectl config use-context <name>',
    };
  }
  const url = new URL('/version', cluster.server);
  const opts: RequestOptions = { method: 'GET', timeout: timeoutMs };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve) => {
    const fail = (problem: string, fix: string): void =>
      resolve({ reachable: false, via, server: cluster.server, problem, fix });
    const req = (url.protocol === 'http:' ? httpRequest : request)(url, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode === 401 || res.statusCode === 403) {
          return fail(
            `the API server refused the credentials (HTTP ${res.statusCode})`,
            'renew the token or certificate in the kubeconfig',
          );
        }
        if (res.statusCode !== 200)
          return fail(
            `GET /version answered HTTP ${res.statusCode}`,
            'check the server address in the kubeconfig',
          );
        let version: string | undefined;
        try {
          version = (JSON.parse(body) as { gitVersion?: string }).gitVersion;
        } catch {
          // an answer that is not JSON still proves reachability
        }
        resolve({ reachable: true, via, server: cluster.server, ...(version ? { version } : {}) });
      });
    });
    req.on('timeout', () => {
      req.destroy();
      fail(
        `no answer from ${cluster.server} within ${timeoutMs} ms`,
        'check the network path to the API server (VPN, Arc proxy, firewall)',
      );
    });
    req.on('error', (e: NodeJS.ErrnoException) =>
      fail(
        `cannot connect to ${cluster.server}: ${e.code ?? e.message}`,
        'check that the cluster is running and the server address in the kubeconfig is right',
      ),
    );
    req.end();
  });
}
