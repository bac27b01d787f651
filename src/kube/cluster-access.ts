// Resolves `cluster-access` into the kubeconfig source this run uses. A kubeconfig given as an input is
// written mode 0600 in a 0700 directory under RUNNER_TEMP and registered for removal by the post step.
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inputs } from '../config/input-specs.js';
import type { ArcAccessContext } from './arc/arc-access.js';
import { kubeconfigSecrets, kubeconfigText } from './kubeconfig-secrets.js';
import { kubeconfigSource, type KubeconfigSource } from './kubeconfig-source.js';

export class ClusterAccessError extends Error {
  override name = 'ClusterAccessError';
}

/** The kubeconfig input may be YAML (or JSON) or base64 of it (secrets often hold the latter). */
export function decodeKubeconfig(value: string): string {
  const text = kubeconfigText(value);
  if (text !== undefined) return text;
  throw new ClusterAccessError(
    "Input 'kubeconfig' is neither kubeconfig YAML nor base64 of it (no 'apiVersion:' or 'clusters:' found). Fix: pass the file's content, e.g. kubeconfig: ${{ secrets.EDGE_KUBECONFIG }}",
  );
}

/** Registers each credential in a kubeconfig (not its ordinary lines) for masking. */
async function maskKubeconfig(source: KubeconfigSource, mask: (secret: string) => void): Promise<void> {
  if (source.kind !== 'file') return;
  const text = await readFile(source.path, 'utf8').catch(() => ''); // unreadable: the preflight says so
  for (const secret of kubeconfigSecrets(text)) mask(secret);
}

export async function prepareClusterAccess(inputs: Inputs, ctx: ArcAccessContext): Promise<KubeconfigSource> {
  switch (inputs['cluster-access']) {
    case 'in-cluster':
      if (!ctx.env['KUBERNETES_SERVICE_HOST']) {
        throw new ClusterAccessError(
          'cluster-access is in-cluster but KUBERNETES_SERVICE_HOST is not set: this runner is not running in a Kubernetes pod. Fix: use cluster-access: kubeconfig or arc',
        );
      }
      return { kind: 'in-cluster', ...(ctx.inClusterRoot ? { root: ctx.inClusterRoot } : {}) };
    case 'arc': {
      const missing = (['arc-cluster', 'resource-group'] as const).filter((k) => !inputs[k]);
      if (missing.length > 0) {
        throw new ClusterAccessError(
          `cluster-access is arc but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set. Fix: name the Arc-enabled cluster and its resource group, e.g. arc-cluster: edge-cluster-01, resource-group: rg-plant7`,
        );
      }
      const { startArcAccess } = await import('./arc/arc-access.js');
      try {
        return await startArcAccess(inputs, ctx);
      } catch (e) {
        throw new ClusterAccessError((e as Error).message, { cause: e });
      }
    }
    case 'kubeconfig': {
      const allow = inputs['allow-insecure-kubeconfig'] ? { allowInsecure: true } : {};
      if (!inputs.kubeconfig) {
        const found = kubeconfigSource(ctx.env);
        await maskKubeconfig(found, ctx.mask);
        return found.kind === 'file' ? { ...found, ...allow } : found;
      }
      const content = decodeKubeconfig(inputs.kubeconfig);
      // Its credentials, as values: the lines around them are not secret, and the input itself is masked whole.
      for (const secret of kubeconfigSecrets(content)) ctx.mask(secret);
      const base = ctx.env['RUNNER_TEMP'] || tmpdir();
      const dir = await mkdtemp(join(base, 'litmus-aio-kube-'));
      await chmod(dir, 0o700);
      // Registered before writing: even a crash right after leaves nothing behind once post runs.
      ctx.cleanup.add({ kind: 'path', path: dir, label: 'kubeconfig from the kubeconfig input' });
      const path = join(dir, 'kubeconfig');
      await writeFile(path, content, { mode: 0o600 });
      return { kind: 'file', path, fromEnv: false, label: "the 'kubeconfig' input", ...allow };
    }
  }
}
