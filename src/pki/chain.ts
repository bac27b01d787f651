// The client PKI the broker trusts: root CA -> intermediate CA -> client leaf, one key algorithm throughout,
// with the extensions a strict verifier (OpenSSL, Go, the AIO broker) expects.
import { randomBytes } from 'node:crypto';
import { algorithmParams, type KeyAlgorithm } from './algorithms.js';
import { parseDistinguishedName, toX509JsonName } from './distinguished-name.js';
import { webcrypto, x509 } from './x509.js';

type KeyPair = webcrypto.CryptoKeyPair;

export interface IssuedCertificate {
  certPem: string;
  /** PKCS#8 PEM. Secret: never log it. */
  keyPem: string;
}

export interface ChainOptions {
  algorithm: KeyAlgorithm;
  rootSubject: string;
  intermediateSubject: string;
  leafSubject: string;
  rootDays: number;
  intermediateDays: number;
  leafDays: number;
  now?: Date;
}

export interface ClientChain {
  root: IssuedCertificate;
  intermediate: IssuedCertificate;
  leaf: IssuedCertificate;
}

const DAY = 86_400_000;
/** Backdating absorbs clock skew between the runner and the broker. */
const BACKDATE_MS = 5 * 60_000;

/** A random, positive, 128-bit serial (RFC 5280 allows up to 20 octets; DER needs a leading 00 if the top bit is set). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  const hex = bytes.toString('hex');
  return bytes[0]! >= 0x80 ? `00${hex}` : hex;
}

/** Accepts "CN=x", "CN = x, O = y" (the broker's spelling) or a bare common name; see distinguished-name.ts. */
export { toDistinguishedName } from './distinguished-name.js';

/** The subject as @peculiar/x509 encodes it, built from the parsed name (its own string parser mangles escapes). */
function subjectName(subject: string): x509.Name {
  const p = parseDistinguishedName(subject);
  if (!p.ok) throw new Error(`invalid subject '${subject}': ${p.problem}`);
  return new x509.Name(toX509JsonName(p.dn));
}

async function generateKeys(alg: KeyAlgorithm): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(algorithmParams(alg).generate, true, [
    'sign',
    'verify',
  ])) as KeyPair;
}

/** PEM text always ends with a newline, so bundles can be made by plain concatenation. */
const terminated = (pem: string): string => (pem.endsWith('\n') ? pem : `${pem}\n`);

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  return terminated(x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY'));
}

interface Issuer {
  cert: x509.X509Certificate;
  keys: KeyPair;
}

interface IssueParams {
  algorithm: KeyAlgorithm;
  subject: x509.Name;
  notBefore: Date;
  notAfter: Date;
  issuer?: Issuer;
  keys: KeyPair;
  extensions: x509.Extension[];
}

async function issue(p: IssueParams): Promise<x509.X509Certificate> {
  const signingAlgorithm = algorithmParams(p.algorithm).signing as Parameters<
    typeof x509.X509CertificateGenerator.create
  >[0]['signingAlgorithm'];
  const extensions = [
    ...p.extensions,
    await x509.SubjectKeyIdentifierExtension.create(p.keys.publicKey),
    ...(p.issuer ? [await x509.AuthorityKeyIdentifierExtension.create(p.issuer.keys.publicKey)] : []),
  ];
  if (!p.issuer) {
    return x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: p.subject,
      notBefore: p.notBefore,
      notAfter: p.notAfter,
      keys: p.keys,
      signingAlgorithm,
      extensions,
    });
  }
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: p.subject,
    // The issuer's subject as encoded, byte for byte (verifiers such as Go's and webpki compare the bytes).
    issuer: p.issuer.cert.subjectName,
    notBefore: p.notBefore,
    // A certificate cannot outlive its issuer: clamp, so verifiers never see an impossible chain.
    notAfter: p.notAfter > p.issuer.cert.notAfter ? p.issuer.cert.notAfter : p.notAfter,
    publicKey: p.keys.publicKey,
    signingKey: p.issuer.keys.privateKey,
    signingAlgorithm,
    extensions,
  });
}

const caUsage = (): x509.Extension =>
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true);

function leafExtensions(alg: KeyAlgorithm): x509.Extension[] {
  let usage = x509.KeyUsageFlags.digitalSignature;
  if (alg !== 'ec-p256') usage |= x509.KeyUsageFlags.keyEncipherment;
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
  ];
}

async function loadIssuer(issued: IssuedCertificate, alg: KeyAlgorithm): Promise<Issuer> {
  const cert = new x509.X509Certificate(issued.certPem);
  const params = algorithmParams(alg).generate;
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(issued.keyPem),
    params as webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams,
    true,
    ['sign'],
  );
  const publicKey = await cert.publicKey.export(
    params as webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams,
    ['verify'],
  );
  return { cert, keys: { privateKey, publicKey } as KeyPair };
}

const window = (now: Date, days: number): { notBefore: Date; notAfter: Date } => ({
  notBefore: new Date(now.getTime() - BACKDATE_MS),
  notAfter: new Date(now.getTime() + days * DAY),
});

export async function createRootCa(o: Pick<ChainOptions, 'algorithm' | 'rootSubject' | 'rootDays' | 'now'>) {
  const keys = await generateKeys(o.algorithm);
  const cert = await issue({
    algorithm: o.algorithm,
    subject: subjectName(o.rootSubject),
    ...window(o.now ?? new Date(), o.rootDays),
    keys,
    extensions: [new x509.BasicConstraintsExtension(true, 1, true), caUsage()],
  });
  return { certPem: terminated(cert.toString('pem')), keyPem: await pkcs8Pem(keys.privateKey) };
}

export async function createIntermediateCa(
  root: IssuedCertificate,
  o: Pick<ChainOptions, 'algorithm' | 'intermediateSubject' | 'intermediateDays' | 'now'>,
): Promise<IssuedCertificate> {
  const keys = await generateKeys(o.algorithm);
  const cert = await issue({
    algorithm: o.algorithm,
    subject: subjectName(o.intermediateSubject),
    ...window(o.now ?? new Date(), o.intermediateDays),
    issuer: await loadIssuer(root, o.algorithm),
    keys,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), caUsage()],
  });
  return { certPem: terminated(cert.toString('pem')), keyPem: await pkcs8Pem(keys.privateKey) };
}

export async function issueClientLeaf(
  intermediate: IssuedCertificate,
  o: Pick<ChainOptions, 'algorithm' | 'leafSubject' | 'leafDays' | 'now'>,
): Promise<IssuedCertificate> {
  const keys = await generateKeys(o.algorithm);
  const cert = await issue({
    algorithm: o.algorithm,
    subject: subjectName(o.leafSubject),
    ...window(o.now ?? new Date(), o.leafDays),
    issuer: await loadIssuer(intermediate, o.algorithm),
    keys,
    extensions: leafExtensions(o.algorithm),
  });
  return { certPem: terminated(cert.toString('pem')), keyPem: await pkcs8Pem(keys.privateKey) };
}

export async function createClientChain(o: ChainOptions): Promise<ClientChain> {
  const root = await createRootCa(o);
  const intermediate = await createIntermediateCa(root, o);
  const leaf = await issueClientLeaf(intermediate, o);
  return { root, intermediate, leaf };
}
