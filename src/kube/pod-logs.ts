// The last lines a container wrote (`kubectl logs --tail`, optionally `--previous`), for failure diagnosis.
// Loads @kubernetes/client-node: import this module lazily.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

export interface PodLogRequest {
  namespace: string;
  pod: string;
  container: string;
  /** The last terminated instance (a crashed container's output). */
  previous?: boolean;
  tailLines: number;
}

/** Reads container logs; undefined when the API has none to give (container never started, pod gone). */
export type PodLogReader = (r: PodLogRequest) => Promise<string | undefined>;

/** `kubeconfig`: the run's kubeconfig text (kubeconfig-export.ts), already checked. */
export function podLogReader(kubeconfig: string): PodLogReader {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  return async (r) => {
    try {
      const text = await core.readNamespacedPodLog({
        name: r.pod,
        namespace: r.namespace,
        container: r.container,
        tailLines: r.tailLines,
        ...(r.previous ? { previous: true } : {}),
      });
      return typeof text === 'string' ? text : undefined;
    } catch {
      // 400 "waiting to start" / "previous terminated container not found", 404: no log to show.
      return undefined;
    }
  };
}
