// Intermediate CAs for certificate-chain tests. test-pki.ts makes roots and leaves; AIO's X.509 clients present
// leaf + intermediate while the broker trusts the root only, so tests need a three-level chain.
import 'reflect-metadata';
import { webcrypto, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createTestCa, issueTestCert } from '../test-pki.js';
import type { IssueOptions, TestCertificate } from '../test-pki.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** An EC P-256 intermediate CA signed by `parent` (path length 0: it may sign leaves only). */
export async function issueIntermediateCa(
  parent: TestCertificate,
  commonName = 'Sandbox Test Intermediate CA',
  window: { notBefore?: Date; notAfter?: Date } = {},
): Promise<TestCertificate> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: bytes.toString('hex'),
    subject: `CN=${commonName}`,
    issuer: parent.x509.subject,
    notBefore: window.notBefore ?? new Date(Date.now() - 3_600_000),
    notAfter: window.notAfter ?? new Date(Date.now() + 7 * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: parent.keys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(parent.keys.publicKey),
    ],
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: cert.toString('pem'), key: x509.PemConverter.encode(der, 'PRIVATE KEY'), keys, x509: cert };
}

export interface TestChain {
  root: TestCertificate;
  intermediate: TestCertificate;
  leaf: TestCertificate;
  /** leaf then intermediate, PEM: what a client presents. */
  chainPem: string;
}

/** root → intermediate → leaf; the leaf is a client certificate unless `leaf.usage` says otherwise. */
export async function createTestChain(
  o: {
    rootName?: string;
    intermediateName?: string;
    root?: TestCertificate;
    leaf?: Partial<IssueOptions>;
  } = {},
): Promise<TestChain> {
  const root = o.root ?? (await createTestCa(o.rootName ?? 'Sandbox Test Root CA'));
  const intermediate = await issueIntermediateCa(root, o.intermediateName);
  const leaf = await issueTestCert(intermediate, { commonName: 'test-client', usage: 'client', ...o.leaf });
  return { root, intermediate, leaf, chainPem: pemChain(leaf, intermediate) };
}

/** Concatenated PEM certificates, each ending in a newline. */
export function pemChain(...certs: { cert: string }[]): string {
  return certs.map((c) => (c.cert.endsWith('\n') ? c.cert : `${c.cert}\n`)).join('');
}
