// Client certificates made to order in the sandbox, written into the client Secret the certs stage keeps (as if
// time had passed, or someone had put a wrong certificate there): valid for a number of days, expired, not yet
// valid, or a wrong chain (signed by an impostor intermediate with our intermediate's very name, so the chain
// names match and only the signature fails). They are issued with the certs stage's own PKI code and its CA
// Secret, so everything but the ordered defect is what the stage would have written. The broker server side is
// in aio-pki.ts (issueBrokerServerCert).
import type { KeyAlgorithm } from '../../../src/pki/algorithms.js';
import { createIntermediateCa, createRootCa, issueClientLeaf } from '../../../src/pki/chain.js';
import { x509 } from '../../../src/pki/x509.js';
import type { KubeObject } from '../kube-apiserver/index.js';
import { DAY } from './aio-pki.js';
import type { Sandbox } from './index.js';

export type LeafOrder =
  /** Valid from now for this many days. */
  | { days: number }
  /** Expired this many days ago. */
  | { expiredDaysAgo: number }
  /** Valid only from this many days ahead (for `days`, default 100). */
  | { validInDays: number; days?: number }
  /** Signed by an impostor intermediate named like ours: the chain does not verify. */
  | { wrongChain: true; days?: number };

export interface ClientSecretRef {
  namespace?: string;
  secret?: string;
  caSecret?: string;
}

const text = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The issue time and lifetime that give the ordered validity window (the PKI backdates notBefore 5 minutes). */
function window(o: LeafOrder): { now: Date; days: number } {
  const t = Date.now();
  if ('expiredDaysAgo' in o) return { now: new Date(t - (o.expiredDaysAgo + 30) * DAY), days: 30 };
  if ('validInDays' in o) return { now: new Date(t + o.validInDays * DAY), days: o.days ?? 100 };
  return { now: new Date(t), days: o.days ?? 100 };
}

/**
 * Writes a client leaf made to order into the client Secret (chain leaf + our intermediate, and its key), issued
 * from the certs stage's intermediate in the CA Secret; returns the leaf's PEM.
 */
export async function putClientLeaf(
  sb: Sandbox,
  order: LeafOrder,
  ref: ClientSecretRef = {},
): Promise<string> {
  const ns = ref.namespace ?? 'litmus-edge';
  const ca = sb.kube.store.get('secrets', ns, ref.caSecret ?? 'litmusedge-mqtt-ca') as
    (KubeObject & { data: Record<string, string> }) | undefined;
  if (!ca) throw new Error(`sandbox: no CA Secret in ${ns} (run the certs stage first)`);
  const algorithm = (ca.metadata.annotations?.['litmus-aio.io/key-algorithm'] ?? 'ec-p256') as KeyAlgorithm;
  const ours = { certPem: text(ca.data['intermediate.crt']), keyPem: text(ca.data['intermediate-ca.key']) };
  let issuer = ours;
  if ('wrongChain' in order) {
    const name = new x509.X509Certificate(ours.certPem).subject;
    const root = await createRootCa({ algorithm, rootSubject: 'CN=Impostor Root CA', rootDays: 365 });
    issuer = await createIntermediateCa(root, {
      algorithm,
      intermediateSubject: name,
      intermediateDays: 365,
    });
  }
  const { now, days } = window(order);
  const leaf = await issueClientLeaf(issuer, {
    algorithm,
    leafSubject: 'CN=aiomqttconnector',
    leafDays: days,
    now,
  });
  const secret = sb.kube.store.get('secrets', ns, ref.secret ?? 'litmusedge-mqtt-client');
  if (!secret) throw new Error(`sandbox: no client Secret in ${ns} (run the certs stage first)`);
  const data = { ...(secret['data'] as Record<string, string>) };
  data['tls.crt'] = b64(leaf.certPem + ours.certPem);
  data['tls.key'] = b64(leaf.keyPem);
  sb.kube.store.put({ ...secret, data } as KubeObject);
  return leaf.certPem;
}
