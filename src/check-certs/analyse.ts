// What was read, as plain records and checks (pure: parsing and signature checks, no I/O): one record per
// certificate and place, the client chain, our root in the trusted bundle, the AIO CA against what was last
// propagated, the broker's live chain, the Litmus Edge integration.
import type { X509Certificate } from 'node:crypto';
import { daysLeft, factsOf, parsePemBundle, verifyChain } from '../pki/inspect.js';
import type { Collected } from './collect.js';
import type { CertificateRecord, CertRole, CheckState, LitmusChecks, Ownership } from './model.js';

interface Parsed {
  records: CertificateRecord[];
  certs: X509Certificate[];
}

class Inventory {
  readonly records: CertificateRecord[] = [];
  readonly unreadable: CheckState['unreadable'] = [];
  constructor(private readonly now: Date) {}

  /** Every certificate of a PEM text, recorded with its place; `ownership` may depend on the certificate. */
  add(
    pem: string | undefined,
    where: string,
    role: CertRole | ((index: number) => CertRole),
    ownership: Ownership | ((c: X509Certificate, index: number) => Ownership),
  ): Parsed {
    const blocks = parsePemBundle(pem);
    if (pem !== undefined && pem.trim() !== '' && blocks.length === 0) {
      this.unreadable.push({ where, problem: 'no "-----BEGIN CERTIFICATE-----" block' });
    }
    const out: Parsed = { records: [], certs: [] };
    blocks.forEach((b, i) => {
      const place = blocks.length > 1 ? `${where} (certificate ${i + 1} of ${blocks.length})` : where;
      if ('problem' in b) {
        this.unreadable.push({ where: place, problem: `not a valid certificate (${b.problem})` });
        return;
      }
      const f = factsOf(b.cert);
      const record: CertificateRecord = {
        role: typeof role === 'function' ? role(i) : role,
        ownership: typeof ownership === 'function' ? ownership(b.cert, i) : ownership,
        where: place,
        subject: f.subject,
        issuer: f.issuer,
        serial: f.serial,
        sha256: f.sha256,
        notBefore: f.notBefore.toISOString(),
        notAfter: f.notAfter.toISOString(),
        daysLeft: daysLeft(f.notAfter, this.now),
        isCa: f.isCa,
        ...(f.keyType ? { keyType: f.keyType } : {}),
      };
      this.records.push(record);
      out.records.push(record);
      out.certs.push(b.cert);
    });
    return out;
  }
}

/** OpenSSL's and Node's verification codes, in words. */
const VERIFY_ERRORS: Record<string, string> = {
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not in the AIO trust bundle',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is not in the AIO trust bundle',
  SELF_SIGNED_CERT_IN_CHAIN: 'it chains to a root that is not in the AIO trust bundle',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed and not in the AIO trust bundle',
  CERT_HAS_EXPIRED: 'a certificate in it has expired',
  CERT_NOT_YET_VALID: 'a certificate in it is not valid yet',
  CERT_SIGNATURE_FAILURE: 'a signature in it does not verify',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its names (SANs) do not include tls-server-name',
};

export function verifyProblem(code: string): string {
  const known = Object.entries(VERIFY_ERRORS).find(([k]) => code.startsWith(k));
  return known ? `${known[1]} (${code})` : code;
}

function clientPart(c: Collected, inv: Inventory) {
  const st = c.client.state;
  if (!st) {
    const chain = {
      present: false as const,
      where: c.client.where,
      ...(c.client.unread ? { unread: true } : {}),
    };
    return { chain, leaf: undefined, root: undefined };
  }
  const where = (key: string) => `${c.client.where} key ${key}`;
  const leaf = inv.add(st.leafCert, where('tls.crt'), 'client-leaf', 'ours').certs[0];
  const inter = inv.add(st.intermediateCert, where('intermediate.crt'), 'client-intermediate', 'ours')
    .certs[0];
  const root = inv.add(st.rootCert, where('ca.crt'), 'client-root', 'ours').certs[0];
  inv.add(st.previousRoot, where('previous-ca.crt'), 'client-previous-root', 'retiring');
  let status: { ok: true } | { ok: false; problem: string };
  if (!leaf) status = { ok: false, problem: 'it holds no client certificate (tls.crt)' };
  else if (!root) status = { ok: false, problem: 'it holds no root CA (ca.crt)' };
  else {
    const v = verifyChain(leaf, inter ? [inter] : [], [root]);
    status = v.ok ? { ok: true } : { ok: false, problem: v.problem };
  }
  return {
    chain: { present: true as const, where: c.client.where, ...status },
    leaf,
    root,
    previous: st.previousRoot,
  };
}

/** CAs the integration trusts beside the AIO bundle that no longer verify the broker's live chain. */
function retiredCas(cas: X509Certificate[], aio: X509Certificate[], server: X509Certificate[]): string[] {
  if (!server[0] || aio.length === 0) return [];
  const inBundle = new Set(aio.map((x) => x.fingerprint256));
  return cas
    .filter((ca) => !inBundle.has(ca.fingerprint256))
    .filter((ca) => !verifyChain(server[0]!, server.slice(1), [ca]).ok)
    .map((ca) => ca.fingerprint256);
}

function litmusPart(
  c: Collected,
  inv: Inventory,
  ourLeaf: X509Certificate | undefined,
  server: X509Certificate[],
  aio: X509Certificate[],
): CheckState['litmus'] {
  if (!c.litmus.configured) return { configured: false };
  const { where, state, problem } = c.litmus;
  const chain = inv.add(state?.clientChainPem, `${where} client certificate`, 'litmus-client', 'ours');
  const cas = inv.add(state?.brokerCaPem, `${where} broker CA`, 'litmus-broker-ca', 'aio');
  const retired = retiredCas(cas.certs, aio, server);
  const checks: LitmusChecks = {
    ...(problem ? { problem } : {}),
    ...(state?.enabled === false ? { disabled: true } : {}),
    ...(retired.length > 0 ? { retiredCas: retired } : {}),
  };
  const held = new Set(cas.certs.map((x) => x.fingerprint256));
  if (aio.length > 0 && cas.certs.length > 0)
    checks.holdsAioBundle = aio.every((x) => held.has(x.fingerprint256));
  const theirs = chain.certs[0];
  if (theirs && ourLeaf) checks.sameLeaf = theirs.fingerprint256 === ourLeaf.fingerprint256;
  if (server[0] && cas.certs.length > 0)
    checks.trustsServer = verifyChain(server[0], server.slice(1), cas.certs).ok;
  return { configured: true, where, ...checks };
}

export function analyse(c: Collected, owner: string, now: Date): CheckState {
  const inv = new Inventory(now);
  const client = clientPart(c, inv);
  const ourRoot = client.root?.fingerprint256;
  const previous = client.previous ? parsePemBundle(client.previous) : [];
  const previousFps = previous.flatMap((b) => ('cert' in b ? [b.cert.fingerprint256] : []));
  const claims = parseClaims(c.trusted.claims);
  const trustedOwner = (cert: X509Certificate): Ownership => {
    if (cert.fingerprint256 === ourRoot) return 'ours';
    if (previousFps.includes(cert.fingerprint256)) return 'retiring';
    return claims[cert.fingerprint256.replace(/:/g, '').toLowerCase()] === owner ? 'ours' : 'other';
  };
  const trusted = inv.add(c.trusted.text, c.trusted.where, 'trusted-client-ca', trustedOwner);
  const aio = inv.add(c.aio.text, c.aio.where, 'aio-ca', 'aio');
  const live = c.server.chain.reached
    ? inv.add(
        c.server.chain.pems.join(''),
        `broker live chain via ${c.server.via}`,
        'broker-server',
        (_c, i) => (i === 0 ? 'auto' : 'aio'),
      )
    : { records: [], certs: [] };
  return {
    certificates: inv.records,
    unreadable: inv.unreadable,
    clientChain: client.chain,
    trustedCa: {
      where: c.trusted.where,
      state: c.trusted.unread
        ? 'unread'
        : !c.trusted.exists
          ? 'absent-bundle'
          : !ourRoot
            ? 'no-root'
            : trusted.certs.some((x) => x.fingerprint256 === ourRoot)
              ? 'published'
              : 'missing',
    },
    aioCa: {
      where: c.aio.where,
      fingerprints: aio.certs.map((x) => x.fingerprint256),
      ...(c.aio.unread ? { unread: true } : {}),
      ...(c.client.state?.brokerCaSha256 ? { propagated: c.client.state.brokerCaSha256 } : {}),
    },
    server: serverPart(c, aio.certs.length > 0),
    certManager: c.certManager,
    litmus: litmusPart(c, inv, client.leaf, live.certs, aio.certs),
    errors: c.errors,
  };
}

function serverPart(c: Collected, haveBundle: boolean): CheckState['server'] {
  const { via, chain } = c.server;
  if (!chain.reached) return { via, reached: false, problem: chain.problem };
  if (!haveBundle)
    return { via, reached: true, ok: false, problem: 'not verified: no AIO trust bundle was read' };
  if (chain.authorized) return { via, reached: true, ok: true };
  return {
    via,
    reached: true,
    ok: false,
    problem: verifyProblem(chain.authorizationError ?? 'not verified'),
  };
}

/** The trusted bundle's claims annotation: fingerprint (lower-case hex) -> owner; unreadable claims are none. */
function parseClaims(text: string | undefined): Record<string, string> {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as Record<string, { owner?: unknown }>;
    return Object.fromEntries(
      Object.entries(parsed).flatMap(([fp, v]) => (typeof v?.owner === 'string' ? [[fp, v.owner]] : [])),
    );
  } catch {
    return {};
  }
}
