// Certificates for the sandbox's own servers (Kubernetes stand-in, mosquitto, registry).
// Not the product's PKI (that lives in src/pki): these only make loopback TLS real in tests.
import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs it loaded first
import { webcrypto, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCertificate {
  /** PEM certificate. */
  cert: string;
  /** PKCS#8 PEM private key. */
  key: string;
  /** The certificate's CryptoKeyPair, for issuing further certificates. */
  keys: CryptoKeyPair;
  x509: x509.X509Certificate;
}

export interface IssueOptions {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Validity window; defaults to one hour in the past until one day ahead. */
  notBefore?: Date;
  notAfter?: Date;
  usage?: 'server' | 'client' | 'both';
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive
  return bytes.toString('hex');
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function window(o: { notBefore?: Date; notAfter?: Date }): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: o.notBefore ?? new Date(Date.now() - 3_600_000),
    notAfter: o.notAfter ?? new Date(Date.now() + 86_400_000),
  };
}

/** A self-signed EC P-256 CA, valid from an hour ago for a week unless the window says otherwise. */
export async function createTestCa(
  commonName = 'Sandbox Test CA',
  valid: { notBefore?: Date; notAfter?: Date } = {},
): Promise<TestCertificate> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    ...window({ notAfter: new Date(Date.now() + 7 * 86_400_000), ...valid }),
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey), keys, x509: cert };
}

/** A leaf signed by `ca`, for a server (SANs) or a client (clientAuth). */
export async function issueTestCert(ca: TestCertificate, o: IssueOptions): Promise<TestCertificate> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const usage = o.usage ?? 'server';
  const eku: string[] = [];
  if (usage !== 'client') eku.push(x509.ExtendedKeyUsage.serverAuth);
  if (usage !== 'server') eku.push(x509.ExtendedKeyUsage.clientAuth);
  const san: x509.JsonGeneralName[] = [
    ...(o.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(o.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(eku),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (san.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(san));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${o.commonName}`,
    issuer: ca.x509.subject,
    ...window(o),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: EC,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey), keys, x509: cert };
}

/** A server certificate for loopback: localhost, 127.0.0.1 and ::1 plus any extra names. */
export function issueLoopbackServerCert(ca: TestCertificate, extraDnsNames: string[] = []) {
  return issueTestCert(ca, {
    commonName: 'localhost',
    dnsNames: ['localhost', ...extraDnsNames],
    ipAddresses: ['127.0.0.1', '::1'],
  });
}
