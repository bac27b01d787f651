// How the client PKI is stored: the client Secret (type kubernetes.io/tls, so tools that understand TLS Secrets
// can use it as is; what Litmus Edge and smoke read) and the CA Secret (the CA certificates and, unless
// ca-key-dir is used, the intermediate key; only this tool reads it), and how read Secrets become the PKI
// state the decisions work on. Versions before the CA Secret kept everything in the client Secret (legacy).
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
  chain?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/)?.[0] ?? chain;

/** Every data key decoded (base64 -> UTF-8). */
export const secretText = (secret: SecretObject | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, decode(v)!]));

const defined = (s: PkiState): PkiState =>
  Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as PkiState;

/** The client part (leaf, its key, the recorded broker CA) of the client Secret. */
export function readClientState(secret: SecretObject | undefined): PkiState {
  const d = secretText(secret);
  return defined({
    leafCert: firstPem(d[KEYS.chain]),
    leafKey: d[KEYS.leafKey],
    brokerCaSha256: secret?.metadata.annotations?.[ANNOTATIONS.brokerCa],
  });
}

/** The CA part of a Secret: the CA Secret, or a client Secret written before the CA Secret existed (legacy). */
export function readCaState(secret: SecretObject | undefined): PkiState {
  if (!secret) return {};
  const d = secretText(secret);
  return defined({
    rootCert: d[KEYS.root],
    rootKey: d[KEYS.rootKey],
    intermediateCert: d[KEYS.intermediate],
    intermediateKey: d[KEYS.intermediateKey],
    previousRoot: d[KEYS.previousRoot],
    rotation: secret.metadata.annotations?.[ANNOTATIONS.rotation],
  });
}

/** The whole state of a client Secret as versions before the CA Secret wrote it (CA and client together). */
export function readState(secret: SecretObject | undefined): PkiState {
  return { ...readCaState(secret), ...readClientState(secret) };
}

/** True when a (legacy) client Secret still holds a CA key. */
export const holdsCaKeys = (secret: SecretObject | undefined): boolean =>
  secret?.data?.[KEYS.rootKey] !== undefined || secret?.data?.[KEYS.intermediateKey] !== undefined;

function secretObject(
  name: string,
  namespace: string,
  type: string,
  data: Record<string, string | undefined>,
  annotations: Record<string, string>,
  existing: SecretObject | undefined,
): SecretObject {
  const encoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (v !== undefined) encoded[k] = encode(v);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type,
    metadata: {
      name,
      namespace,
      labels: { ...(existing?.metadata.labels ?? {}), ...MANAGED_BY },
      annotations,
      ...(existing?.metadata.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
    },
    data: encoded,
  };
}

/**
 * The CA Secret: the CA certificates, the rotation label and, when the keys are kept in the cluster, the
 * intermediate key. The root key is never stored in the cluster.
 */
export function buildCaSecret(
  name: string,
  namespace: string,
  s: PkiState,
  algorithm: string,
  keysInCluster: boolean,
  existing?: SecretObject,
): SecretObject {
  const annotations: Record<string, string> = {
    ...(existing?.metadata.annotations ?? {}),
    [ANNOTATIONS.algorithm]: algorithm,
  };
  if (s.rotation !== undefined) annotations[ANNOTATIONS.rotation] = s.rotation;
  const data = {
    [KEYS.root]: s.rootCert,
    [KEYS.intermediate]: s.intermediateCert,
    [KEYS.previousRoot]: s.previousRoot,
    [KEYS.intermediateKey]: keysInCluster ? s.intermediateKey : undefined,
  };
  return secretObject(name, namespace, 'Opaque', data, annotations, existing);
}

/**
 * The client Secret (kubernetes.io/tls) Litmus Edge and smoke read: the chain, the client key and the CA
 * certificates. Never a CA key: a legacy Secret that held them is rewritten without.
 */
export function buildClientSecret(
  name: string,
  namespace: string,
  s: PkiState,
  algorithm: string,
  existing?: SecretObject,
): SecretObject {
  const annotations: Record<string, string> = {
    ...(existing?.metadata.annotations ?? {}),
    [ANNOTATIONS.algorithm]: algorithm,
  };
  delete annotations[ANNOTATIONS.rotation]; // the CA Secret records it
  if (s.brokerCaSha256 !== undefined) annotations[ANNOTATIONS.brokerCa] = s.brokerCaSha256;
  const data = {
    [KEYS.chain]: s.leafCert && s.intermediateCert ? s.leafCert + s.intermediateCert : undefined,
    [KEYS.leafKey]: s.leafKey,
    [KEYS.root]: s.rootCert,
    [KEYS.intermediate]: s.intermediateCert,
    [KEYS.previousRoot]: s.previousRoot,
  };
  return secretObject(name, namespace, 'kubernetes.io/tls', data, annotations, existing);
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
