// Reads certificates with Node's own X509Certificate: what stages compare and report (never key material).
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

export function inspectCertificate(pem: string): CertificateFacts {
  const c = new X509Certificate(pem);
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

/** Splits a PEM bundle into its certificates, in order. */
export function splitPemBundle(bundle: string): string[] {
  return (
    bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((p) => `${p}\n`) ?? []
  );
}

export function daysLeft(notAfter: Date, now: Date = new Date()): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000);
}
