// Makes the real mosquitto behave like the AIO broker's X.509 port: whatever the BrokerListener/
// BrokerAuthentication/BrokerAuthorization/ConfigMap in the Kubernetes stand-in say, mosquitto enforces. No port entry with an
// X.509 authentication -> mosquitto is stopped (connections refused); a trusted CA change -> mosquitto trusts
// exactly the new ConfigMap content. Changes are applied one at a time; `settled()` waits for the last one.
// Like AIO, the mirror applies a change some time after it is stored (`reconcileDelayMs`, varied per change), so
// the product's waiting is tested against a broker that lags, as real ones do.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeObject, KubeSandbox } from '../kube-apiserver/index.js';
import { startMosquitto, type MosquittoPeer } from '../peers/mosquitto.js';
import type { TestCertificate } from '../test-pki.js';

const AIO = 'azure-iot-operations';

interface ListenerObj extends KubeObject {
  spec?: { ports?: Array<{ port: number; authenticationRef?: string; authorizationRef?: string }> };
}
interface AuthnObj extends KubeObject {
  spec?: {
    authenticationMethods?: Array<{
      method: string;
      x509Settings?: {
        trustedClientCaCert?: string;
        authorizationAttributes?: Record<string, { subject: string; attributes: Record<string, string> }>;
      };
    }>;
  };
}
interface AuthzObj extends KubeObject {
  spec?: {
    authorizationPolicies?: {
      rules?: Array<{
        principals?: { attributes?: Array<Record<string, string>>; usernames?: string[] };
        brokerResources?: Array<{ method: string; topics?: string[] }>;
      }>;
    };
  };
}

/**
 * The port's BrokerAuthorization as a mosquitto ACL, or undefined when the port has none (all allowed).
 * Principals are matched by the X.509 attributes the BrokerAuthentication gives a certificate subject; a
 * subject's CN is the mosquitto user (use_identity_as_username). Intermediate-CA attribute inheritance is not
 * modelled: only the subjects named in authorizationAttributes become users.
 */
export function effectiveAcl(kube: KubeSandbox, port: number): string | undefined {
  const listeners = kube.store.list('brokerlisteners', AIO) as ListenerObj[];
  const entry = listeners.flatMap((l) => l.spec?.ports ?? []).find((p) => p.port === port);
  if (!entry?.authorizationRef) return undefined;
  const authz = kube.store.get('brokerauthorizations', AIO, entry.authorizationRef) as AuthzObj | undefined;
  const authn = entry.authenticationRef
    ? (kube.store.get('brokerauthentications', AIO, entry.authenticationRef) as AuthnObj | undefined)
    : undefined;
  const attributes = Object.values(
    authn?.spec?.authenticationMethods?.find((m) => m.method === 'X509')?.x509Settings
      ?.authorizationAttributes ?? {},
  );
  const lines: string[] = [];
  for (const rule of authz?.spec?.authorizationPolicies?.rules ?? []) {
    const users = new Set(rule.principals?.usernames ?? []);
    for (const wanted of rule.principals?.attributes ?? []) {
      for (const a of attributes) {
        if (Object.entries(wanted).every(([k, v]) => a.attributes[k] === v)) {
          const cn = /CN\s*=\s*([^,]+)/.exec(a.subject)?.[1]?.trim();
          if (cn) users.add(cn);
        }
      }
    }
    for (const user of users) {
      lines.push(`user ${user}`);
      for (const r of rule.brokerResources ?? []) {
        const access = r.method === 'Publish' ? 'write' : r.method === 'Subscribe' ? 'read' : undefined;
        if (access) for (const t of r.topics ?? []) lines.push(`topic ${access} ${t}`);
      }
    }
  }
  // No matching rule: an empty ACL denies everything, as AIO does for a port with authorization.
  return `${lines.join('\n')}\n`;
}
interface ConfigMapObj extends KubeObject {
  data?: Record<string, string>;
}

/** The client CA the broker would enforce on `port`, or undefined when the port is not an X.509 port. */
export function effectiveClientCa(kube: KubeSandbox, port: number): string | undefined {
  const listeners = kube.store.list('brokerlisteners', AIO) as ListenerObj[];
  const entry = listeners.flatMap((l) => l.spec?.ports ?? []).find((p) => p.port === port);
  if (!entry?.authenticationRef) return undefined;
  const authn = kube.store.get('brokerauthentications', AIO, entry.authenticationRef) as AuthnObj | undefined;
  const x509 = authn?.spec?.authenticationMethods?.find((m) => m.method === 'X509');
  const cmName = x509?.x509Settings?.trustedClientCaCert;
  if (!cmName) return undefined;
  const cm = kube.store.get('configmaps', AIO, cmName) as ConfigMapObj | undefined;
  // AIO reads client_ca.pem from the trusted-CA ConfigMap.
  return cm?.data?.['client_ca.pem'];
}

export interface BrokerMirror {
  /** Where mosquitto listens (fixed for the sandbox's life, so port-forwards keep their target). */
  readonly host: string;
  readonly port: number;
  /** The CA mosquitto currently trusts (undefined: not running). */
  current(): string | undefined;
  /** Resolves once every change seen so far has been applied to mosquitto. */
  settled(): Promise<void>;
  mosquitto(): MosquittoPeer | undefined;
  stop(): Promise<void>;
}

/** How long after a change the broker follows it: a fixed delay, or a range from which each change draws one. */
export type ReconcileDelay = number | { minMs: number; maxMs: number };

export function drawDelay(d: ReconcileDelay | undefined, random: () => number = Math.random): number {
  if (d === undefined) return 0;
  if (typeof d === 'number') return d;
  return Math.round(d.minMs + random() * (d.maxMs - d.minMs));
}

export async function startBrokerMirror(
  kube: KubeSandbox,
  o: {
    serverCert: TestCertificate;
    x509Port: number;
    listenPort: number;
    /** Delay between a change in the cluster and the broker following it; default none. */
    reconcileDelayMs?: ReconcileDelay;
  },
): Promise<BrokerMirror> {
  let peer: MosquittoPeer | undefined;
  let trusted: string | undefined;
  let acl: string | undefined;
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  const reconcile = async (): Promise<void> => {
    if (stopped) return;
    const want = effectiveClientCa(kube, o.x509Port);
    const wantAcl = want === undefined ? undefined : effectiveAcl(kube, o.x509Port);
    if (want === trusted && wantAcl === acl) return;
    if (want === undefined) {
      await peer?.stop();
      peer = undefined;
    } else if (!peer) {
      peer = await startMosquitto({
        serverCert: o.serverCert,
        clientCaPem: want,
        port: o.listenPort,
        ...(wantAcl !== undefined ? { acl: wantAcl } : {}),
      });
    } else {
      if (want !== trusted) await peer.setClientCa(want);
      if (wantAcl !== acl) await peer.setAcl(wantAcl);
    }
    trusted = want;
    acl = wantAcl;
  };
  // Changes that arrive while one is queued are picked up by that one (it reads the state when it runs).
  let queued = false;
  const schedule = (): void => {
    if (queued) return;
    queued = true;
    const wait = drawDelay(o.reconcileDelayMs);
    const run = async (): Promise<void> => {
      if (wait > 0 && !stopped) await delay(wait);
      queued = false;
      await reconcile();
    };
    chain = chain.then(run, run);
  };
  const unsubscribe = kube.store.onChange((e) => {
    const watched = ['brokerlisteners', 'brokerauthentications', 'brokerauthorizations', 'configmaps'];
    if (watched.includes(e.resource.resource)) schedule();
  });
  chain = reconcile(); // the cluster as found: already applied
  await chain;
  return {
    host: '127.0.0.1',
    port: o.listenPort,
    current: () => trusted,
    settled: () => chain,
    mosquitto: () => peer,
    async stop() {
      stopped = true;
      unsubscribe();
      await chain.catch(() => undefined);
      await peer?.stop();
    },
  };
}
