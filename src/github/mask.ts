// Masks a secret for the runner's log. The runner matches masks line by line, so a multi-line secret (a PEM
// key, a service-account JSON) is registered whole and line by line.
import type { ActionsCore } from './actions-core.js';

export function maskSecret(core: Pick<ActionsCore, 'setSecret'>, secret: string): void {
  core.setSecret(secret);
  for (const line of secret.split(/\r?\n/)) {
    const t = line.trim();
    // Short lines (braces, PEM armour) are not secret and masking them would blank out ordinary output.
    if (t.length >= 8 && !/^-----(BEGIN|END) [A-Z ]+-----$/.test(t)) core.setSecret(t);
  }
}
