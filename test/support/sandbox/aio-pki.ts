// AIO's own PKI in the sandbox, changed on demand the way AIO's cert-manager and trust-manager change it, through
// the cluster's objects (never by mutating the sandbox's in-memory certificates):
// - rotateAioCa: a new AIO root in Secret cert-manager/azure-iot-operations-aio-ca-certificate, trust-manager's copy
//   (ConfigMap azure-iot-operations-aio-ca-trust-bundle, key ca.crt) replaced, and unless `keepServer` the broker's
//   server certificate re-issued from the new root;
// - issueBrokerServerCert: cert-manager (re)issuing the broker's server certificate (a new key each time), made to
//   order (days left, not yet valid, expired, or from another CA: a chain the trust bundle does not verify), into
//   Secret `aio-broker-frontend-server` with a cert-manager.io/v1 Certificate of the same name whose status says
//   notBefore/notAfter/renewalTime (720 h certificates, renewed 240 h before expiry, as AIO's) and Ready;
// - setBrokerCertificateStatus: cert-manager failing to renew (Ready False, a renewal time in the past).
// The first two resolve once the broker serves what was asked (a real TLS handshake presents it). Keys are EC P-256
// here (AIO's own root is RSA 2048; the key type does not matter to what these model). The Sandbox's `aioCa` and
// `brokerServerCert` stay what the sandbox started with: currentAioRoot and servedServerCert say what is in force.
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { readServerChain } from '../../../src/check-certs/tls-chain.js';
import { webcrypto, x509 } from '../../../src/pki/x509.js';
import type { KubeObject } from '../kube-apiserver/index.js';
import { createTestCa, issueTestCert, type TestCertificate } from '../test-pki.js';
import { until } from '../until.js';
import { AUTOMATIC_TLS_SECRET, automaticTls } from './automatic-tls.js';
import { BROKER_DNS_NAMES, BROKER_X509_PORT, type Sandbox } from './index.js';

const AIO = 'azure-iot-operations';
export const TRUST_BUNDLE = 'azure-iot-operations-aio-ca-trust-bundle';
export const AIO_CA_SECRET = { namespace: 'cert-manager', name: 'azure-iot-operations-aio-ca-certificate' };
export const DAY = 86_400_000;
/** AIO renews its listener certificates 240 h before they expire. */
const RENEW_BEFORE_MS = 10 * DAY;

const b64 = (s: string) => Buffer.from(s).toString('base64');
const text = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/** A self-signed CA like AIO's quickstart root: valid `days` (a year by default) from an hour ago. */
export function createAioRoot(
  o: { days?: number; commonName?: string; notBefore?: Date } = {},
): Promise<TestCertificate> {
  const notBefore = o.notBefore ?? new Date(Date.now() - 3_600_000);
  return createTestCa(o.commonName ?? 'Azure IoT Operations Quickstart Root CA - Not for Production', {
    notBefore,
    notAfter: new Date(notBefore.getTime() + 3_600_000 + (o.days ?? 365) * DAY),
  });
}

/** A CA from its PEM certificate and PKCS#8 key (EC P-256), to issue with. */
async function loadCa(certPem: string, keyPem: string): Promise<TestCertificate> {
  const cert = new x509.X509Certificate(certPem);
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(keyPem),
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign'],
  );
  const publicKey = await cert.publicKey.export({ name: 'ECDSA', namedCurve: 'P-256' }, ['verify']);
  return {
    cert: certPem,
    key: keyPem,
    keys: { privateKey, publicKey } as webcrypto.CryptoKeyPair,
    x509: cert,
  };
}

/** The AIO root the cluster holds now (cert-manager's CA Secret). */
export async function currentAioRoot(sb: Sandbox): Promise<TestCertificate> {
  const s = sb.kube.store.get('secrets', AIO_CA_SECRET.namespace, AIO_CA_SECRET.name) as
    { data?: Record<string, string> } | undefined;
  if (!s?.data?.['tls.crt'] || !s.data['tls.key']) throw new Error('sandbox: the AIO CA Secret holds no CA');
  return loadCa(text(s.data['tls.crt']), text(s.data['tls.key']));
}

/** The server certificate the broker's Automatic TLS ports serve now. */
export function servedServerCert(sb: Sandbox): { cert: string; key: string } {
  return automaticTls(sb.kube) ?? sb.brokerServerCert;
}

/** Resolves once the broker's handshake presents `certPem` (on the X.509 port, else on the default 18883). */
async function brokerServes(sb: Sandbox, certPem: string, ca: string): Promise<void> {
  await sb.broker.settled();
  const served = sb.broker.servedPorts();
  const port = served.includes(BROKER_X509_PORT) ? BROKER_X509_PORT : served[0];
  const local = port === undefined ? undefined : sb.broker.localPort(port);
  if (local === undefined) return; // nothing served yet: the first port to open serves the Secret's certificate
  const wanted = new X509Certificate(certPem).fingerprint256;
  await until('the broker to serve the server certificate', async () => {
    const r = await readServerChain({
      host: '127.0.0.1',
      port: local,
      servername: 'aio-broker',
      caPem: ca,
      timeoutMs: 2000,
    });
    return r.reached && r.pems[0] !== undefined && new X509Certificate(r.pems[0]).fingerprint256 === wanted;
  });
}

export interface ServerCertOrder {
  /** Days of validity from `notBefore` (default 30: AIO's 720 h). */
  days?: number;
  /** Default an hour ago; in the future for a certificate not yet valid. */
  notBefore?: Date;
  /** Overrides `days`: in the past for an expired certificate. */
  notAfter?: Date;
  /** Default the cluster's AIO root; another CA makes a chain the trust bundle does not verify. */
  issuer?: TestCertificate;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const CERTIFICATES = `/apis/cert-manager.io/v1/namespaces/${AIO}/certificates`;

/** A request to the stand-in's API as its admin (cert-manager writes status through the status subresource). */
function kubeApi(sb: Sandbox, method: string, path: string, body: unknown): Promise<void> {
  const url = new URL(path, sb.kube.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: sb.kube.caPem,
        headers: { authorization: `Bearer ${sb.kube.adminToken}`, 'content-type': 'application/json' },
      },
      (res) => {
        let out = '';
        res.on('data', (d: Buffer) => (out += d.toString()));
        res.on('end', () =>
          (res.statusCode ?? 500) < 300
            ? resolve()
            : reject(new Error(`sandbox: ${method} ${path} answered ${res.statusCode}: ${out}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

type CertificateStatus = {
  notBefore?: string;
  notAfter?: string;
  renewalTime?: string;
  revision?: number;
  conditions: Array<Record<string, unknown>>;
};

const certificateOf = (sb: Sandbox): (KubeObject & { status?: CertificateStatus }) | undefined =>
  sb.kube.store.get('certificates.cert-manager.io', AIO, AUTOMATIC_TLS_SECRET);

/** The broker's Certificate: created (spec) when missing, then its status written as cert-manager writes it. */
async function writeCertificate(sb: Sandbox, status: CertificateStatus): Promise<void> {
  if (!certificateOf(sb)) await kubeApi(sb, 'POST', CERTIFICATES, certificateSpec());
  const cur = certificateOf(sb)!;
  const { resourceVersion: _rv, ...metadata } = cur.metadata;
  await kubeApi(sb, 'PUT', `${CERTIFICATES}/${AUTOMATIC_TLS_SECRET}/status`, { ...cur, metadata, status });
}

function certificateStatus(cert: X509Certificate, revision: number): CertificateStatus {
  const notAfter = new Date(cert.validTo);
  return {
    notBefore: iso(new Date(cert.validFrom)),
    notAfter: iso(notAfter),
    renewalTime: iso(new Date(notAfter.getTime() - RENEW_BEFORE_MS)),
    revision,
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Ready',
        message: 'Certificate is up to date and has not expired',
        lastTransitionTime: iso(new Date()),
        observedGeneration: 1,
      },
    ],
  };
}

function certificateSpec() {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: AUTOMATIC_TLS_SECRET, namespace: AIO },
    spec: {
      secretName: AUTOMATIC_TLS_SECRET,
      issuerRef: {
        name: 'azure-iot-operations-aio-certificate-issuer',
        kind: 'ClusterIssuer',
        group: 'cert-manager.io',
      },
      commonName: 'aio-broker',
      dnsNames: BROKER_DNS_NAMES,
      duration: '720h',
      renewBefore: '240h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['server auth'],
    },
  };
}

/** cert-manager issuing the broker's server certificate: its Secret and Certificate; the broker follows. */
export async function issueBrokerServerCert(sb: Sandbox, o: ServerCertOrder = {}): Promise<TestCertificate> {
  const issuer = o.issuer ?? (await currentAioRoot(sb));
  const notBefore = o.notBefore ?? new Date(Date.now() - 3_600_000);
  const server = await issueTestCert(issuer, {
    commonName: 'aio-broker',
    dnsNames: BROKER_DNS_NAMES,
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
    notBefore,
    notAfter: o.notAfter ?? new Date(notBefore.getTime() + 3_600_000 + (o.days ?? 30) * DAY),
  });
  sb.kube.store.put({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name: AUTOMATIC_TLS_SECRET,
      namespace: AIO,
      annotations: { 'cert-manager.io/certificate-name': AUTOMATIC_TLS_SECRET },
    },
    data: { 'tls.crt': b64(server.cert), 'tls.key': b64(server.key), 'ca.crt': b64(issuer.cert) },
  } as unknown as KubeObject);
  const revision = (certificateOf(sb)?.status?.revision ?? 0) + 1;
  await writeCertificate(sb, certificateStatus(new X509Certificate(server.cert), revision));
  await brokerServes(sb, server.cert, issuer.cert);
  return server;
}

export interface AioRotation {
  ca: TestCertificate;
  /** The re-issued server certificate (absent with keepServer). */
  server?: TestCertificate;
}

/**
 * A new AIO root: cert-manager's CA Secret replaced, trust-manager's bundle replaced (with `alsoTrust` beside
 * the new root), and unless `keepServer` the broker's server certificate re-issued from it (`serverDays`, 30).
 */
export async function rotateAioCa(
  sb: Sandbox,
  o: {
    ca?: TestCertificate;
    caDays?: number;
    commonName?: string;
    serverDays?: number;
    alsoTrust?: string[];
    keepServer?: boolean;
  } = {},
): Promise<AioRotation> {
  const ca =
    o.ca ??
    (await createAioRoot({
      ...(o.caDays ? { days: o.caDays } : {}),
      ...(o.commonName ? { commonName: o.commonName } : {}),
    }));
  const secret = sb.kube.store.get('secrets', AIO_CA_SECRET.namespace, AIO_CA_SECRET.name)!;
  sb.kube.store.put({
    ...secret,
    data: { 'ca.crt': b64(ca.cert), 'tls.crt': b64(ca.cert), 'tls.key': b64(ca.key) },
  } as KubeObject);
  const bundle = sb.kube.store.get('configmaps', AIO, TRUST_BUNDLE)!;
  sb.kube.store.put({
    ...bundle,
    data: { 'ca.crt': [ca.cert, ...(o.alsoTrust ?? [])].join('\n') },
  } as KubeObject);
  if (o.keepServer) {
    await sb.broker.settled();
    return { ca };
  }
  const server = await issueBrokerServerCert(sb, { issuer: ca, days: o.serverDays ?? 30 });
  return { ca, server };
}

/** cert-manager failing to renew the broker's certificate: Ready False, and (optionally) a renewal time passed. */
export async function setBrokerCertificateStatus(
  sb: Sandbox,
  o: { ready: boolean; reason?: string; message?: string; renewalTime?: Date },
): Promise<void> {
  const cur = certificateOf(sb)?.status;
  if (!cur)
    throw new Error('sandbox: no broker Certificate yet (issueBrokerServerCert or rotateAioCa first)');
  const ready = {
    type: 'Ready',
    status: o.ready ? 'True' : 'False',
    reason: o.reason ?? (o.ready ? 'Ready' : 'Failed'),
    message:
      o.message ??
      (o.ready
        ? 'Certificate is up to date and has not expired'
        : 'The certificate request has failed to complete and will be retried'),
    lastTransitionTime: iso(new Date()),
  };
  await writeCertificate(sb, {
    ...cur,
    ...(o.renewalTime ? { renewalTime: iso(o.renewalTime) } : {}),
    conditions: [ready],
  });
}
