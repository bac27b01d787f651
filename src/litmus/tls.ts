// How the adapter trusts Litmus Edge's HTTPS certificate, which is self-signed by default (docs.litmus.io,
// System > Network > Certificates: "a self-signed certificate is automatically created"). Two ways, never a silent
// "insecure":
// - `ca`: the certificate must chain to the PEM the user gave (litmus-edge-ca); the host name is checked when the
//   user named a host (a port-forward reaches the Service through the authenticated Kubernetes API instead).
// - `pin`: the certificate's SHA-256 must equal the recorded pin; without a pin, the first certificate seen is the
//   pin (trust on first use) and every later connection of this run must present the same one.
// The check runs in the agent's createConnection, after the TLS handshake and before the socket is handed to
// HTTP: when it fails, not one byte (so no token) reaches the server.
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { isIP } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { LitmusTlsError } from './errors.js';

export type TlsTrust =
  | { kind: 'ca'; ca: string; checkHostname: boolean }
  | {
      kind: 'pin';
      /** The recorded pin (SHA-256, any case, colons optional); undefined: trust on first use. */
      sha256?: string;
      /** Where the pin is recorded, for the refusal's fix (e.g. "Secret litmus-edge/x key pins.json"). */
      recordedIn: string;
    };

export interface TlsTarget {
  /** Where to connect (a port-forward's 127.0.0.1:port, or the URL's host). */
  host: string;
  port: number;
  /** SNI and, in ca mode with checkHostname, the name checked against the certificate. */
  servername: string;
  /** For messages. */
  where: string;
}

export interface SecureAgent {
  agent: https.Agent;
  /** SHA-256 (AB:CD:... form) of the certificate Litmus Edge presented, once a connection was made. */
  observed(): string | undefined;
  destroy(): void;
}

export const normalizePin = (s: string): string => s.replace(/[^0-9a-f]/gi, '').toLowerCase();

/** The AB:CD:... form Node and openssl print. */
export const formatPin = (s: string): string => (normalizePin(s).match(/../g) ?? []).join(':').toUpperCase();

function pinRefusal(t: TlsTarget, seen: string, expected: string, recordedIn: string): LitmusTlsError {
  return new LitmusTlsError(
    `Litmus Edge at ${t.where} presented a TLS certificate with SHA-256 ${formatPin(seen)}, not the one pinned on first use (${formatPin(expected)}, recorded in ${recordedIn}); nothing was sent to it. Fix: if its certificate was replaced on purpose (a device certificate uploaded, or a new self-signed one), remove that pin from ${recordedIn} or give the certificate's CA in litmus-edge-ca; otherwise find out who answers at that address`,
  );
}

function caRefusal(t: TlsTarget, e: Error): LitmusTlsError {
  const code = (e as NodeJS.ErrnoException).code ?? e.message;
  return new LitmusTlsError(
    `Litmus Edge at ${t.where}: its TLS certificate was not accepted with litmus-edge-ca (${code}); nothing was sent to it. Fix: give in litmus-edge-ca the CA that issued Litmus Edge's certificate (for the default self-signed certificate, omit litmus-edge-ca: its SHA-256 is then pinned on first use)`,
  );
}

function connectOptions(trust: TlsTrust, t: TlsTarget): tls.ConnectionOptions {
  const sni = isIP(t.servername) ? {} : { servername: t.servername };
  if (trust.kind === 'pin') return { host: t.host, port: t.port, ...sni, rejectUnauthorized: false };
  return {
    host: t.host,
    port: t.port,
    ...sni,
    ca: trust.ca,
    rejectUnauthorized: true,
    checkServerIdentity: trust.checkHostname
      ? (_host, cert) => tls.checkServerIdentity(t.servername, cert)
      : () => undefined,
  };
}

/** An https.Agent whose every connection is verified as `trust` says before any request is written. */
export function secureAgent(trust: TlsTrust, t: TlsTarget): SecureAgent {
  let first: string | undefined;
  const expected = trust.kind === 'pin' && trust.sha256 ? normalizePin(trust.sha256) : undefined;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  const verify = (socket: TLSSocket): Error | undefined => {
    const cert = socket.getPeerX509Certificate();
    if (!cert) return new LitmusTlsError(`Litmus Edge at ${t.where} presented no TLS certificate`);
    const seen = normalizePin(cert.fingerprint256);
    first ??= seen;
    if (trust.kind !== 'pin') return undefined;
    // Without a recorded pin, the first certificate of this run is the pin: a switch mid-run is refused too.
    const want = expected ?? first;
    return seen === want ? undefined : pinRefusal(t, seen, want, trust.recordedIn);
  };
  // Node's Agent accepts a socket through this callback (createConnection(options, callback)).
  (agent as unknown as { createConnection: unknown }).createConnection = (
    _o: unknown,
    cb: (e: Error | null, s?: TLSSocket) => void,
  ): undefined => {
    let done = false;
    const finish = (e: Error | null, s?: TLSSocket): void => {
      if (done) return;
      done = true;
      cb(e, s);
    };
    const socket = tls.connect(connectOptions(trust, t));
    socket.once('secureConnect', () => {
      const problem = verify(socket);
      if (problem) {
        socket.destroy();
        finish(problem);
      } else finish(null, socket);
    });
    socket.once('error', (e) => finish(trust.kind === 'ca' && isVerifyError(e) ? caRefusal(t, e) : e));
    return undefined;
  };
  return {
    agent,
    observed: () => (first ? formatPin(first) : undefined),
    destroy: () => agent.destroy(),
  };
}

const isVerifyError = (e: Error): boolean =>
  /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS_CERT_ALTNAME|HOSTNAME/i.test(
    String((e as NodeJS.ErrnoException).code ?? ''),
  );

/** SHA-256 of a PEM certificate in the AB:CD:... form, or undefined when it does not parse. */
export function certificateSha256(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return undefined;
  }
}
