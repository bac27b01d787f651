// The PKI state after this run: a new CA when decide says create/rotate, a new leaf when it says so. Generates
// keys (no cluster or file I/O); plan and apply both call it, so both work out the same writes.
import { X509Certificate } from 'node:crypto';
import { createIntermediateCa, createRootCa, issueClientLeaf } from '../../pki/chain.js';
import type { CertsDecision } from './decide.js';
import type { CertsObserved } from './observe.js';
import type { PkiState } from './secret-layout.js';
import type { CertsStageSettings } from './settings.js';

const parses = (pem: string | undefined): pem is string => {
  if (!pem) return false;
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
};

async function newCa(o: CertsObserved, d: CertsDecision, s: CertsStageSettings): Promise<PkiState> {
  const alg = s.decide.algorithm;
  const root = await createRootCa({
    algorithm: alg,
    rootSubject: s.decide.rootSubject,
    rootDays: s.rootDays,
  });
  const inter = await createIntermediateCa(
    { certPem: root.certPem, keyPem: root.keyPem },
    {
      algorithm: alg,
      intermediateSubject: s.decide.intermediateSubject,
      intermediateDays: s.intermediateDays,
    },
  );
  const next: PkiState = {
    ...o.state,
    rootCert: root.certPem,
    rootKey: root.keyPem,
    intermediateCert: inter.certPem,
    intermediateKey: inter.keyPem,
  };
  delete next.previousRoot;
  // The previous root stays trusted until it expires; a corrupted one is not carried over.
  if (d.ca === 'rotate' && parses(o.state.rootCert)) next.previousRoot = o.state.rootCert;
  if (s.decide.rotation !== undefined) next.rotation = s.decide.rotation;
  return next;
}

/** A previous root that has expired is dropped (from the Secrets and, as ours, from the trusted bundle). */
function withoutExpiredPrevious(state: PkiState, now: Date): PkiState {
  if (!state.previousRoot || new Date(new X509Certificate(state.previousRoot).validTo) > now) return state;
  const next = { ...state };
  delete next.previousRoot;
  return next;
}

export async function nextPki(
  o: CertsObserved,
  d: CertsDecision,
  s: CertsStageSettings,
  now: Date,
): Promise<PkiState> {
  let next: PkiState = d.ca === 'keep' ? { ...o.state } : await newCa(o, d, s);
  if (d.issueLeaf) {
    const leaf = await issueClientLeaf(
      { certPem: next.intermediateCert!, keyPem: next.intermediateKey! },
      { algorithm: s.decide.algorithm, leafSubject: s.decide.leafSubject, leafDays: s.leafDays },
    );
    next = { ...next, leafCert: leaf.certPem, leafKey: leaf.keyPem };
  }
  next = withoutExpiredPrevious(next, now);
  if (o.broker.kind === 'ok') next.brokerCaSha256 = o.broker.sha256;
  return next;
}
