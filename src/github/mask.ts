// Masks a secret for the runner's log. The runner matches masks line by line, so a multi-line secret (a PEM
// key, a service-account JSON) is registered whole and line by line. A kubeconfig is registered whole and by its
// credential values instead: its other lines (`apiVersion: v1`, the server) are not secret, and masking them
// would blank out ordinary output while a token on a line cut short would still show.
import { kubeconfigSecrets, kubeconfigText } from '../kube/kubeconfig-secrets.js';
import type { ActionsCore } from './actions-core.js';

export function maskSecret(core: Pick<ActionsCore, 'setSecret'>, secret: string): void {
  core.setSecret(secret);
  const kubeconfig = kubeconfigText(secret);
  if (kubeconfig !== undefined) {
    for (const value of kubeconfigSecrets(kubeconfig)) maskLines(core, value);
    return;
  }
  maskLines(core, secret, false);
}

function maskLines(core: Pick<ActionsCore, 'setSecret'>, secret: string, whole = true): void {
  if (whole) core.setSecret(secret);
  for (const line of secret.split(/\r?\n/)) {
    const t = line.trim();
    // Short lines (braces, PEM armour) are not secret and masking them would blank out ordinary output.
    if (t.length >= 8 && t !== secret && !/^-----(BEGIN|END) [A-Z ]+-----$/.test(t)) core.setSecret(t);
  }
}
