// The broker's live server chain, from a real TLS handshake on its X.509 port, and whether OpenSSL verifies it
// (chain and host name) against the AIO trust bundle. Verification never decides whether the chain is read:
// with rejectUnauthorized off, Node still reports the verdict (authorized, authorizationError).
// The port asks for a client certificate. Under TLS 1.3 the server's chain arrives before the client's is
// checked, so the first attempt presents none; a server that refuses that before its chain is seen (TLS 1.2) is
// asked again with our client chain, as Litmus Edge connects.
import { X509Certificate } from 'node:crypto';
import { connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';

export interface TlsTarget {
  host: string;
  port: number;
  servername: string;
  /** The trust bundle the chain is verified against. */
  caPem: string;
  client?: { certPem: string; keyPem: string };
  timeoutMs: number;
  signal?: AbortSignal;
}

export type LiveChain =
  | { reached: true; pems: string[]; authorized: boolean; authorizationError?: string; protocol?: string }
  | { reached: false; problem: string };

/** The chain as the peer sent it (leaf first), each certificate once. */
function chainPems(socket: TLSSocket): string[] {
  const pems: string[] = [];
  const seen = new Set<string>();
  let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    pems.push(new X509Certificate(c.raw).toString());
    c = c.issuerCertificate;
  }
  return pems;
}

function attempt(t: TlsTarget, withClient: boolean): Promise<LiveChain> {
  return new Promise((resolve) => {
    const socket = connect({
      host: t.host,
      port: t.port,
      servername: t.servername,
      ca: t.caPem,
      rejectUnauthorized: false,
      ...(withClient && t.client ? { cert: t.client.certPem, key: t.client.keyPem } : {}),
    });
    let settled = false;
    const finish = (r: LiveChain): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      t.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = (): void => finish({ reached: false, problem: 'cancelled' });
    const timer = setTimeout(
      () => finish({ reached: false, problem: `no TLS handshake within ${t.timeoutMs} ms` }),
      t.timeoutMs,
    );
    t.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const err = socket.authorizationError as Error | string | null | undefined;
      finish({
        reached: true,
        pems: chainPems(socket),
        authorized: socket.authorized,
        ...(err ? { authorizationError: typeof err === 'string' ? err : (err.message ?? String(err)) } : {}),
        ...(socket.getProtocol() ? { protocol: socket.getProtocol()! } : {}),
      });
    });
    // After the chain is read, the server's refusal of a missing client certificate is expected and ignored.
    socket.on('error', (e: NodeJS.ErrnoException) =>
      finish({ reached: false, problem: `${e.code ? `${e.code}: ` : ''}${e.message}` }),
    );
  });
}

export async function readServerChain(t: TlsTarget): Promise<LiveChain> {
  const first = await attempt(t, false);
  if (first.reached || !t.client || t.signal?.aborted) return first;
  const second = await attempt(t, true);
  return second.reached ? second : first;
}
