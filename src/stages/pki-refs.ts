// Where the client PKI and the CAs live in the cluster, as the inputs name them. Shared by certs (which writes
// them) and smoke (which reads them), so both always look at the same objects.
import type { Inputs } from '../config/input-specs.js';
import type { ObjectRef } from '../kube/kube-client.js';

export interface PkiRefs {
  /** The client chain and key (certs writes, smoke reads). Never holds a CA key. */
  clientSecret: ObjectRef;
  /** The client CA's certificates and (without ca-key-dir) the intermediate key: certs only, never the workload. */
  caSecret: ObjectRef;
  /** The client root the broker trusts (trustedClientCaCert). */
  trustedCa: ObjectRef;
  /** The broker's own CA bundle, kept by AIO's trust-manager. */
  brokerCa: ObjectRef;
}

export function pkiRefs(i: Inputs): PkiRefs {
  const configMap = (name: string): ObjectRef => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: i['aio-namespace'],
    name,
  });
  return {
    clientSecret: { apiVersion: 'v1', kind: 'Secret', namespace: i.namespace, name: i['client-cert-secret'] },
    caSecret: { apiVersion: 'v1', kind: 'Secret', namespace: i.namespace, name: i['ca-secret'] },
    trustedCa: configMap(i['trusted-ca-configmap']),
    brokerCa: configMap(i['broker-ca-configmap']),
  };
}
