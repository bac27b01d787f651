// The helm port the deploy stage uses: read a release (history, status, values), install or upgrade it and wait,
// roll it back, uninstall it. The implementation runs the real helm binary (helm-cli.ts); tests fake this.
import type { ChartMeta, HelmRevision, HelmStatus } from './helm-json.js';
import type { HelmRunResult } from './helm-process.js';

export interface HelmWriteOptions {
  /** helm's --timeout, in seconds: how long --wait=watcher may wait for the resources to be ready. */
  timeoutS: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

export interface Helm {
  /** The helm version in use, e.g. v4.1.4. */
  readonly version: string;
  /** The private kubeconfig file helm uses (0600; removed by close()). */
  readonly kubeconfigPath: string;
  /** Oldest first; empty when the release does not exist. */
  history(release: string, namespace: string): Promise<HelmRevision[]>;
  /** undefined when the release does not exist. */
  status(release: string, namespace: string): Promise<HelmStatus | undefined>;
  /** The user-supplied values of a revision (default: the latest). */
  values(release: string, namespace: string, revision?: number): Promise<Record<string, unknown>>;
  /** Name and version of a chart (a directory, a .tgz or an oci:// reference). */
  chartMeta(chart: string): Promise<ChartMeta>;
  /** `helm upgrade --install --wait=watcher` with exactly these values (written to a private 0600 file). */
  upgradeInstall(
    o: HelmWriteOptions & {
      release: string;
      namespace: string;
      chart: string;
      values: Record<string, unknown>;
    },
  ): Promise<HelmRunResult>;
  rollback(release: string, namespace: string, revision: number, o: HelmWriteOptions): Promise<HelmRunResult>;
  uninstall(release: string, namespace: string, o: HelmWriteOptions): Promise<HelmRunResult>;
  /** Removes the private directory (kubeconfig, values files, helm's caches). */
  close(): Promise<void>;
}

/** helm could not be used or a read failed: what happened and what to do, never a credential. */
export class HelmError extends Error {
  override name = 'HelmError';
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}. Fix: ${fix}`);
  }
}

/** The last non-empty lines helm wrote to stderr, for messages ("Error: UPGRADE FAILED: ..."). */
export function helmErrorText(r: Pick<HelmRunResult, 'stderr' | 'code' | 'signal'>): string {
  const lines = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter((l) => l.startsWith('Error:'));
  const shown = (errors.length > 0 ? errors : lines).slice(-3).join(' / ');
  return shown || `helm exited with ${r.signal ? `signal ${r.signal}` : `code ${String(r.code)}`}`;
}
