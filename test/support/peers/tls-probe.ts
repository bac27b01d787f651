// Why a TLS server refused a client certificate, seen from the client: connect, send nothing, and wait for the
// server's alert. A client that writes right after its handshake (as MQTT clients do with CONNECT) races the
// server's close and may see only a reset; one that writes nothing reads the alert.
import { connect } from 'node:tls';
import type { SecureVersion } from 'node:tls';

export interface TlsProbeOptions {
  host: string;
  port: number;
  /** CA(s) that verify the server. */
  ca: string;
  /** Client certificate chain (PEM, leaf first) and key; omit both to present none. */
  cert?: string;
  key?: string;
  servername?: string;
  maxVersion?: SecureVersion;
  /** How long to wait for a verdict; default 5 s. */
  timeoutMs?: number;
}

export type TlsProbeResult =
  /** The server sent an alert (e.g. code ERR_SSL_TLSV1_ALERT_UNKNOWN_CA) or the connection failed otherwise. */
  | { refused: true; code: string; message: string }
  /**
   * The server accepted the client certificate: TLS 1.2 handshake done (the server checks the certificate inside
   * it), or for TLS 1.3 a session ticket arrived (OpenSSL servers such as mosquitto send one once the client's
   * certificate passed). A TLS 1.3 server that sends no tickets would time out here as ETIMEDOUT.
   */
  | { refused: false; protocol: string };

export function probeTls(o: TlsProbeOptions): Promise<TlsProbeResult> {
  return new Promise((resolveProbe) => {
    let done = false;
    const socket = connect({
      host: o.host,
      port: o.port,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      servername: o.servername,
      maxVersion: o.maxVersion,
    });
    const finish = (r: TlsProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(overall);
      socket.destroy();
      resolveProbe(r);
    };
    const overall = setTimeout(
      () => finish({ refused: true, code: 'ETIMEDOUT', message: 'no TLS handshake within the deadline' }),
      o.timeoutMs ?? 5_000,
    );
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish({ refused: true, code: err.code ?? 'ERR', message: err.message }),
    );
    socket.once('close', () =>
      finish({ refused: true, code: 'ECLOSED', message: 'closed without an alert' }),
    );
    // TLS 1.3: the server checks the client certificate after the client's handshake is done, and says so with
    // an alert, or (OpenSSL) with a session ticket once it accepted the certificate.
    socket.once('session', () => finish({ refused: false, protocol: socket.getProtocol() ?? '?' }));
    socket.once('secureConnect', () => {
      const protocol = socket.getProtocol() ?? '?';
      if (protocol !== 'TLSv1.3') finish({ refused: false, protocol });
    });
  });
}
