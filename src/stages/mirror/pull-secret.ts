// The kubernetes.io/dockerconfigjson Secret the cluster pulls the mirrored image with. Written only when its
// content differs, so a second run changes nothing.
import type { KubeClient, KubeObject } from '../../kube/kube-client.js';
import type { Credentials } from './settings.js';

export interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export function dockerConfigJson(registry: string, c: Credentials): string {
  const auth = Buffer.from(`${c.username}:${c.password}`).toString('base64');
  return JSON.stringify({ auths: { [registry]: { username: c.username, password: c.password, auth } } });
}

/** The Secret as it should be; `existing` keeps its metadata (resourceVersion, other labels). */
export function desiredPullSecret(
  ref: { namespace: string; name: string },
  registry: string,
  c: Credentials,
  existing?: SecretObject,
): SecretObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      ...(existing?.metadata ?? {}),
      name: ref.name,
      namespace: ref.namespace,
      labels: { ...(existing?.metadata.labels ?? {}), 'app.kubernetes.io/managed-by': 'litmus-aio' },
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(dockerConfigJson(registry, c)).toString('base64') },
  };
}

/** The credentials the stored Secret holds for `registry`, if any. */
export function pullSecretCredentials(
  existing: SecretObject | undefined,
  registry: string,
): Credentials | undefined {
  const raw = existing?.data?.['.dockerconfigjson'];
  if (!raw || existing?.type !== 'kubernetes.io/dockerconfigjson') return undefined;
  try {
    const entry = (
      JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as {
        auths?: Record<string, { username?: string; password?: string }>;
      }
    ).auths?.[registry];
    return entry?.username && entry.password
      ? { username: entry.username, password: entry.password }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the stored Secret already lets the cluster pull from `registry` with these credentials. */
export function pullSecretCurrent(
  existing: SecretObject | undefined,
  registry: string,
  c: Credentials,
): boolean {
  const held = pullSecretCredentials(existing, registry);
  return held?.username === c.username && held.password === c.password;
}

export async function ensureNamespace(kube: KubeClient, namespace: string): Promise<boolean> {
  const ref = { apiVersion: 'v1', kind: 'Namespace', name: namespace };
  if (await kube.get(ref)) return false;
  await kube.create({
    ...ref,
    metadata: { name: namespace, labels: { 'app.kubernetes.io/managed-by': 'litmus-aio' } },
  });
  return true;
}
