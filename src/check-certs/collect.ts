// Everything check-certs reads, as found: the client Secret, the trusted-client-CA bundle, the AIO trust bundle,
// the broker's live chain, cert-manager's Certificates, the Litmus Edge integration. Read-only, and forgiving:
// a part that cannot be read is recorded with why, and the rest is still read.
import { describeRef, type KubeClient, type KubeObject } from '../kube/kube-client.js';
import { readState, type PkiState, type SecretObject } from '../stages/certs/secret-layout.js';
import { ROOTS_ANNOTATION } from '../stages/certs/trust-bundle.js';
import type { LitmusIntegration, LitmusIntegrationState } from './litmus-port.js';
import type { CertManagerStatus } from './model.js';
import type { CheckCertsSettings } from './settings.js';
import { readServerChain, type LiveChain } from './tls-chain.js';

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

/** `unread`: reading it failed (the error is in `errors`), so its absence says nothing. */
export interface Collected {
  client: { where: string; unread: boolean; state?: PkiState };
  trusted: { where: string; unread: boolean; exists: boolean; text?: string; claims?: string };
  aio: { where: string; unread: boolean; text?: string };
  server: { via: string; chain: LiveChain };
  certManager: CertManagerStatus[] | { unreadable: string };
  litmus:
    | { configured: false }
    | { configured: true; where: string; state?: LitmusIntegrationState; problem?: string };
  errors: string[];
}

export interface CollectPorts {
  kube: KubeClient;
  litmus?: LitmusIntegration;
  mask(secret: string): void;
  signal: AbortSignal;
  /** TLS handshake deadline. */
  handshakeTimeoutMs?: number;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

interface CertificateObject extends KubeObject {
  spec?: { secretName?: string };
  status?: {
    notAfter?: string;
    renewalTime?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

/** cert-manager's Certificates in the AIO namespace; when the API is not served or not readable, why. */
async function readCertManager(kube: KubeClient, namespace: string): Promise<Collected['certManager']> {
  try {
    const items = await kube.list<CertificateObject>({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      namespace,
    });
    return items.map((c) => {
      const ready = c.status?.conditions?.find((x) => x.type === 'Ready');
      return {
        name: c.metadata.name,
        namespace,
        ...(c.spec?.secretName ? { secretName: c.spec.secretName } : {}),
        ...(c.status?.notAfter ? { notAfter: c.status.notAfter } : {}),
        ...(c.status?.renewalTime ? { renewalTime: c.status.renewalTime } : {}),
        ...(ready ? { ready: ready.status === 'True' } : {}),
        ...(ready?.reason ? { reason: ready.reason } : {}),
        ...(ready?.message ? { message: ready.message } : {}),
      };
    });
  } catch (e) {
    return { unreadable: `cert-manager Certificates in ${namespace} not readable: ${message(e)}` };
  }
}

async function readLitmus(p: CollectPorts): Promise<Collected['litmus']> {
  if (!p.litmus) return { configured: false };
  try {
    const state = await p.litmus.read(p.signal);
    return state
      ? { configured: true, where: p.litmus.where, state }
      : { configured: true, where: p.litmus.where, problem: 'the integration does not exist' };
  } catch (e) {
    return { configured: true, where: p.litmus.where, problem: message(e) };
  }
}

/** The broker's chain on its X.509 port, directly or through a port-forward of its Service. */
async function readServer(
  p: CollectPorts,
  s: CheckCertsSettings,
  caPem: string | undefined,
  client: PkiState | undefined,
): Promise<Collected['server']> {
  const svc = s.broker.service;
  const via = s.broker.direct
    ? `direct ${s.broker.direct.host}:${s.broker.direct.port}`
    : `port-forward to Service ${svc.namespace}/${svc.name}:${svc.port}`;
  let forward;
  try {
    forward = s.broker.direct
      ? undefined
      : await p.kube.forwardServicePort(svc.namespace, svc.name, svc.port);
    const at = s.broker.direct ?? { host: forward!.host, port: forward!.port };
    const chain = await readServerChain({
      ...at,
      servername: s.serverName,
      caPem: caPem ?? '',
      ...(client?.leafCert && client.leafKey && client.intermediateCert
        ? { client: { certPem: client.leafCert + client.intermediateCert, keyPem: client.leafKey } }
        : {}),
      timeoutMs: p.handshakeTimeoutMs ?? 10_000,
      signal: p.signal,
    });
    const tunnel = forward?.errors().at(-1);
    return {
      via,
      chain: !chain.reached && tunnel ? { ...chain, problem: `${chain.problem}; ${tunnel}` } : chain,
    };
  } catch (e) {
    return { via, chain: { reached: false, problem: message(e) } };
  } finally {
    await forward?.close();
  }
}

export async function collect(p: CollectPorts, s: CheckCertsSettings): Promise<Collected> {
  const { clientSecret, trustedCa, brokerCa } = s.refs;
  const errors: string[] = [];
  const unread = new Set<string>();
  const read = async <T>(what: string, get: Promise<T>): Promise<T | undefined> => {
    try {
      return await get;
    } catch (e) {
      unread.add(what);
      if (!errors.includes(message(e))) errors.push(message(e));
      return undefined;
    }
  };
  const [secret, trusted, aio] = await Promise.all([
    read('client', p.kube.get<SecretObject>(clientSecret)),
    read('trusted', p.kube.get<ConfigMapObject>(trustedCa)),
    read('aio', p.kube.get<ConfigMapObject>(brokerCa)),
  ]);
  const state = secret ? readState(secret) : undefined;
  if (state?.leafKey) p.mask(state.leafKey);
  const aioText = aio?.data?.[s.brokerKey];
  const [server, certManager, litmus] = await Promise.all([
    readServer(p, s, aioText, state),
    readCertManager(p.kube, s.aioNamespace),
    readLitmus(p),
  ]);
  return {
    client: { where: describeRef(clientSecret), unread: unread.has('client'), ...(state ? { state } : {}) },
    trusted: {
      where: `${describeRef(trustedCa)} key ${s.trustedKey}`,
      unread: unread.has('trusted'),
      exists: trusted !== undefined,
      ...(trusted?.data?.[s.trustedKey] !== undefined ? { text: trusted.data[s.trustedKey] } : {}),
      ...(trusted?.metadata.annotations?.[ROOTS_ANNOTATION]
        ? { claims: trusted.metadata.annotations[ROOTS_ANNOTATION] }
        : {}),
    },
    aio: {
      where: `${describeRef(brokerCa)} key ${s.brokerKey}`,
      unread: unread.has('aio'),
      ...(aioText ? { text: aioText } : {}),
    },
    server,
    certManager,
    litmus,
    errors,
  };
}
