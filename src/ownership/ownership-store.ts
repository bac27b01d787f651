// Where the ownership records live: one ConfigMap in the AIO namespace, one data key per resource this tool writes
// (`<stage>.<kind>.<name>`), each a JSON AppliedEntry. A ConfigMap because ARM resources carry no labels, and the
// stages that own broker resources reach the cluster anyway. Several runs (releases, namespaces) share it: a save
// touches only its own keys and re-reads on a stale resourceVersion.
import type { KubeClient, KubeObject } from '../kube/kube-client.js';
import { KubeApiError } from '../kube/kube-client.js';
import type { AppliedEntry } from './applied-state.js';

export const OWNERSHIP_CONFIGMAP = 'litmus-aio-ownership';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export interface OwnershipRecords {
  readonly where: string;
  get(key: string): AppliedEntry | undefined;
  /** Writes these entries (undefined: remove the key), leaving every other key as it is. */
  save(entries: Record<string, AppliedEntry | undefined>): Promise<void>;
}

/** A record key: a ConfigMap key may hold only letters, digits, '-', '_' and '.'. */
export const recordKey = (...parts: Array<string | number>): string =>
  parts.map((p) => String(p).replace(/[^-._a-zA-Z0-9]/g, '_')).join('.');

function parseEntries(cm: ConfigMap | undefined, where: string): Map<string, AppliedEntry> {
  const out = new Map<string, AppliedEntry>();
  for (const [k, v] of Object.entries(cm?.data ?? {})) {
    try {
      out.set(k, JSON.parse(v) as AppliedEntry);
    } catch {
      throw new Error(
        `${where}: key '${k}' is not JSON. Fix: restore it from a backup or delete the key (litmus-aio then treats that resource as not yet owned)`,
      );
    }
  }
  return out;
}

/** Reads the records once; `save` merges into the latest version. */
export async function loadOwnershipRecords(kube: KubeClient, namespace: string): Promise<OwnershipRecords> {
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: OWNERSHIP_CONFIGMAP };
  const where = `ConfigMap ${namespace}/${OWNERSHIP_CONFIGMAP}`;
  const entries = parseEntries(await kube.get<ConfigMap>(ref), where);
  return {
    where,
    get: (key) => entries.get(key),
    async save(updates) {
      for (let attempt = 1; ; attempt++) {
        const current = await kube.get<ConfigMap>(ref);
        const data = { ...(current?.data ?? {}) };
        for (const [k, e] of Object.entries(updates)) {
          if (e === undefined) delete data[k];
          else data[k] = JSON.stringify(e);
        }
        try {
          if (current) await kube.replace<ConfigMap>({ ...current, data });
          else await kube.create<ConfigMap>({ ...ref, metadata: ownershipMeta(namespace), data });
          break;
        } catch (e) {
          // Another run saved its own keys meanwhile (409), or created the ConfigMap first: merge again.
          if (!(e instanceof KubeApiError) || e.code !== 409 || attempt >= 5) throw e;
        }
      }
      for (const [k, e] of Object.entries(updates)) {
        if (e === undefined) entries.delete(k);
        else entries.set(k, e);
      }
    },
  };
}

const ownershipMeta = (namespace: string) => ({
  name: OWNERSHIP_CONFIGMAP,
  namespace,
  labels: { 'app.kubernetes.io/managed-by': 'litmus-aio' },
  annotations: {
    'litmus-aio.io/purpose':
      'what litmus-aio last applied to each resource it owns; drift = the live resource differs from it',
  },
});
