// A KubeConfig for the source this run uses, checked first (kubeconfig-check.ts) so that a bad file gives a
// precise error with no content quoted, and an insecure one is refused. Loads @kubernetes/client-node: import
// this module lazily.
import { KubeConfig } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkKubeconfig, KubeconfigError } from './kubeconfig-check.js';
import type { KubeconfigSource } from './kubeconfig-source.js';

export interface LoadedKubeconfig {
  kc: KubeConfig;
  /** Which kubeconfig and context, for messages: "KUBECONFIG=/tmp/k (context edge)". */
  via: string;
  server: string;
  warnings: string[];
}

/** How messages name a kubeconfig file: its label, else KUBECONFIG=<path>, else the path. */
export const kubeconfigName = (source: Extract<KubeconfigSource, { kind: 'file' }>): string =>
  source.label ?? (source.fromEnv ? `KUBECONFIG=${source.path}` : source.path);

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'the file does not exist',
  EACCES: 'this process may not read the file (permissions)',
  EISDIR: 'it is a directory, not a file',
};

/** Throws KubeconfigError for a kubeconfig this run cannot or must not use. */
export async function loadKubeconfig(source: KubeconfigSource): Promise<LoadedKubeconfig> {
  const kc = new KubeConfig();
  if (source.kind === 'none') {
    throw new KubeconfigError(
      source.looked,
      'no kubeconfig found there',
      'set KUBECONFIG (or write ~/.kube/config) to a kubeconfig for the cluster, or give the kubeconfig input',
    );
  }
  if (source.kind === 'in-cluster') {
    kc.loadFromCluster(source.root);
    return {
      kc,
      via: 'in-cluster service account',
      server: kc.getCurrentCluster()?.server ?? '',
      warnings: [],
    };
  }
  const where = kubeconfigName(source);
  let text: string;
  try {
    text = await readFile(source.path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new KubeconfigError(
      where,
      `cannot read ${source.path}: ${READ_ERRORS[code] ?? code}`,
      'point KUBECONFIG at a readable kubeconfig file',
    );
  }
  const checked = await checkKubeconfig(text, where, {
    dir: dirname(source.path),
    ...(source.allowInsecure ? { allowInsecure: true } : {}),
  });
  try {
    // As JSON, the client reads exactly the tree that was checked (and adjusted: absolute paths, loopback http).
    kc.loadFromString(JSON.stringify(checked.data));
  } catch (e) {
    // Its messages name an entry ("users[1].name is missing"); anything else is not repeated (it might quote).
    const m = (e as Error).message;
    throw new KubeconfigError(
      where,
      /^(clusters|contexts|users)\[\d+\]\.[\w.-]+ is missing$/.test(m)
        ? m
        : 'the Kubernetes client rejects it',
      'check it with kubectl config view --kubeconfig <file>',
    );
  }
  return {
    kc,
    via: `${where} (context ${checked.context})`,
    server: checked.server,
    warnings: checked.warnings,
  };
}
