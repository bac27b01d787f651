// What the certs stage must do, decided from the stored PKI state and the inputs alone (pure, no I/O):
// create the CA once, rotate it only when asked, re-issue the leaf only when it is missing, wrong or due.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { algorithmParams, type KeyAlgorithm } from '../../pki/algorithms.js';
import { nodeSubjectText, sameDistinguishedName, toDistinguishedName } from '../../pki/distinguished-name.js';
import type { PkiState } from './secret-layout.js';

export interface CertsSettings {
  algorithm: KeyAlgorithm;
  rootSubject: string;
  intermediateSubject: string;
  leafSubject: string;
  renewBeforeDays: number;
  rotation?: string;
}

export type CaAction = 'keep' | 'create' | 'rotate';

export interface CertsDecision {
  ca: CaAction;
  issueLeaf: boolean;
  /** Why, one line each, for the plan and the report. */
  reasons: string[];
  /** Refusals: the run must stop before any change. */
  problems: string[];
}

const DAY = 86_400_000;

/** Node prints subjects one RDN per line ("CN=x\nO=y"); shown in the "CN=x, O=y" form. */
const subjectOf = (c: X509Certificate): string => nodeSubjectText(c.subject);
/** Canonically (distinguished-name.ts): spelling, spacing and letter case never force a rotation or re-issue. */
const sameSubject = (c: X509Certificate, wanted: string): boolean =>
  sameDistinguishedName(subjectOf(c), wanted);

function keyMatches(cert: X509Certificate, keyPem: string | undefined): boolean {
  if (!keyPem) return false;
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

export function decide(state: PkiState, s: CertsSettings, now: Date, caKeyHint: string): CertsDecision {
  const reasons: string[] = [];
  const problems: string[] = [];
  const wantedKeyType = algorithmParams(s.algorithm).nodeKeyType;

  if (!state.rootCert) {
    return { ca: 'create', issueLeaf: true, reasons: ['no client CA exists yet'], problems };
  }
  if (s.rotation !== undefined && s.rotation !== state.rotation) {
    const was = state.rotation === undefined ? '' : ` (was '${state.rotation}')`;
    return { ca: 'rotate', issueLeaf: true, reasons: [`rotate-ca is '${s.rotation}'${was}`], problems };
  }

  const root = new X509Certificate(state.rootCert);
  const caKeyType = root.publicKey.asymmetricKeyType;
  if (caKeyType !== wantedKeyType) {
    problems.push(
      `the client CA uses ${caKeyType?.toUpperCase()} keys but key-algorithm is ${s.algorithm}; a CA is never replaced implicitly: set rotate-ca (e.g. rotate-ca: ${now.toISOString().slice(0, 7)}) to create a new ${s.algorithm} CA, or set key-algorithm back`,
    );
  }
  if (!sameSubject(root, s.rootSubject)) {
    problems.push(
      `the root CA's subject is '${subjectOf(root)}' but root-ca-subject is '${toDistinguishedName(s.rootSubject)}'; set rotate-ca to replace the CA, or set root-ca-subject back`,
    );
  }
  if (new Date(root.validTo) <= now) {
    problems.push(
      `the root CA expired on ${new Date(root.validTo).toISOString()}; set rotate-ca to replace it`,
    );
  }
  if (!state.intermediateCert) {
    problems.push(
      `the Secret holds a root CA but no intermediate CA; set rotate-ca to create a consistent new CA`,
    );
    return { ca: 'keep', issueLeaf: false, reasons, problems };
  }
  const inter = new X509Certificate(state.intermediateCert);
  if (!sameSubject(inter, s.intermediateSubject)) {
    problems.push(
      `the intermediate CA's subject is '${subjectOf(inter)}' but intermediate-ca-subject is '${toDistinguishedName(s.intermediateSubject)}'; set rotate-ca to replace the CA, or set intermediate-ca-subject back`,
    );
  }
  if (new Date(inter.validTo) <= now) {
    problems.push(
      `the intermediate CA expired on ${new Date(inter.validTo).toISOString()}; set rotate-ca to replace it`,
    );
  }
  if (!inter.verify(root.publicKey)) {
    problems.push(
      'the stored intermediate CA is not signed by the stored root CA; set rotate-ca to replace both',
    );
  }
  if (problems.length > 0) return { ca: 'keep', issueLeaf: false, reasons, problems };

  // The leaf: re-issued only for a reason a user can read.
  if (!state.leafCert) {
    reasons.push('no client certificate yet');
  } else {
    const leaf = new X509Certificate(state.leafCert);
    const days = Math.floor((new Date(leaf.validTo).getTime() - now.getTime()) / DAY);
    if (!sameSubject(leaf, s.leafSubject)) {
      reasons.push(
        `client-subject changed from '${subjectOf(leaf)}' to '${toDistinguishedName(s.leafSubject)}'`,
      );
    } else if (leaf.publicKey.asymmetricKeyType !== wantedKeyType) {
      reasons.push(
        `the client certificate's key is ${leaf.publicKey.asymmetricKeyType?.toUpperCase()}, not ${s.algorithm}`,
      );
    } else if (!leaf.verify(inter.publicKey)) {
      reasons.push('the client certificate was not issued by the current intermediate CA');
    } else if (!keyMatches(leaf, state.leafKey)) {
      reasons.push('the stored client key does not match the client certificate');
    } else if (days < s.renewBeforeDays) {
      reasons.push(
        `the client certificate expires in ${days} days, fewer than renew-before-days (${s.renewBeforeDays})`,
      );
    }
  }
  const issueLeaf = reasons.length > 0;
  if (issueLeaf && !keyMatches(inter, state.intermediateKey)) {
    problems.push(
      `a new client certificate is needed (${reasons.join('; ')}) but the intermediate CA's private key is not available: ${caKeyHint}`,
    );
  }
  return { ca: 'keep', issueLeaf, reasons, problems };
}
