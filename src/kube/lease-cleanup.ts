// The post step's half of the deploy lock: a run that was killed before it could free its Lease leaves a cleanup
// entry; this frees the Lease if that run still holds it, so the next run need not wait for it to expire.
import type { CleanupEntry } from '../pipeline/cleanup.js';
import { releaseLease } from './lease-lock.js';
import { kubeClientFromSource } from './node-kube-client.js';

export async function releaseLeaseEntry(
  e: Extract<CleanupEntry, { kind: 'lease' }>,
): Promise<{ ok: boolean; text: string }> {
  const what = `${e.label} (Lease ${e.namespace}/${e.name})`;
  try {
    // The kubeconfig was checked (and any insecure setting accepted) when the run wrote it.
    const kube = await kubeClientFromSource({
      kind: 'file',
      path: e.kubeconfig,
      fromEnv: false,
      label: 'the deploy lock kubeconfig',
      allowInsecure: true,
    });
    const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: e.namespace, name: e.name };
    const freed = await releaseLease(kube, ref, e.identity);
    return { ok: true, text: `${what}: ${freed ? 'released' : 'already released or taken over'}` };
  } catch (err) {
    return {
      ok: false,
      text: `${what}: could not be released (${(err as Error).message}); it expires on its own once its lease duration passes`,
    };
  }
}
