// The run's kubeconfig as a document for tools that need a file (helm): exactly the tree the run checked and uses
// (kubeconfig-check.ts: relative paths made absolute, loopback http adjusted), or, in a pod, one that points at the
// service account's token and CA files. It holds credentials: callers write it mode 0600 and remove it.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkKubeconfig, KubeconfigError } from './kubeconfig-check.js';
import { kubeconfigName } from './kubeconfig-load.js';
import type { KubeconfigSource } from './kubeconfig-source.js';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

function inClusterKubeconfig(root: string | undefined, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const dir = root ? join(root, SERVICE_ACCOUNT) : SERVICE_ACCOUNT;
  const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'in-cluster', cluster: { server, 'certificate-authority': join(dir, 'ca.crt') } }],
    // tokenFile: the projected token is re-read as the kubelet rotates it.
    users: [{ name: 'service-account', user: { tokenFile: join(dir, 'token') } }],
    contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'service-account' } }],
    'current-context': 'in-cluster',
  };
}

/** JSON text of the kubeconfig for `source` (JSON is YAML: helm and kubectl read it). */
export async function exportKubeconfig(source: KubeconfigSource, env: NodeJS.ProcessEnv): Promise<string> {
  if (source.kind === 'none')
    throw new KubeconfigError(
      source.looked,
      'no kubeconfig found there',
      'set KUBECONFIG (or write ~/.kube/config) to a kubeconfig for the cluster, or give the kubeconfig input',
    );
  if (source.kind === 'in-cluster') return JSON.stringify(inClusterKubeconfig(source.root, env));
  const where = kubeconfigName(source);
  let text: string;
  try {
    text = await readFile(source.path, 'utf8');
  } catch (e) {
    throw new KubeconfigError(
      where,
      `cannot read ${source.path} (${(e as NodeJS.ErrnoException).code ?? 'unknown error'})`,
      'point KUBECONFIG at a readable kubeconfig file',
    );
  }
  const checked = await checkKubeconfig(text, where, {
    dir: dirname(source.path),
    ...(source.allowInsecure ? { allowInsecure: true } : {}),
  });
  return JSON.stringify(checked.data);
}
