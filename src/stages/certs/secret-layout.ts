// How the client PKI is stored in its Kubernetes Secret (type kubernetes.io/tls, so tools that understand TLS
// Secrets can use it as is), and how a read Secret becomes the PKI state the decisions work on.
import type { KubeObject } from '../../kube/kube-client.js';

export const KEYS = {
  chain: 'tls.crt', // leaf + intermediate: what the client presents
  leafKey: 'tls.key',
  root: 'ca.crt',
  intermediate: 'intermediate.crt',
  rootKey: 'root-ca.key',
  intermediateKey: 'intermediate-ca.key',
  previousRoot: 'previous-ca.crt',
} as const;

export const ANNOTATIONS = {
  algorithm: 'litmus-aio.io/key-algorithm',
  rotation: 'litmus-aio.io/ca-rotation',
  brokerCa: 'litmus-aio.io/broker-ca-sha256',
} as const;

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'litmus-aio' };

export interface PkiState {
  rootCert?: string;
  rootKey?: string;
  intermediateCert?: string;
  intermediateKey?: string;
  leafCert?: string;
  leafKey?: string;
  previousRoot?: string;
  rotation?: string;
  brokerCaSha256?: string;
}

export interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

const decode = (v: string | undefined): string | undefined =>
  v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
const encode = (v: string): string => Buffer.from(v, 'utf8').toString('base64');

/** The leaf alone from a "leaf + intermediate" chain. */
const firstPem = (chain: string | undefined): string | undefined =>
  chain?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/)?.[0];

export function readState(secret: SecretObject | undefined): PkiState {
  if (!secret) return {};
  const d = secret.data ?? {};
  const a = secret.metadata.annotations ?? {};
  const state: PkiState = {
    rootCert: decode(d[KEYS.root]),
    rootKey: decode(d[KEYS.rootKey]),
    intermediateCert: decode(d[KEYS.intermediate]),
    intermediateKey: decode(d[KEYS.intermediateKey]),
    leafCert: firstPem(decode(d[KEYS.chain])),
    leafKey: decode(d[KEYS.leafKey]),
    previousRoot: decode(d[KEYS.previousRoot]),
    rotation: a[ANNOTATIONS.rotation],
    brokerCaSha256: a[ANNOTATIONS.brokerCa],
  };
  return Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined)) as PkiState;
}

/** The Secret for a state. CA keys are left out when they are kept outside the cluster. */
export function buildSecret(
  name: string,
  namespace: string,
  s: PkiState,
  algorithm: string,
  caKeysInCluster: boolean,
  existing?: SecretObject,
): SecretObject {
  const data: Record<string, string> = {};
  const put = (k: string, v: string | undefined): void => {
    if (v !== undefined) data[k] = encode(v);
  };
  put(KEYS.chain, s.leafCert && s.intermediateCert ? s.leafCert + s.intermediateCert : undefined);
  put(KEYS.leafKey, s.leafKey);
  put(KEYS.root, s.rootCert);
  put(KEYS.intermediate, s.intermediateCert);
  put(KEYS.previousRoot, s.previousRoot);
  if (caKeysInCluster) {
    put(KEYS.rootKey, s.rootKey);
    put(KEYS.intermediateKey, s.intermediateKey);
  }
  const annotations: Record<string, string> = {
    ...(existing?.metadata.annotations ?? {}),
    [ANNOTATIONS.algorithm]: algorithm,
  };
  if (s.rotation !== undefined) annotations[ANNOTATIONS.rotation] = s.rotation;
  if (s.brokerCaSha256 !== undefined) annotations[ANNOTATIONS.brokerCa] = s.brokerCaSha256;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name,
      namespace,
      labels: { ...(existing?.metadata.labels ?? {}), ...MANAGED_BY },
      annotations,
      ...(existing?.metadata.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
    },
    data,
  };
}

/** True when writing `next` would change what is stored (ignores server-set metadata). */
export function secretDiffers(existing: SecretObject | undefined, next: SecretObject): boolean {
  if (!existing) return true;
  const same = (a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean =>
    JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());
  return (
    existing.type !== next.type ||
    !same(existing.data, next.data) ||
    !same(existing.metadata.annotations, next.metadata.annotations) ||
    !same(existing.metadata.labels, next.metadata.labels)
  );
}
