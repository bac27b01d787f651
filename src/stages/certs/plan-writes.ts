// The writes that take the cluster (and ca-key-dir) from what was observed to the next PKI state, as an explicit,
// ordered list. The order is what makes a crash at any point recoverable:
//   namespace -> new CA keys as `<file>.new` -> CA Secret (the commit) -> promote `.new` -> drop leftovers
//   -> trusted bundle (new root trusted before any client presents it) -> client Secret (new leaf, no CA keys).
// A run that stops after any step leaves the committed CA with its keys somewhere the next run looks.
import { describeRef, type KubeClient } from '../../kube/kube-client.js';
import {
  CA_KEY_FILES,
  NEW_SUFFIX,
  promotePendingKey,
  removePendingKey,
  writePendingKey,
  type CaKeyKind,
} from './ca-key-store.js';
import type { CertsObserved, ConfigMapObject } from './observe.js';
import {
  buildCaSecret,
  buildClientSecret,
  MANAGED_BY,
  secretDiffers,
  type PkiState,
  type SecretObject,
} from './secret-layout.js';
import type { CertsStageSettings } from './settings.js';
import {
  bundleText,
  claimsAnnotation,
  fingerprintOf,
  ROOTS_ANNOTATION,
  withOwnRoots,
  type TrustBundle,
} from './trust-bundle.js';

/** One write, described for the log; run() performs it. (The shape STYLE.md gives src/stages/write-plan.ts.) */
export interface PlannedWrite {
  describe: string;
  run(): Promise<void>;
}

export interface KeyDirSteps {
  write: CaKeyKind[];
  promote: CaKeyKind[];
  remove: CaKeyKind[];
}

/** What ca-key-dir needs so it holds exactly the next keys (pure). */
export function keyDirSteps(o: CertsObserved, next: PkiState, s: CertsStageSettings): KeyDirSteps {
  const steps: KeyDirSteps = { write: [], promote: [], remove: [] };
  if (s.caKeyDir === undefined) return steps;
  for (const kind of ['root', 'intermediate'] as const) {
    const target = kind === 'root' ? next.rootKey : next.intermediateKey;
    const current = o.keyDir?.current[kind];
    const pending = o.keyDir?.pending[kind];
    if (target === undefined || current === target) {
      if (pending !== undefined) steps.remove.push(kind);
      continue;
    }
    if (pending !== target) steps.write.push(kind);
    steps.promote.push(kind);
  }
  return steps;
}

/** The Secrets and the trusted bundle for the next state (pure). */
export function desiredObjects(o: CertsObserved, next: PkiState, s: CertsStageSettings) {
  const alg = s.decide.algorithm;
  const caSecret = buildCaSecret(
    s.refs.caSecret.name,
    s.namespace,
    next,
    alg,
    s.caKeyDir === undefined,
    o.caSecret,
  );
  const clientSecret = buildClientSecret(s.refs.clientSecret.name, s.namespace, next, alg, o.clientSecret);
  const valid = (p: string | undefined): p is string => p !== undefined && fingerprintOf(p) !== undefined;
  const mine = [next.rootCert, next.previousRoot].filter(valid);
  const known = [o.committed.rootCert, o.committed.previousRoot].filter(valid);
  const bundle = withOwnRoots(o.bundle ?? { blocks: [], claims: {} }, s.owner, mine, known);
  return { caSecret, clientSecret, bundle, configMap: trustedConfigMap(o, bundle, s) };
}

function trustedConfigMap(o: CertsObserved, bundle: TrustBundle, s: CertsStageSettings): ConfigMapObject {
  const ref = s.refs.trustedCa;
  const base: ConfigMapObject = o.trusted ?? {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: ref.name, namespace: ref.namespace!, labels: { ...MANAGED_BY } },
  };
  return {
    ...base,
    metadata: {
      ...base.metadata,
      annotations: { ...(base.metadata.annotations ?? {}), [ROOTS_ANNOTATION]: claimsAnnotation(bundle) },
    },
    data: { ...(base.data ?? {}), [s.trustedKey]: bundleText(bundle) },
  };
}

export const configMapDiffers = (o: CertsObserved, cm: ConfigMapObject, s: CertsStageSettings): boolean =>
  o.trusted?.data?.[s.trustedKey] !== cm.data?.[s.trustedKey] ||
  o.trusted?.metadata.annotations?.[ROOTS_ANNOTATION] !== cm.metadata.annotations?.[ROOTS_ANNOTATION];

/** ca-key-dir writes for one phase: new keys before the commit, promotions and leftovers after it. */
function keyDirWrites(
  steps: KeyDirSteps,
  next: PkiState,
  dir: string,
  phase: 'before' | 'after',
): PlannedWrite[] {
  if (phase === 'before') {
    return steps.write.map((kind) => ({
      describe: `write the ${kind} CA key to ca-key-dir ${dir} as ${CA_KEY_FILES[kind]}${NEW_SUFFIX} (beside the current one)`,
      run: () => writePendingKey(dir, kind, kind === 'root' ? next.rootKey! : next.intermediateKey!),
    }));
  }
  return [
    ...steps.promote.map((kind) => ({
      describe: `promote ${CA_KEY_FILES[kind]}${NEW_SUFFIX} to ${CA_KEY_FILES[kind]} in ca-key-dir ${dir}`,
      run: () => promotePendingKey(dir, kind),
    })),
    ...steps.remove.map((kind) => ({
      describe: `remove ${CA_KEY_FILES[kind]}${NEW_SUFFIX} from ca-key-dir ${dir} (left by a run that stopped before committing it)`,
      run: () => removePendingKey(dir, kind),
    })),
  ];
}

/** Create or replace (optimistic: the observed resourceVersion) one object, when it differs from what is stored. */
function objectWrite<T extends SecretObject | ConfigMapObject>(
  kube: KubeClient,
  existing: T | undefined,
  desired: T,
  what: string,
): PlannedWrite {
  return {
    describe: `${existing ? 'update' : 'create'} ${what}`,
    run: async () => void (await (existing ? kube.replace<T>(desired) : kube.create<T>(desired))),
  };
}

export function planCertsWrites(
  o: CertsObserved,
  next: PkiState,
  s: CertsStageSettings,
  kube: KubeClient,
): PlannedWrite[] {
  const steps = keyDirSteps(o, next, s);
  const dir = s.caKeyDir ?? '';
  const desired = desiredObjects(o, next, s);
  const namespace = {
    describe: `create namespace ${s.namespace}`,
    run: async () =>
      void (await kube.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: s.namespace, labels: { ...MANAGED_BY } },
      })),
  };
  const caSecret = describeRef(s.refs.caSecret);
  const trusted = `${describeRef(s.refs.trustedCa)} key ${s.trustedKey} (the trusted client roots)`;
  const client = `${describeRef(s.refs.clientSecret)} (the client chain and key)`;
  return [
    ...(o.namespaceExists ? [] : [namespace]),
    ...keyDirWrites(steps, next, dir, 'before'),
    ...(secretDiffers(o.caSecret, desired.caSecret)
      ? [objectWrite(kube, o.caSecret, desired.caSecret, `${caSecret} (the client CA)`)]
      : []),
    ...keyDirWrites(steps, next, dir, 'after'),
    ...(configMapDiffers(o, desired.configMap, s)
      ? [objectWrite(kube, o.trusted, desired.configMap, trusted)]
      : []),
    ...(secretDiffers(o.clientSecret, desired.clientSecret)
      ? [objectWrite(kube, o.clientSecret, desired.clientSecret, client)]
      : []),
  ];
}
