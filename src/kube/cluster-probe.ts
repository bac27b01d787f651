// Can we reach the Kubernetes API with the kubeconfig the user has? Answers with what was tried and how to fix it.
// The Kubernetes client is imported lazily: it must stay off the input-validation path (cold start).
import { existsSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

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

export async function probeCluster(env: NodeJS.ProcessEnv, timeoutMs = 5000): Promise<ClusterProbeResult> {
  const file = env['KUBECONFIG'] || join(env['HOME'] || homedir(), '.kube', 'config');
  const inCluster = !env['KUBECONFIG'] && !existsSync(file) && env['KUBERNETES_SERVICE_HOST'];
  if (!inCluster && !existsSync(file.split(':')[0]!)) {
    return {
      reachable: false,
      via: env['KUBECONFIG'] ? `KUBECONFIG=${file}` : '~/.kube/config',
      problem: `no kubeconfig found at ${file}`,
      fix: KUBECONFIG_FIX,
    };
  }
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  let via: string;
  try {
    if (inCluster) {
      kc.loadFromCluster();
      via = 'in-cluster service account';
    } else {
      kc.loadFromFile(file);
      via = `${env['KUBECONFIG'] ? `KUBECONFIG=${file}` : file} (context ${kc.getCurrentContext() || 'none'})`;
    }
  } catch (e) {
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
