// Why a request to the API server got no HTTP answer, in words a user can act on: the cause (from the error's
// code, found anywhere in its `cause` chain: fetch wraps it), the server, and the fix. Pure.

export interface ConnectionFailure {
  /** The error code, e.g. ECONNREFUSED or UNABLE_TO_VERIFY_LEAF_SIGNATURE ('' when there is none). */
  code: string;
  /** "connection refused by https://10.0.0.4:6443 (ECONNREFUSED)" */
  problem: string;
  fix: string;
}

const ADDRESS_FIX = 'the server address in the kubeconfig';

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

const TIMEOUTS = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ESOCKETTIMEDOUT',
]);

const CLOSED = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);

/** The first error code in e and its causes. */
export function errorCode(e: unknown): string {
  for (let c: unknown = e, depth = 0; c && depth < 8; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return '';
}

export function connectionFailure(e: unknown, server: string): ConnectionFailure {
  const code = errorCode(e);
  const tag = code ? ` (${code})` : '';
  if (code === 'ECONNREFUSED')
    return {
      code,
      problem: `connection refused by ${server}${tag}: nothing listens there (the API server is down, restarting or at another address)`,
      fix: `check that the cluster's API server is running and that ${ADDRESS_FIX} is right (kubectl --kubeconfig <file> cluster-info); if it was restarting, run again`,
    };
  if (CLOSED.has(code))
    return {
      code,
      problem: `the connection to ${server} was closed before it answered${tag}: the API server, or a proxy or VPN on the way, went away`,
      fix: 'check that the API server (and the Arc proxy, VPN or load balancer in front of it) is up, then run again',
    };
  if (TIMEOUTS.has(code))
    return {
      code,
      problem: `no answer from ${server} in time${tag}`,
      fix: 'check the network path to the API server (VPN, Arc proxy, firewall) and that the server address is reachable from this runner',
    };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return {
      code,
      problem: `the host name of ${server} does not resolve${tag}`,
      fix: `check ${ADDRESS_FIX} and this runner's DNS (a private cluster name needs the private DNS zone or a VPN)`,
    };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return {
      code,
      problem: `no network route to ${server}${tag}`,
      fix: 'run where the cluster network is reachable (a self-hosted runner, a VPN) or use cluster-access: arc',
    };
  if (UNTRUSTED.has(code))
    return {
      code,
      problem: `the server's certificate at ${server} is not trusted by the kubeconfig's certificate-authority${tag}: it is signed by another CA than the one the kubeconfig names, or the kubeconfig points at another server`,
      fix: "set the cluster's certificate-authority-data to base64 of the CA that signed the API server certificate (kubectl config view --raw --minify --flatten on a machine that reaches this cluster prints it); do not switch off verification",
    };
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return {
      code,
      problem: `the server's certificate at ${server} is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not valid yet'}${tag}`,
      fix: "renew the API server's certificate (or correct this runner's clock)",
    };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return {
      code,
      problem: `the server's certificate does not name the host in ${server}${tag}`,
      fix: "use a server address the certificate names, or set tls-server-name in the kubeconfig's cluster to a name it does",
    };
  if (code.startsWith('ERR_SSL') || code.startsWith('EPROTO'))
    return {
      code,
      problem: `the TLS handshake with ${server} failed${tag}: the address may not be an https API server`,
      fix: `check ${ADDRESS_FIX} (scheme and port)`,
    };
  return {
    code,
    problem: `cannot connect to ${server}${tag || `: ${innermost(e)}`}`,
    fix: `check that the cluster is running and that ${ADDRESS_FIX} is right`,
  };
}

function innermost(e: unknown): string {
  let c = e;
  for (let d = 0; d < 8 && (c as { cause?: unknown })?.cause; d++) c = (c as { cause: unknown }).cause;
  return c instanceof Error ? c.message : String(c);
}
