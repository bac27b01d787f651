// Reads certificates with Node's own X509Certificate: what stages compare and report (never key material), and
// the chain checks check-certs makes (signature and issuer name, as a verifier does; no revocation, no policy).
import { X509Certificate } from 'node:crypto';

export interface CertificateFacts {
  subject: string;
  issuer: string;
  /** Upper-case colon-separated SHA-256 fingerprint, as openssl prints it. */
  sha256: string;
  notBefore: Date;
  notAfter: Date;
  serial: string;
  isCa: boolean;
  keyType: string | undefined;
}

export function factsOf(c: X509Certificate): CertificateFacts {
  return {
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    sha256: c.fingerprint256,
    notBefore: new Date(c.validFrom),
    notAfter: new Date(c.validTo),
    serial: c.serialNumber,
    isCa: c.ca,
    keyType: c.publicKey.asymmetricKeyType,
  };
}

export function inspectCertificate(pem: string): CertificateFacts {
  return factsOf(new X509Certificate(pem));
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits a PEM bundle into its certificates, in order. */
export function splitPemBundle(bundle: string): string[] {
  return bundle.match(PEM_CERTIFICATE)?.map((p) => `${p}\n`) ?? [];
}

export type ParsedBlock = { pem: string; cert: X509Certificate } | { pem: string; problem: string };

/** Every certificate block of a bundle, parsed; a block that does not parse says why (never its content). */
export function parsePemBundle(bundle: string | undefined): ParsedBlock[] {
  return splitPemBundle(bundle ?? '').map((pem) => {
    try {
      return { pem, cert: new X509Certificate(pem) };
    } catch (e) {
      return { pem, problem: (e as Error).message };
    }
  });
}

/** The parsed certificates of a bundle (blocks that do not parse left out). */
export const certificatesOf = (bundle: string | undefined): X509Certificate[] =>
  parsePemBundle(bundle).flatMap((b) => ('cert' in b ? [b.cert] : []));

/** Whole days left until notAfter (negative once expired), rounded down. */
export function daysLeft(notAfter: Date, now: Date = new Date()): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000);
}

/** `child` names `parent` as its issuer and carries its signature. */
export function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

export type ChainCheck = { ok: true; path: X509Certificate[] } | { ok: false; problem: string };

const name = (c: X509Certificate): string => `'${c.subject.replace(/\n/g, ', ')}'`;

/**
 * Builds a path from `leaf` through `intermediates` to one of `anchors` by issuer name and signature (the order of
 * the intermediates does not matter), as a TLS peer does before its policy checks. Validity dates are not part of
 * it: check-certs reports those per certificate.
 */
export function verifyChain(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
): ChainCheck {
  if (anchors.length === 0) return { ok: false, problem: 'no trusted certificate to verify against' };
  const path = [leaf];
  let current = leaf;
  for (let depth = 0; depth <= intermediates.length; depth++) {
    const anchor = anchors.find((a) => a.fingerprint256 === current.fingerprint256 || issuedBy(current, a));
    if (anchor) return { ok: true, path: anchor === current ? path : [...path, anchor] };
    const next = intermediates.find((i) => !path.includes(i) && issuedBy(current, i));
    if (!next) {
      const issuer = current.issuer.replace(/\n/g, ', ');
      return {
        ok: false,
        problem: `${name(current)} is issued by '${issuer}', which is neither among the trusted certificates nor a presented intermediate that verifies`,
      };
    }
    path.push(next);
    current = next;
  }
  return { ok: false, problem: `no path from ${name(leaf)} to a trusted certificate` };
}
