// AIO's CA in the sandbox, made to order for check-certs: a CA with a lifetime like AIO's (about a year) and a
// broker server certificate like AIO's (720 h), a rotation of them (trust bundle ConfigMap replaced, server
// certificate re-issued), and client leaves of any validity issued from the certs stage's own CA.
// The broker mirror serves the sandbox's `brokerServerCert` object for Automatic TLS ports: it is updated in
// place, then a change of the trust bundle makes the mirror apply it (see sandbox/broker-mirror.ts).
import { X509Certificate } from 'node:crypto';
import { webcrypto, x509 } from '../../../src/pki/x509.js';
import { issueClientLeaf } from '../../../src/pki/chain.js';
import { readServerChain } from '../../../src/check-certs/tls-chain.js';
import { BROKER_DNS_NAMES, type Sandbox } from '../sandbox/index.js';
import { issueTestCert, type TestCertificate } from '../test-pki.js';
import { until } from '../until.js';

const AIO = 'azure-iot-operations';
const TRUST_BUNDLE = 'azure-iot-operations-aio-ca-trust-bundle';
const DAY = 86_400_000;
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A self-signed EC CA valid `days` from an hour ago (the sandbox's own test CA lasts a week). */
export async function aioLikeCa(
  days: number,
  commonName = 'Azure IoT Operations Quickstart Root CA - Not for Production',
): Promise<TestCertificate> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${Date.now().toString(16)}`,
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + days * DAY),
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const key = x509.PemConverter.encode(
    await webcrypto.subtle.exportKey('pkcs8', keys.privateKey),
    'PRIVATE KEY',
  );
  return { cert: cert.toString('pem'), key, keys, x509: cert };
}

export interface AioRotation {
  ca: TestCertificate;
  server: TestCertificate;
}

/**
 * Puts `ca` in the trust bundle (with `alsoTrust` beside it) and, unless `keepServer`, has the broker serve a new
 * server certificate from it (`serverDays`, like AIO's 30); waits until the broker serves what was asked.
 */
export async function rotateAioCa(
  sb: Sandbox,
  o: { ca: TestCertificate; serverDays?: number; alsoTrust?: string[]; keepServer?: boolean },
): Promise<AioRotation> {
  const server = o.keepServer
    ? sb.brokerServerCert
    : await issueTestCert(o.ca, {
        commonName: 'aio-broker',
        dnsNames: BROKER_DNS_NAMES,
        ipAddresses: ['127.0.0.1'],
        usage: 'server',
        notAfter: new Date(Date.now() + (o.serverDays ?? 30) * DAY),
      });
  Object.assign(sb.brokerServerCert, {
    cert: server.cert,
    key: server.key,
    keys: server.keys,
    x509: server.x509,
  });
  const cm = sb.kube.store.get('configmaps', AIO, TRUST_BUNDLE)!;
  sb.kube.store.put({ ...cm, data: { 'ca.crt': [o.ca.cert, ...(o.alsoTrust ?? [])].join('\n') } });
  await sb.broker.settled();
  // Applied once the broker's handshake presents exactly that certificate.
  const wanted = new X509Certificate(server.cert).fingerprint256;
  await until('the broker to serve the server certificate', async () => {
    const r = await readServerChain({
      host: sb.broker.host,
      port: sb.broker.port,
      servername: 'aio-broker',
      caPem: o.ca.cert,
      timeoutMs: 2000,
    });
    return r.reached && r.pems[0] !== undefined && new X509Certificate(r.pems[0]).fingerprint256 === wanted;
  });
  return { ca: o.ca, server };
}

/** A client leaf valid `days`, issued from the certs stage's intermediate CA, written into the client Secret. */
export async function putClientLeaf(sb: Sandbox, days: number, ns = 'litmus-edge'): Promise<string> {
  const ca = sb.kube.store.get('secrets', ns, 'litmusedge-mqtt-ca') as unknown as {
    data: Record<string, string>;
  };
  const d = (k: string) => Buffer.from(ca.data[k]!, 'base64').toString('utf8');
  const intermediate = { certPem: d('intermediate.crt'), keyPem: d('intermediate-ca.key') };
  const leaf = await issueClientLeaf(intermediate, {
    algorithm: 'ec-p256',
    leafSubject: 'CN=aiomqttconnector',
    leafDays: days,
  });
  const secret = sb.kube.store.get('secrets', ns, 'litmusedge-mqtt-client')!;
  const data = { ...(secret['data'] as Record<string, string>) };
  data['tls.crt'] = Buffer.from(leaf.certPem + intermediate.certPem).toString('base64');
  data['tls.key'] = Buffer.from(leaf.keyPem).toString('base64');
  sb.kube.store.put({ ...secret, data });
  return new x509.X509Certificate(leaf.certPem).toString('pem');
}
