// BrokerStore on the cluster's custom resources (mqttbroker.iotoperations.azure.com/v1). For test clusters:
// in production the cloud owns these resources and the ARM store must be used.
import type { KubeClient, KubeObject } from '../kube/kube-client.js';
import type { BrokerResourceKind, BrokerStore, Stored } from './broker-model.js';

const API_VERSION = 'mqttbroker.iotoperations.azure.com/v1';
const KINDS: Record<BrokerResourceKind, string> = {
  listener: 'BrokerListener',
  authentication: 'BrokerAuthentication',
  authorization: 'BrokerAuthorization',
};

interface CustomObject extends KubeObject {
  spec?: unknown;
}

export function kubeBrokerStore(kube: KubeClient, namespace: string): BrokerStore {
  const toStored = <S>(o: CustomObject): Stored<S> => ({
    name: o.metadata.name,
    spec: (o.spec ?? {}) as S,
    ...(o.metadata.resourceVersion ? { version: o.metadata.resourceVersion } : {}),
    raw: o,
  });
  return {
    where: `Kubernetes CRs in namespace ${namespace}`,
    async get<S>(kind: BrokerResourceKind, name: string) {
      const o = await kube.get<CustomObject>({ apiVersion: API_VERSION, kind: KINDS[kind], namespace, name });
      return o ? toStored<S>(o) : undefined;
    },
    async list<S>(kind: BrokerResourceKind) {
      const items = await kube.list<CustomObject>({ apiVersion: API_VERSION, kind: KINDS[kind], namespace });
      return items.map((o) => toStored<S>(o));
    },
    async put<S>(kind: BrokerResourceKind, name: string, spec: S, previous?: Stored<S>) {
      if (previous) {
        const raw = previous.raw as CustomObject;
        await kube.replace<CustomObject>({ ...raw, spec });
      } else {
        await kube.create<CustomObject>({
          apiVersion: API_VERSION,
          kind: KINDS[kind],
          metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'litmus-aio' } },
          spec,
        });
      }
    },
  };
}
