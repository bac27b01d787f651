// What the cluster holds for the release: whether its namespace exists, helm's history of it, and the values of
// the revision a comparison is made against (the latest one; for a release stuck pending, the one recovery
// returns to).
import type { Helm } from '../../helm/helm.js';
import type { KubeClient } from '../../kube/kube-client.js';
import { baselineRevision, type ReleaseObserved } from './decide.js';

export async function observeRelease(
  helm: Helm,
  kube: KubeClient,
  c: { release: string; namespace: string },
): Promise<ReleaseObserved> {
  const ns = await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: c.namespace });
  if (!ns) return { namespaceExists: false, history: [] };
  const history = await helm.history(c.release, c.namespace);
  const base = baselineRevision(history);
  const values = base ? await helm.values(c.release, c.namespace, base.revision) : undefined;
  return { namespaceExists: true, history, ...(values ? { values } : {}) };
}
