// Can we reach the Kubernetes API with the kubeconfig the user has? Answers with what was tried and how to fix it.
// The Kubernetes client is imported lazily: it must stay off the input-validation path (cold start).
import { request, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { connectionFailure } from './connection-failure.js';
import { kubeconfigSource, type KubeconfigSource } from './kubeconfig-source.js';

export interface ClusterProbeResult {
  reachable: boolean;
  /** Which kubeconfig and context were used, e.g. "KUBECONFIG=/tmp/k (context sandbox)". */
  via: string;
  server?: string;
  version?: string;
  problem?: string;
  fix?: string;
  /**
   * The kubeconfig itself is unusable (malformed, or refused as insecure): an input error, not an unreachable
   * cluster. `problem` then is the whole sentence, naming the kubeconfig.
   */
  invalidKubeconfig?: boolean;
  /** Things the user allowed but should see (insecure-skip-tls-verify). */
  warnings?: string[];
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
  const [{ loadKubeconfig }, { KubeconfigError }] = await Promise.all([
    import('./kubeconfig-load.js'),
    import('./kubeconfig-check.js'),
  ]);
  let loaded: Awaited<ReturnType<typeof loadKubeconfig>>;
  try {
    loaded = await loadKubeconfig(source);
  } catch (e) {
    if (!(e instanceof KubeconfigError)) throw e;
    return { reachable: false, via: e.where, problem: e.summary, fix: e.fix, invalidKubeconfig: true };
  }
  const { kc, via, warnings } = loaded;
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
  const extra = warnings.length > 0 ? { warnings } : {};
  return new Promise((resolve) => {
    const fail = (problem: string, fix: string): void =>
      resolve({ reachable: false, via, server: cluster.server, problem, fix, ...extra });
    const req = (url.protocol === 'http:' ? httpRequest : request)(url, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode === 401 || res.statusCode === 403) {
          return fail(
            `the API server ${cluster.server} refused the credentials (HTTP ${res.statusCode})`,
            'renew the token or client certificate of the kubeconfig user (an expired token is the usual cause)',
          );
        }
        if (res.statusCode !== 200)
          return fail(
            `GET ${url.href} answered HTTP ${res.statusCode}`,
            'check that the server address in the kubeconfig is the Kubernetes API server (not a proxy or ingress)',
          );
        let version: string | undefined;
        try {
          version = (JSON.parse(body) as { gitVersion?: string }).gitVersion;
        } catch {
          // an answer that is not JSON still proves reachability
        }
        resolve({ reachable: true, via, server: cluster.server, ...(version ? { version } : {}), ...extra });
      });
    });
    req.on('timeout', () => {
      req.destroy();
      fail(
        `no answer from ${cluster.server} within ${timeoutMs} ms`,
        'check the network path to the API server (VPN, Arc proxy, firewall)',
      );
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const f = connectionFailure(e, cluster.server);
      fail(f.problem, f.fix);
    });
    req.end();
  });
}
