// Which kubeconfig a run uses: $KUBECONFIG (first file of a list), else ~/.kube/config, else the pod's
// service account when running inside a cluster. One answer shared by the preflight and the stages.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type KubeconfigSource =
  | {
      kind: 'file';
      path: string;
      fromEnv: boolean;
      /** How to name it in messages (default: the path). */ label?: string;
      /** The user allows insecure-skip-tls-verify in it (input allow-insecure-kubeconfig). */
      allowInsecure?: boolean;
    }
  /** `root` prefixes /var/run/secrets/kubernetes.io/serviceaccount (tests; a pod uses the real path). */
  | { kind: 'in-cluster'; root?: string }
  | { kind: 'none'; looked: string };

export function kubeconfigSource(env: NodeJS.ProcessEnv): KubeconfigSource {
  const fromEnv = (env['KUBECONFIG'] ?? '').split(':').find((p) => p.length > 0);
  if (fromEnv)
    return existsSync(fromEnv)
      ? { kind: 'file', path: fromEnv, fromEnv: true }
      : { kind: 'none', looked: fromEnv };
  const home = join(env['HOME'] || homedir(), '.kube', 'config');
  if (existsSync(home)) return { kind: 'file', path: home, fromEnv: false };
  if (env['KUBERNETES_SERVICE_HOST']) return { kind: 'in-cluster' };
  return { kind: 'none', looked: home };
}
