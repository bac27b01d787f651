// What a test asserts about writes: the requests to the Kubernetes stand-in since a mark that changed something,
// as "<verb> <resource>/<name>". SelfSubjectAccessReviews (the permission preflight) are questions, not writes.
import type { RequestRecord } from './kube-apiserver/index.js';

const WRITES = new Set(['create', 'update', 'patch', 'delete']);

export function kubeWritesSince(requests: readonly RequestRecord[], mark: number): string[] {
  return requests
    .slice(mark)
    .filter((r) => r.verb && WRITES.has(r.verb) && r.resource !== 'selfsubjectaccessreviews')
    .map((r) => `${r.verb} ${r.resource}/${r.name ?? ''}`);
}
