// What the certs stage will do (plan) or did (apply), one line each, from the same decision and the same desired
// objects the writes come from. Pure: no logging, no I/O.
import { describeRef } from '../../kube/kube-client.js';
import type { CertsDecision } from './decide.js';
import type { CertsObserved } from './observe.js';
import { configMapDiffers, desiredObjects, keyDirSteps } from './plan-writes.js';
import { secretDiffers, type PkiState } from './secret-layout.js';
import type { CertsStageSettings } from './settings.js';

export interface CertsDescription {
  changes: string[];
  /** Problems of one step that do not stop the others (e.g. an unreadable broker CA). */
  details: string[];
}

function caLines(o: CertsObserved, d: CertsDecision, s: CertsStageSettings): string[] {
  const ds = s.decide;
  if (d.ca === 'create') {
    return [
      `create client CA: root '${ds.rootSubject}' (${s.rootDays} days) -> intermediate '${ds.intermediateSubject}' (${s.intermediateDays} days), ${ds.algorithm}`,
    ];
  }
  if (d.ca === 'rotate') {
    return [
      `rotate the client CA (${d.reasons.join('; ')}); the previous root stays trusted until it expires`,
    ];
  }
  return o.notes;
}

function leafLines(d: CertsDecision, s: CertsStageSettings): string[] {
  if (!d.issueLeaf) return [];
  const why = d.ca === 'keep' ? ` (${d.reasons.join('; ')})` : '';
  return [`issue client certificate '${s.decide.leafSubject}' valid ${s.leafDays} days${why}`];
}

/** Where the CA (and its keys) go, or move: the CA Secret, ca-key-dir, never the client Secret. */
function caStoreLines(o: CertsObserved, d: CertsDecision, next: PkiState, s: CertsStageSettings): string[] {
  const ca = describeRef(s.refs.caSecret);
  const client = describeRef(s.refs.clientSecret);
  const dir = s.caKeyDir;
  if (d.ca !== 'keep') {
    return [
      dir !== undefined
        ? `store the CA certificates in ${ca} (CA keys in ca-key-dir ${dir})`
        : `store the CA in ${ca} with the intermediate key; the root key is discarded (only rotate-ca needs it, and that creates a new root; set ca-key-dir to keep it on the runner)`,
    ];
  }
  const lines: string[] = [];
  const legacy = o.caFrom === s.refs.clientSecret;
  if (legacy && o.legacyCaKeys) {
    lines.push(
      dir !== undefined
        ? `move the CA keys from ${client} to ca-key-dir ${dir}`
        : `move the intermediate CA key from ${client} to ${ca}`,
    );
    if (dir === undefined && o.committed.rootKey !== undefined) {
      lines.push(`discard the root CA key from ${client} (set ca-key-dir to keep it on the runner)`);
    }
  } else if (legacy && o.clientSecret) {
    lines.push(`move the CA certificates from ${client} to ${ca}`);
  } else if (o.legacyCaKeys) {
    lines.push(`remove the CA keys from ${client} (the CA is in ${ca})`);
  }
  if (
    !legacy &&
    dir !== undefined &&
    keyDirSteps(o, next, s).write.length > 0 &&
    o.committed.intermediateKey
  ) {
    lines.push(`move the CA keys from ${ca} to ca-key-dir ${dir}`);
  }
  return lines;
}

function brokerLines(o: CertsObserved, s: CertsStageSettings): string[] {
  const b = o.broker;
  const recorded = o.state.brokerCaSha256;
  if (b.kind !== 'ok' || b.sha256 === recorded) return [];
  const where = describeRef(s.refs.clientSecret);
  return [
    recorded
      ? `the AIO broker CA changed (${recorded.slice(0, 23)}... -> ${b.sha256.slice(0, 23)}...): Litmus Edge needs the new CA (connector stage); recorded in ${where}`
      : `record the AIO broker CA fingerprint ${b.sha256.slice(0, 23)}... in ${where}`,
  ];
}

export function describeCerts(
  o: CertsObserved,
  d: CertsDecision,
  next: PkiState,
  s: CertsStageSettings,
): CertsDescription {
  const desired = desiredObjects(o, next, s);
  const changes = [
    ...(o.namespaceExists ? [] : [`create namespace ${s.namespace}`]),
    ...caLines(o, d, s),
    ...leafLines(d, s),
    ...caStoreLines(o, d, next, s),
  ];
  if (secretDiffers(o.clientSecret, desired.clientSecret) && (d.ca !== 'keep' || d.issueLeaf)) {
    changes.push(`store the chain and client key in ${describeRef(s.refs.clientSecret)}`);
  }
  changes.push(...brokerLines(o, s));
  if (configMapDiffers(o, desired.configMap, s)) {
    const what =
      d.ca === 'keep'
        ? `the client root CA${next.previousRoot ? ' (and the previous root)' : ''}`
        : 'the new client root CA';
    changes.push(
      `${o.trusted ? 'update' : 'create'} ${describeRef(s.refs.trustedCa)} key ${s.trustedKey} with ${what}`,
    );
  }
  return { changes, details: o.broker.kind === 'ok' ? [] : [o.broker.problem] };
}
