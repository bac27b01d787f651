// Makes real mosquitto processes behave like the AIO broker: whatever the Broker/BrokerListener/
// BrokerAuthentication/BrokerAuthorization/ConfigMap/Secret objects in the Kubernetes stand-in say, the sandbox serves.
//
// - Every port entry of every BrokerListener whose `brokerRef` names an existing Broker is served, on a local port
//   fixed for the sandbox's life (so port-forward targets never move): one mosquitto per broker port (see
//   port-server.ts), so changing one port restarts only that one. A port whose entry goes away is closed.
// - `tls` (Automatic: the sandbox's broker server certificate, or the one cert-manager wrote, see automatic-tls.ts;
//   Manual: the named Secret's tls.crt/tls.key) makes the port TLS; X.509 authentication makes it require a client
//   certificate chaining to the trusted-CA ConfigMap's client_ca.pem, the CN being the user its
//   BrokerAuthorization (ACL) speaks of.
// - Refused like AIO's validation refuses them, and therefore not opened: an X.509 port without `tls` (AIO: X.509
//   needs TLS), a second entry for a port already taken (ports are unique across listeners), a Manual TLS port
//   whose Secret is missing, an X.509 port whose trusted-CA ConfigMap is missing.
// - `protocol: WebSockets`: MQTT over WebSockets through a bridge in front of mosquitto (port-server.ts).
// - Ports with only ServiceAccountToken/Custom authentication are opened, but CONNECT is refused (not authorized):
//   mosquitto cannot check those credentials.
// - The listener's Service (`serviceName`, `serviceType`, in the AIO namespace) carries exactly the listener's
//   ports (those not refused as above), and the stand-in's port-forward targets of the broker frontend pod and of
//   the Service lead to the local ports.
// Like AIO, the mirror applies a change some time after it is stored (`reconcileDelayMs`, drawn per change), so
// the product's waiting is tested against a broker that lags, as real ones do. Changes are applied one at a time;
// `settled()` waits for the last one.
import { setTimeout as delay } from 'node:timers/promises';
import { BROKER_LABELS, BROKER_POD, type KubeObject, type KubeSandbox } from '../kube-apiserver/index.js';
import { freePort } from '../peers/free-port.js';
import type { TestCertificate } from '../test-pki.js';
import { automaticTls } from './automatic-tls.js';
import { planKey, startPortServer, type PortPlan, type PortServer } from './port-server.js';

const AIO = 'azure-iot-operations';

interface PortEntry {
  port: number;
  nodePort?: number;
  protocol?: string;
  authenticationRef?: string;
  authorizationRef?: string;
  tls?: { mode?: string; manual?: { secretRef?: string } };
}
interface ListenerObj extends KubeObject {
  spec?: { brokerRef?: string; serviceName?: string; serviceType?: string; ports?: PortEntry[] };
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
  /** Where the X.509 port (`x509Port`, AIO 18884) is served (fixed for the sandbox's life). */
  readonly host: string;
  readonly port: number;
  /** The local address (127.0.0.1) port of a broker port: fixed once allocated, served or not. */
  localPort(brokerPort: number): number | undefined;
  /** The broker ports served now. */
  servedPorts(): number[];
  /** The CA the X.509 port currently trusts (undefined: not served). */
  current(): string | undefined;
  /** Resolves once every change seen so far has been applied. */
  settled(): Promise<void>;
  /** The log of the mosquitto serving `brokerPort` (default: the X.509 port), while it is served. */
  mosquitto(brokerPort?: number): Pick<PortServer, 'log' | 'logMark' | 'waitForLog'> | undefined;
  stop(): Promise<void>;
}

/** How long after a change the broker follows it: a fixed delay, or a range from which each change draws one. */
export type ReconcileDelay = number | { minMs: number; maxMs: number };

export function drawDelay(d: ReconcileDelay | undefined, random: () => number = Math.random): number {
  if (d === undefined) return 0;
  if (typeof d === 'number') return d;
  return Math.round(d.minMs + random() * (d.maxMs - d.minMs));
}

function authnOf(kube: KubeSandbox, name: string | undefined): AuthnObj | undefined {
  return name ? (kube.store.get('brokerauthentications', AIO, name) as AuthnObj | undefined) : undefined;
}

interface Desired {
  plans: Map<number, PortPlan>;
  /** serviceName → the Service the listener asks for. */
  services: Map<string, { type: string; ports: PortEntry[] }>;
}

const SERVICE_TYPES: Record<string, string> = {
  clusterip: 'ClusterIP',
  loadbalancer: 'LoadBalancer',
  nodeport: 'NodePort',
};

/** What AIO would serve for the objects in the store now (see the note at the top). */
export function desiredBroker(kube: KubeSandbox, serverCert: { cert: string; key: string }): Desired {
  const plans = new Map<number, PortPlan>();
  const services = new Map<string, { type: string; ports: PortEntry[] }>();
  const taken = new Set<number>();
  const listeners = (kube.store.list('brokerlisteners', AIO) as ListenerObj[]).sort((a, b) =>
    String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')),
  );
  for (const l of listeners) {
    const brokerRef = l.spec?.brokerRef ?? 'default';
    if (!kube.store.get('brokers', AIO, brokerRef)) continue; // no such Broker: nothing served, no Service
    const accepted: PortEntry[] = [];
    for (const entry of l.spec?.ports ?? []) {
      if (!Number.isInteger(entry.port) || taken.has(entry.port)) continue;
      const authn = authnOf(kube, entry.authenticationRef);
      const x509 = authn?.spec?.authenticationMethods?.some((m) => m.method === 'X509') ?? false;
      if (x509 && !entry.tls) continue; // AIO: X.509 authentication needs TLS on the port
      taken.add(entry.port);
      accepted.push(entry);
      let tls: { cert: string; key: string } | undefined;
      if (entry.tls?.mode === 'Manual') {
        const name = entry.tls.manual?.secretRef;
        const secret = name
          ? (kube.store.get('secrets', AIO, name) as { data?: Record<string, string> } | undefined)
          : undefined;
        const b64 = (k: string) => Buffer.from(secret?.data?.[k] ?? '', 'base64').toString('utf8');
        if (!secret?.data?.['tls.crt'] || !secret.data['tls.key']) continue;
        tls = { cert: b64('tls.crt'), key: b64('tls.key') };
      } else if (entry.tls) tls = automaticTls(kube) ?? serverCert; // cert-manager's Secret, once written
      const clientCa = x509 ? effectiveClientCa(kube, entry.port) : undefined;
      if (x509 && clientCa === undefined) continue; // no trusted CA to check clients against: not ready
      const acl = entry.authorizationRef ? effectiveAcl(kube, entry.port) : undefined;
      plans.set(entry.port, {
        port: entry.port,
        protocol: entry.protocol === 'WebSockets' ? 'WebSockets' : 'Mqtt',
        ...(tls ? { tls } : {}),
        ...(clientCa !== undefined ? { clientCa } : {}),
        anonymous: !entry.authenticationRef,
        ...(acl !== undefined ? { acl } : {}),
      });
    }
    const serviceName = l.spec?.serviceName ?? 'aio-broker';
    const type = SERVICE_TYPES[(l.spec?.serviceType ?? 'ClusterIp').toLowerCase()] ?? 'ClusterIP';
    const existing = services.get(serviceName);
    if (existing) existing.ports.push(...accepted);
    else services.set(serviceName, { type, ports: accepted });
  }
  return { plans, services };
}

export async function startBrokerMirror(
  kube: KubeSandbox,
  o: {
    serverCert: TestCertificate;
    x509Port: number;
    /** The local port of the X.509 port (other ports get free ones when first served). */
    listenPort: number;
    /** Delay between a change in the cluster and the broker following it; default none. */
    reconcileDelayMs?: ReconcileDelay;
  },
): Promise<BrokerMirror> {
  const servers = new Map<number, PortServer>();
  const localPorts = new Map<number, number>([[o.x509Port, o.listenPort]]);
  /** Services this mirror wrote, so a listener that goes away takes its Service along. */
  const ownedServices = new Set<string>();
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  const localPortOf = async (brokerPort: number): Promise<number> => {
    let p = localPorts.get(brokerPort);
    if (p === undefined) {
      p = await freePort();
      localPorts.set(brokerPort, p);
    }
    return p;
  };

  const syncServices = (desired: Desired): void => {
    for (const [name, want] of desired.services) {
      const ports = want.ports.map((e) => ({
        name: `port-${e.port}`,
        port: e.port,
        targetPort: e.port,
        protocol: 'TCP',
        ...(want.type !== 'ClusterIP' && e.nodePort ? { nodePort: e.nodePort } : {}),
      }));
      const current = kube.store.get('services', AIO, name);
      const spec = (current?.spec ?? {}) as Record<string, unknown>;
      const same =
        current &&
        spec.type === want.type &&
        JSON.stringify(
          (Array.isArray(spec.ports) ? (spec.ports as Record<string, unknown>[]) : []).map((p) => ({
            name: p.name,
            port: p.port,
            targetPort: p.targetPort,
            protocol: p.protocol,
            ...(p.nodePort && want.type !== 'ClusterIP' ? { nodePort: p.nodePort } : {}),
          })),
        ) === JSON.stringify(ports);
      ownedServices.add(name);
      if (same) continue;
      kube.store.put({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          ...(current?.metadata ?? {}),
          name,
          namespace: AIO,
          labels: { ...BROKER_LABELS, ...(current?.metadata.labels ?? {}) },
        },
        spec: { ...spec, type: want.type, selector: { ...BROKER_LABELS }, ports },
      } as KubeObject);
    }
    for (const name of [...ownedServices]) {
      if (desired.services.has(name)) continue;
      ownedServices.delete(name);
      if (kube.store.get('services', AIO, name)) kube.store.delete('services', AIO, name);
    }
  };

  const reconcile = async (): Promise<void> => {
    if (stopped) return;
    const desired = desiredBroker(kube, o.serverCert);
    const stopping: Promise<void>[] = [];
    for (const [port, server] of servers) {
      const want = desired.plans.get(port);
      if (want && planKey(want) === server.key) continue;
      servers.delete(port);
      stopping.push(server.stop());
    }
    await Promise.all(stopping);
    await Promise.all(
      [...desired.plans.values()]
        .filter((plan) => !servers.has(plan.port))
        .map(async (plan) => {
          const local = await localPortOf(plan.port);
          servers.set(plan.port, await startPortServer(plan, local));
        }),
    );
    // Port-forward targets: every port ever served keeps its local address (a closed one refuses connections, as
    // a pod port nobody listens on does).
    for (const [port, local] of localPorts) {
      kube.portForwardTargets.set(`${AIO}/${BROKER_POD}:${port}`, `127.0.0.1:${local}`);
      for (const name of new Set(['aio-broker', ...desired.services.keys()])) {
        kube.portForwardTargets.set(`${AIO}/${name}:${port}`, `127.0.0.1:${local}`);
      }
    }
    syncServices(desired);
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
  const watched = [
    'brokers',
    'brokerlisteners',
    'brokerauthentications',
    'brokerauthorizations',
    'configmaps',
    'secrets',
  ];
  const unsubscribe = kube.store.onChange((e) => {
    if (e.resource.group === '' && e.resource.resource === 'secrets' && e.object.metadata.namespace !== AIO)
      return;
    if (watched.includes(e.resource.resource)) schedule();
  });
  chain = reconcile(); // the cluster as found: already applied
  await chain;
  return {
    host: '127.0.0.1',
    port: o.listenPort,
    localPort: (p) => localPorts.get(p),
    servedPorts: () => [...servers.keys()].sort((a, b) => a - b),
    current: () => servers.get(o.x509Port)?.plan.clientCa,
    settled: () => chain,
    mosquitto: (p = o.x509Port) => servers.get(p),
    async stop() {
      stopped = true;
      unsubscribe();
      await chain.catch(() => undefined);
      await Promise.all([...servers.values()].map((s) => s.stop()));
      servers.clear();
    },
  };
}
