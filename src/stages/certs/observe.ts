// Everything the certs stage reads before deciding, for plan and apply alike. Reading is forgiving: a corrupted
// object becomes a problem (or a note) that names it, its key, the cause and the fix, never a bare parse error.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describeRef, type KubeClient, type KubeObject, type ObjectRef } from '../../kube/kube-client.js';
import { readBrokerCa, type BrokerCa } from './broker-ca.js';
import { CA_KEY_FILES, inspectKeyDir, type KeyDirState } from './ca-key-store.js';
import type { CertsStageSettings } from './settings.js';
import {
  holdsCaKeys,
  KEYS,
  readCaState,
  readClientState,
  type PkiState,
  type SecretObject,
} from './secret-layout.js';
import { parseTrustBundle, ROOTS_ANNOTATION, type TrustBundle } from './trust-bundle.js';

export interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

export interface CertsObserved {
  namespaceExists: boolean;
  clientSecret?: SecretObject;
  caSecret?: SecretObject;
  trusted?: ConfigMapObject;
  /** The trusted bundle as parsed (undefined when its claims annotation is unreadable: then a problem). */
  bundle?: TrustBundle;
  /** Where the committed CA was read: the CA Secret, or a client Secret from before it existed. */
  caFrom: ObjectRef;
  /** The CA as that Secret holds it. */
  committed: PkiState;
  /** What decide works on: the committed CA, the keys that match it wherever they are, the client leaf. */
  state: PkiState;
  /** The client Secret still holds CA keys (written by an earlier version). */
  legacyCaKeys: boolean;
  keyDir?: KeyDirState;
  broker: BrokerCa;
  /** Findings that lead to a change (e.g. a corrupted client certificate is re-issued). */
  notes: string[];
  /** Refusals: nothing may change. */
  problems: string[];
  caKeyHint: string;
}

/** Why a PEM value is not a certificate, or undefined when it is one. */
function certProblem(pem: string | undefined): string | undefined {
  if (pem === undefined) return undefined;
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) return 'no "-----BEGIN CERTIFICATE-----" block';
  try {
    new X509Certificate(pem);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function keyMatches(certPem: string | undefined, keyPem: string | undefined): boolean {
  if (!certPem || !keyPem || certProblem(certPem)) return false;
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** The first candidate key that matches the certificate. */
const matching = (cert: string | undefined, ...keys: Array<string | undefined>): string | undefined =>
  keys.find((k) => keyMatches(cert, k));

export async function observeCerts(kube: KubeClient, s: CertsStageSettings): Promise<CertsObserved> {
  const { clientSecret: clientRef, caSecret: caRef, trustedCa, brokerCa } = s.refs;
  const [ns, client, ca, trusted, broker, keyDir] = await Promise.all([
    kube.get({ apiVersion: 'v1', kind: 'Namespace', name: s.namespace }),
    kube.get<SecretObject>(clientRef),
    kube.get<SecretObject>(caRef),
    kube.get<ConfigMapObject>(trustedCa),
    kube.get<ConfigMapObject>(brokerCa),
    s.caKeyDir !== undefined ? inspectKeyDir(s.caKeyDir) : Promise.resolve(undefined),
  ]);
  const caFrom = ca || !client ? caRef : clientRef;
  const problems: string[] = [];
  const notes: string[] = [];
  if (keyDir?.problem) problems.push(keyDir.problem);
  const committed = readCaState(ca ?? client);
  const state = effectiveState(committed, readClientState(client), keyDir, s, {
    caFrom,
    clientRef,
    notes,
    problems,
  });
  const parsed = parseTrustBundle(
    trusted?.data?.[s.trustedKey],
    trusted?.metadata.annotations?.[ROOTS_ANNOTATION],
    describeRef(trustedCa),
  );
  if ('problem' in parsed) problems.push(parsed.problem);
  const brokerWhere = `${describeRef(brokerCa)} key ${s.brokerKey}`;
  return {
    namespaceExists: ns !== undefined,
    ...(client ? { clientSecret: client } : {}),
    ...(ca ? { caSecret: ca } : {}),
    ...(trusted ? { trusted } : {}),
    ...('bundle' in parsed ? { bundle: parsed.bundle } : {}),
    caFrom,
    committed,
    state,
    legacyCaKeys: holdsCaKeys(client),
    ...(keyDir ? { keyDir } : {}),
    broker: readBrokerCa(broker?.data?.[s.brokerKey], brokerWhere, s.aioNamespace),
    notes,
    problems,
    caKeyHint: caKeyHint(committed, keyDir, s, caFrom),
  };
}

interface Findings {
  caFrom: ObjectRef;
  clientRef: ObjectRef;
  notes: string[];
  problems: string[];
}

/** The committed CA with the keys that match it (ca-key-dir first, then `.new` files, then the Secret). */
function effectiveState(
  committed: PkiState,
  client: PkiState,
  keyDir: KeyDirState | undefined,
  s: CertsStageSettings,
  f: Findings,
): PkiState {
  const state: PkiState = { ...committed, ...client };
  delete state.rootKey;
  delete state.intermediateKey;
  const rotating = s.decide.rotation !== undefined && s.decide.rotation !== committed.rotation;
  for (const [field, key] of [
    ['rootCert', KEYS.root],
    ['intermediateCert', KEYS.intermediate],
  ] as const) {
    const why = certProblem(committed[field]);
    if (why && !rotating) {
      f.problems.push(
        `${describeRef(f.caFrom)} key ${key} is not a PEM certificate (${why}). Fix: restore the Secret from a backup, or set rotate-ca to create a new CA (the broker then trusts the new root)`,
      );
    }
  }
  const prevWhy = certProblem(committed.previousRoot);
  if (prevWhy) {
    delete state.previousRoot;
    f.notes.push(
      `${describeRef(f.caFrom)} key ${KEYS.previousRoot} is not a PEM certificate (${prevWhy}): dropped (the previous root is no longer trusted)`,
    );
  }
  const leafWhy = certProblem(client.leafCert);
  if (leafWhy) {
    delete state.leafCert;
    delete state.leafKey;
    f.notes.push(
      `${describeRef(f.clientRef)} key ${KEYS.chain} is not a PEM certificate (${leafWhy}): a new client certificate replaces it`,
    );
  }
  const rootKey = matching(committed.rootCert, keyDir?.current.root, keyDir?.pending.root, committed.rootKey);
  const interKey = matching(
    committed.intermediateCert,
    keyDir?.current.intermediate,
    keyDir?.pending.intermediate,
    committed.intermediateKey,
  );
  return { ...state, ...(rootKey ? { rootKey } : {}), ...(interKey ? { intermediateKey: interKey } : {}) };
}

/** Where the intermediate key was expected, for decide's "key not available" problem. */
function caKeyHint(
  committed: PkiState,
  keyDir: KeyDirState | undefined,
  s: CertsStageSettings,
  caFrom: ObjectRef,
): string {
  const bad = committed.intermediateKey !== undefined ? ' (the key stored there does not match it)' : '';
  if (s.caKeyDir !== undefined) {
    const there =
      keyDir?.current.intermediate !== undefined ? ', but it does not match the intermediate CA' : '';
    return `expected ${CA_KEY_FILES.intermediate} in ca-key-dir ${s.caKeyDir}${there}; restore it there, or set rotate-ca to create a new CA`;
  }
  return `it is not in ${describeRef(caFrom)} key ${KEYS.intermediateKey}${bad}; if you keep CA keys outside the cluster, set ca-key-dir, or set rotate-ca to create a new CA`;
}
