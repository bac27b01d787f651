// Does the kubeconfig az wrote reach the Arc cluster we asked for? One GET of ConfigMap azure-arc/azure-clusterconfig
// (the Arc agents' record of the Azure resource they belong to) through the proxy. The Kubernetes client is imported
// lazily: it must stay off the startup path.
import type * as KubeNode from '@kubernetes/client-node';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

export type ProbeAnswer =
  | {
      ok: true;
      server: string;
      /** AZURE_RESOURCE_NAME; undefined when the identity may not read the ConfigMap (note says so). */
      clusterName?: string;
      resourceGroup?: string;
      note?: string;
    }
  | {
      ok: false;
      /** true: worth asking again (proxy warming up, 5xx, half-written kubeconfig); false: it will not heal. */
      retry: boolean;
      problem: string;
      fix?: string;
      server?: string;
    };

export type ArcProbe = (kubeconfigPath: string, o?: { timeoutMs?: number }) => Promise<ProbeAnswer>;

export const CLUSTER_CONFIG_PATH = '/api/v1/namespaces/azure-arc/configmaps/azure-clusterconfig';

let client: Promise<typeof KubeNode> | undefined;
/** Starts loading @kubernetes/client-node (once); call early to overlap the load with waiting for az. */
export function loadKubeClient(): Promise<typeof KubeNode> {
  client ??= import('@kubernetes/client-node');
  return client;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface StatusBody {
  kind?: string;
  reason?: string;
  message?: string;
  data?: Record<string, string>;
}

/** The default probe: loads the kubeconfig with @kubernetes/client-node and GETs the Arc cluster ConfigMap. */
export const probeArcCluster: ArcProbe = async (kubeconfigPath, o = {}) => {
  const timeoutMs = o.timeoutMs ?? 5000;
  const { KubeConfig } = await loadKubeClient();
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(kubeconfigPath);
  } catch (e) {
    // az writes the file in place: a read can see half of it.
    return { ok: false, retry: true, problem: `cannot load the kubeconfig (yet): ${(e as Error).message}` };
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    return { ok: false, retry: true, problem: 'the kubeconfig has no current context with a cluster (yet)' };
  }
  const server = cluster.server;
  let url: URL;
  try {
    url = new URL(server.replace(/\/+$/, '') + CLUSTER_CONFIG_PATH);
  } catch {
    return { ok: false, retry: false, server, problem: `the kubeconfig's server '${server}' is not a URL` };
  }
  const opts: RequestOptions = { method: 'GET', timeout: timeoutMs, headers: { accept: 'application/json' } };
  try {
    await kc.applyToHTTPSOptions(opts);
  } catch (e) {
    return {
      ok: false,
      retry: false,
      server,
      problem: `cannot apply the kubeconfig's credentials: ${(e as Error).message}`,
    };
  }
  return new Promise<ProbeAnswer>((resolve) => {
    const req = (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('error', (e) =>
        resolve({ ok: false, retry: true, server, problem: `answer cut off: ${e.message}` }),
      );
      res.on('end', () => resolve(interpret(res.statusCode ?? 0, body, server)));
    });
    req.on('timeout', () => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? '';
      if (TLS_CODES.has(code)) {
        resolve({
          ok: false,
          retry: false,
          server,
          problem: `TLS verification of ${server} failed (${code})`,
          fix: 'the kubeconfig az wrote does not trust the proxy certificate: update the Azure CLI and the connectedk8s extension (az extension update --name connectedk8s)',
        });
        return;
      }
      resolve({ ok: false, retry: true, server, problem: `cannot reach ${server}: ${code || e.message}` });
    });
    req.end();
  });
};

function parse(body: string): StatusBody | undefined {
  try {
    return JSON.parse(body) as StatusBody;
  } catch {
    return undefined;
  }
}

function interpret(status: number, body: string, server: string): ProbeAnswer {
  const parsed = parse(body);
  const said = parsed?.message ? `: ${parsed.message}` : body.trim() ? `: ${body.trim().slice(0, 200)}` : '';
  if (status === 200) {
    const data = parsed?.data ?? {};
    if (!parsed) return { ok: false, retry: true, server, problem: 'HTTP 200 with a body that is not JSON' };
    return {
      ok: true,
      server,
      ...(data['AZURE_RESOURCE_NAME'] ? { clusterName: data['AZURE_RESOURCE_NAME'] } : {}),
      ...(data['AZURE_RESOURCE_GROUP'] ? { resourceGroup: data['AZURE_RESOURCE_GROUP'] } : {}),
      ...(data['AZURE_RESOURCE_NAME']
        ? {}
        : { note: 'azure-arc/azure-clusterconfig has no AZURE_RESOURCE_NAME' }),
    };
  }
  if (status === 403) {
    // The API answered: the proxy works, but this identity may not read azure-arc. Ready, identity unverified.
    return {
      ok: true,
      server,
      note: `the API answered, but this identity may not read ConfigMap azure-arc/azure-clusterconfig (HTTP 403${said}), so the cluster's name could not be checked`,
    };
  }
  if (status === 401) {
    return {
      ok: false,
      retry: false,
      server,
      problem: `the cluster refused the credentials (HTTP 401${said})`,
      fix: 'with a service-account token: check it is current and belongs to the cluster; with Entra ID: bind the identity in the cluster (kubectl create clusterrolebinding ... --user=<object id>)',
    };
  }
  if (status === 404 && parsed?.kind === 'Status' && parsed.reason === 'NotFound') {
    return {
      ok: false,
      retry: false,
      server,
      problem:
        'the API server has no ConfigMap azure-arc/azure-clusterconfig: the kubeconfig reaches a cluster that is not Arc-connected',
      fix: 'check the cluster name and resource group, and that the cluster is connected (az connectedk8s show)',
    };
  }
  if (status >= 500 || status === 429 || status === 404) {
    return { ok: false, retry: true, server, problem: `HTTP ${status}${said}` };
  }
  return { ok: false, retry: false, server, problem: `unexpected HTTP ${status}${said}` };
}
