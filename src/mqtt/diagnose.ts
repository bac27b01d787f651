// Turns a failed MQTT-over-TLS connection into a cause a user can act on: which layer failed, what was
// expected, what was presented, and what to change.
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';

export type FailureKind =
  | 'tcp-unreachable'
  | 'tls-server-untrusted'
  | 'tls-server-name'
  | 'client-cert-rejected'
  | 'client-cert-expired'
  | 'client-chain-incomplete'
  | 'not-authorized'
  | 'no-data'
  | 'timeout'
  | 'cancelled';

/** A failed probe: which layer (`kind`), what happened (`problem`), what to change (`fix`). */
export class ProbeFailure extends Error {
  override name = 'ProbeFailure';
  constructor(
    readonly kind: FailureKind,
    readonly problem: string,
    readonly fix: string,
    /** What the probe measured before it failed, when it got that far. */
    readonly report?: unknown,
  ) {
    super(`${problem}. Fix: ${fix}`);
  }
}

export interface TlsTarget {
  host: string;
  port: number;
  servername: string;
  /** What we trust for the server: the AIO CA bundle. */
  caPem: string;
  /** The client chain (leaf first) and key. */
  certPem: string;
  keyPem: string;
  /** How the target was reached, for messages ("port-forward to Service azure-iot-operations/aio-broker:18884"). */
  via: string;
}

/** MQTT 5 / 3.1.1 CONNACK, SUBACK and PUBACK codes that mean "not allowed". */
export const NOT_AUTHORIZED: Record<number, string> = {
  0x04: 'bad user name or password (MQTT 3.1.1)',
  0x05: 'not authorized (MQTT 3.1.1)',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x8a: 'banned',
  0x8c: 'bad authentication method',
  0x97: 'quota exceeded',
};

const fingerprints = (bundle: string): string[] =>
  (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (p) =>
      `${new X509Certificate(p).subject.replace(/\n/g, ', ')} (${new X509Certificate(p).fingerprint256.slice(0, 23)}...)`,
  );

/** The certificate the server presents, read without trusting it, to say what was presented. */
export function presentedCertificate(t: TlsTarget, timeoutMs = 3000): Promise<PeerCertificate | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host: t.host,
      port: t.port,
      servername: t.servername,
      rejectUnauthorized: false,
    });
    const done = (c?: PeerCertificate): void => {
      socket.destroy();
      resolve(c);
    };
    socket.setTimeout(timeoutMs, () => done());
    socket.once('secureConnect', () => done(socket.getPeerCertificate(true)));
    socket.once('error', () => done());
  });
}

const isCa = (pem: string): boolean => new X509Certificate(pem).ca;

export async function diagnoseConnectError(e: unknown, t: TlsTarget): Promise<ProbeFailure> {
  const err = e as NodeJS.ErrnoException & { code?: string | number };
  const code = String(err.code ?? '');
  const at = `${t.host}:${t.port} (${t.via})`;
  if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) {
    return new ProbeFailure(
      'tcp-unreachable',
      `smoke: cannot open a TCP connection to the broker at ${at}: ${code}`,
      'check that the broker listener has the X.509 port (authpolicy stage, broker-port) and that the runner can reach it (smoke-broker-address, or the port-forward to Service aio-broker)',
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const c = await presentedCertificate(t);
    return new ProbeFailure(
      'tls-server-name',
      `smoke: the broker's certificate does not name '${t.servername}' (it names ${c?.subjectaltname ?? 'nothing'})`,
      'set tls-server-name to one of the names in the broker certificate',
    );
  }
  if (
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'UNABLE_TO_GET_ISSUER_CERT',
      'CERT_SIGNATURE_FAILURE',
    ].includes(code)
  ) {
    const c = await presentedCertificate(t);
    const issuer = c?.issuer
      ? Object.entries(c.issuer)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(', ')
      : 'unknown';
    return new ProbeFailure(
      'tls-server-untrusted',
      `smoke: the broker's TLS certificate is not trusted (${code}): it was issued by '${issuer}' (fingerprint ${c?.fingerprint256?.slice(0, 23) ?? '?'}...), but the AIO CA bundle expected is ${fingerprints(t.caPem).join(' + ') || 'empty'}`,
      'if AIO rotated its CA, re-run the certs stage so the new broker CA is recorded, then the connector stage; otherwise check broker-ca-configmap',
    );
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return new ProbeFailure(
      'tls-server-untrusted',
      `smoke: the broker's TLS certificate has expired (${at})`,
      "AIO's cert-manager renews broker certificates: check the cert-manager and trust-manager pods",
    );
  }
  const text = `${code} ${err.message ?? ''}`;
  if (/CERTIFICATE_EXPIRED|certificate expired/i.test(text)) {
    return new ProbeFailure(
      'client-cert-expired',
      'smoke: the broker refused the client certificate because it has expired',
      'run the certs stage: it re-issues the client certificate, and the connector stage gives it to Litmus Edge',
    );
  }
  if (/UNKNOWN_CA|unknown ca|BAD_CERTIFICATE|CERTIFICATE_REQUIRED|certificate required/i.test(text)) {
    const chain = t.certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (chain.length < 2 || !chain.slice(1).some(isCa)) {
      return new ProbeFailure(
        'client-chain-incomplete',
        'smoke: the broker refused the client certificate: the chain presented is only the leaf, without its intermediate CA',
        "present leaf + intermediate (the certs stage stores them together in the Secret's tls.crt)",
      );
    }
    return new ProbeFailure(
      'client-cert-rejected',
      `smoke: the broker refused the client certificate (${code || 'TLS alert'}): its CA is not the one the BrokerAuthentication trusts`,
      'check that trusted-ca-configmap holds the root of the client chain (re-run certs + authpolicy), and that the port uses that BrokerAuthentication',
    );
  }
  return new ProbeFailure(
    'timeout',
    `smoke: connection to ${at} failed: ${code ? `${code} ` : ''}${err.message ?? String(e)}`,
    'check the broker logs and the listener configuration',
  );
}
