// Stage `certs`: the client PKI Litmus Edge presents to the AIO broker. Creates root -> intermediate -> leaf
// once, keeps it in a cluster Secret, re-issues only the leaf when due, publishes the root for the broker's
// X.509 authentication, and records the broker's own CA fingerprint. A second run writes nothing.
import { X509Certificate } from 'node:crypto';
import { STAGE_CATALOG } from '../../config/catalog.js';
import type { KeyAlgorithm } from '../../pki/algorithms.js';
import { createIntermediateCa, createRootCa, issueClientLeaf } from '../../pki/chain.js';
import { describeRef, type KubeClient, type KubeObject } from '../../kube/kube-client.js';
import type { Stage, StageContext, StageOutcome } from '../../pipeline/stage.js';
import { pkiRefs } from '../pki-refs.js';
import type { StageDeps } from '../stage-deps.js';
import { readCaKeyDir, writeCaKeyDir, CA_KEY_FILES } from './ca-key-store.js';
import { decide, type CertsDecision, type CertsSettings } from './decide.js';
import {
  buildSecret,
  readState,
  secretDiffers,
  MANAGED_BY,
  type PkiState,
  type SecretObject,
} from './secret-layout.js';

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

/** Everything read before deciding; plan and apply share it. */
interface Observed {
  namespaceExists: boolean;
  secret?: SecretObject;
  state: PkiState;
  decision: CertsDecision;
  trustedCa?: ConfigMapObject;
  /** CA keys found in ca-key-dir (empty when it is not used). */
  dirKeys: { rootKey?: string; intermediateKey?: string };
  brokerCaPem?: string;
  brokerCaSha256?: string;
}

const sha256 = (pem: string): string => new X509Certificate(pem).fingerprint256;
const expiry = (pem: string): string => new Date(new X509Certificate(pem).validTo).toISOString();

export function createCertsStage(deps: StageDeps): Stage {
  const i = deps.inputs;
  const settings: CertsSettings = {
    algorithm: i['key-algorithm'] as KeyAlgorithm,
    rootSubject: i['root-ca-subject'],
    intermediateSubject: i['intermediate-ca-subject'],
    leafSubject: i['client-subject'],
    renewBeforeDays: i['renew-before-days'],
    ...(i['rotate-ca'] !== undefined ? { rotation: i['rotate-ca'] } : {}),
  };
  const caKeyDir = i['ca-key-dir'];
  const { clientSecret: secretRef, trustedCa: trustedRef, brokerCa: brokerRef } = pkiRefs(i);
  const caKeyHint = caKeyDir
    ? `expected ${CA_KEY_FILES.intermediate} in ca-key-dir ${caKeyDir}; restore it there, or set rotate-ca to create a new CA`
    : `it is not in ${describeRef(secretRef)}; if you keep CA keys outside the cluster, set ca-key-dir, or set rotate-ca to create a new CA`;

  async function observe(kube: KubeClient): Promise<Observed> {
    const [ns, secret, trustedCa, broker, dirKeys] = await Promise.all([
      kube.get({ apiVersion: 'v1', kind: 'Namespace', name: i.namespace }),
      kube.get<SecretObject>(secretRef),
      kube.get<ConfigMapObject>(trustedRef),
      kube.get<ConfigMapObject>(brokerRef),
      caKeyDir ? readCaKeyDir(caKeyDir) : Promise.resolve({}),
    ]);
    const state = { ...readState(secret), ...dirKeys };
    for (const k of [state.rootKey, state.intermediateKey, state.leafKey]) if (k) deps.mask(k);
    const brokerCaPem = broker?.data?.[i['broker-ca-key']];
    return {
      namespaceExists: ns !== undefined,
      ...(secret ? { secret } : {}),
      state,
      decision: decide(state, settings, deps.now(), caKeyHint),
      ...(trustedCa ? { trustedCa } : {}),
      dirKeys,
      ...(brokerCaPem ? { brokerCaPem, brokerCaSha256: sha256(brokerCaPem) } : {}),
    };
  }

  /** The trusted-CA bundle the broker should hold: the current root, plus the previous one while it is valid. */
  function trustBundle(state: PkiState): string {
    let bundle = state.rootCert ?? '';
    if (state.previousRoot && new Date(new X509Certificate(state.previousRoot).validTo) > deps.now()) {
      bundle += state.previousRoot;
    }
    return bundle;
  }

  function describe(o: Observed, ctx: StageContext): string[] {
    const changes: string[] = [];
    const d = o.decision;
    if (!o.namespaceExists) changes.push(`create namespace ${i.namespace}`);
    if (d.ca === 'create') {
      changes.push(
        `create client CA: root '${settings.rootSubject}' (${i['root-ca-days']} days) -> intermediate '${settings.intermediateSubject}' (${i['intermediate-ca-days']} days), ${settings.algorithm}`,
      );
    } else if (d.ca === 'rotate') {
      changes.push(
        `rotate the client CA (${d.reasons.join('; ')}); the previous root stays trusted until it expires`,
      );
    }
    if (d.issueLeaf) {
      const why = d.ca === 'keep' ? ` (${d.reasons.join('; ')})` : '';
      changes.push(
        `issue client certificate '${settings.leafSubject}' valid ${i['client-cert-days']} days${why}`,
      );
    }
    if (d.ca !== 'keep' || d.issueLeaf) {
      changes.push(
        `store the chain and keys in ${describeRef(secretRef)}${caKeyDir ? ` (CA keys in ${caKeyDir})` : ''}`,
      );
    }
    if (o.brokerCaSha256 && o.brokerCaSha256 !== o.state.brokerCaSha256) {
      changes.push(
        o.state.brokerCaSha256
          ? `the AIO broker CA changed (${o.state.brokerCaSha256.slice(0, 23)}... -> ${o.brokerCaSha256.slice(0, 23)}...): Litmus Edge needs the new CA (connector stage); recorded in ${describeRef(secretRef)}`
          : `record the AIO broker CA fingerprint ${o.brokerCaSha256.slice(0, 23)}... in ${describeRef(secretRef)}`,
      );
    }
    if (caKeyDir && !o.dirKeys.intermediateKey && o.state.intermediateKey && d.ca === 'keep') {
      changes.push(`move the CA keys from ${describeRef(secretRef)} to ca-key-dir ${caKeyDir}`);
    }
    if (!o.brokerCaPem) {
      ctx.log.warn(
        `${describeRef(brokerRef)} has no key '${i['broker-ca-key']}': the broker's CA is unknown, so the connector and smoke stages cannot verify the broker. Is Azure IoT Operations installed in '${i['aio-namespace']}'?`,
      );
    }
    return changes;
  }

  function trustedCaChange(o: Observed, next: PkiState): string | undefined {
    const wanted = trustBundle(next);
    if (o.trustedCa?.data?.[i['trusted-ca-key']] === wanted) return undefined;
    return `${o.trustedCa ? 'update' : 'create'} ${describeRef(trustedRef)} key ${i['trusted-ca-key']} with the client root CA${next.previousRoot ? ' (and the previous root)' : ''}`;
  }

  async function issue(o: Observed): Promise<PkiState> {
    const d = o.decision;
    const alg = settings.algorithm;
    let next: PkiState = { ...o.state };
    if (d.ca !== 'keep') {
      const root = await createRootCa({
        algorithm: alg,
        rootSubject: settings.rootSubject,
        rootDays: i['root-ca-days'],
      });
      const inter = await createIntermediateCa(
        { certPem: root.certPem, keyPem: root.keyPem },
        {
          algorithm: alg,
          intermediateSubject: settings.intermediateSubject,
          intermediateDays: i['intermediate-ca-days'],
        },
      );
      next = {
        ...next,
        rootCert: root.certPem,
        rootKey: root.keyPem,
        intermediateCert: inter.certPem,
        intermediateKey: inter.keyPem,
        ...(d.ca === 'rotate' && o.state.rootCert ? { previousRoot: o.state.rootCert } : {}),
      };
      if (settings.rotation !== undefined) next.rotation = settings.rotation;
    }
    if (d.issueLeaf) {
      const leaf = await issueClientLeaf(
        { certPem: next.intermediateCert!, keyPem: next.intermediateKey! },
        { algorithm: alg, leafSubject: settings.leafSubject, leafDays: i['client-cert-days'] },
      );
      next = { ...next, leafCert: leaf.certPem, leafKey: leaf.keyPem };
    }
    for (const k of [next.rootKey, next.intermediateKey, next.leafKey]) if (k) deps.mask(k);
    return next;
  }

  function outputs(state: PkiState, o: Observed): Record<string, string> {
    return {
      'client-cert-secret': `${i.namespace}/${i['client-cert-secret']}`,
      ...(state.leafCert
        ? { 'client-cert-expires': expiry(state.leafCert), 'client-cert-sha256': sha256(state.leafCert) }
        : {}),
      ...(state.rootCert ? { 'root-ca-sha256': sha256(state.rootCert) } : {}),
      'broker-ca-sha256': o.brokerCaSha256 ?? '',
    };
  }

  const refuse = (o: Observed): void => {
    if (o.decision.problems.length > 0) {
      throw new Error(`certs: nothing was changed: ${o.decision.problems.join('; ')}`);
    }
  };

  return {
    name: 'certs',
    needs: STAGE_CATALOG.certs.needs,
    async plan(ctx): Promise<StageOutcome> {
      const o = await observe(await deps.kube());
      refuse(o);
      const changes = describe(o, ctx);
      // A new CA always changes the trusted bundle; otherwise only drift in the ConfigMap does.
      const cm =
        o.decision.ca === 'keep'
          ? trustedCaChange(o, o.state)
          : `${o.trustedCa ? 'update' : 'create'} ${describeRef(trustedRef)} key ${i['trusted-ca-key']} with the new client root CA`;
      if (cm) changes.push(cm);
      return { changed: changes.length > 0, changes, outputs: outputs(o.state, o) };
    },
    async apply(ctx): Promise<StageOutcome> {
      const kube = await deps.kube();
      const o = await observe(kube);
      refuse(o);
      const changes = describe(o, ctx);
      if (!o.namespaceExists) {
        await kube.create({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: i.namespace, labels: { ...MANAGED_BY } },
        });
      }
      const next = await issue(o);
      if (o.brokerCaSha256) next.brokerCaSha256 = o.brokerCaSha256;
      // Keys reach ca-key-dir before the Secret stops holding them: nothing is ever lost.
      const dirStale =
        next.intermediateKey !== o.dirKeys.intermediateKey || next.rootKey !== o.dirKeys.rootKey;
      if (caKeyDir && next.rootKey && next.intermediateKey && dirStale) {
        await writeCaKeyDir(caKeyDir, { rootKey: next.rootKey, intermediateKey: next.intermediateKey });
      }
      const secret = buildSecret(secretRef.name, i.namespace, next, settings.algorithm, !caKeyDir, o.secret);
      if (secretDiffers(o.secret, secret)) {
        if (o.secret) await kube.replace(secret);
        else await kube.create(secret);
        if (changes.length === 0) changes.push(`update ${describeRef(secretRef)} (its layout had drifted)`);
      }
      const cmChange = trustedCaChange(o, next);
      if (cmChange) {
        const data = { ...(o.trustedCa?.data ?? {}), [i['trusted-ca-key']]: trustBundle(next) };
        if (o.trustedCa) {
          await kube.replace<ConfigMapObject>({ ...o.trustedCa, data });
        } else {
          await kube.create<ConfigMapObject>({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: trustedRef.name, namespace: trustedRef.namespace, labels: { ...MANAGED_BY } },
            data,
          });
        }
        changes.push(cmChange);
      }
      for (const c of changes) ctx.log.info(c);
      return { changed: changes.length > 0, changes, outputs: outputs(next, o) };
    },
  };
}
