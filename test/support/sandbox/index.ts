// The sandbox every stage is tested in, and the demo runs against: the Kubernetes API stand-in seeded like an
// AIO cluster, and real mosquitto processes serving whatever the cluster's broker resources name (every listener
// port, TLS, X.509, authorization, WebSockets: see broker-mirror.ts), reachable through the stand-in's
// port-forward of Service aio-broker (e.g. :18884). Optionally (the demo uses both): two registries and a kubelet
// that pulls from them (registries.ts), and a Litmus Edge API stand-in (litmus-edge.ts: with the registries, the
// process of the test Litmus Edge image, so it runs as the pod `deploy` installs). Everything on loopback, in a
// temp dir, stopped by stop().
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadFaultPlan, parseFaultRules } from '../faults/index.js';
import { startKubeApiServer, type KubeApiServerOptions, type KubeSandbox } from '../kube-apiserver/index.js';
import { freePort } from '../peers/free-port.js';
import { probeTls, type TlsProbeResult } from '../peers/tls-probe.js';
import { createTestCa, issueTestCert, type TestCertificate } from '../test-pki.js';
import { startBrokerMirror, type BrokerMirror, type ReconcileDelay } from './broker-mirror.js';
import { podLitmusEdge, startSandboxLitmusEdge, type SandboxLitmusEdge } from './litmus-edge.js';
import { startSandboxRegistries, type SandboxRegistries } from './registries.js';

export const BROKER_X509_PORT = 18884;
export const BROKER_DNS_NAMES = [
  'aio-broker',
  'aio-broker.azure-iot-operations',
  'aio-broker.azure-iot-operations.svc',
  'aio-broker.azure-iot-operations.svc.cluster.local',
  'localhost',
];

/** The cluster's DNS for the broker's in-cluster names on the X.509 port: where the sandbox broker listens. */
export const brokerByClusterDns =
  (broker: () => { host: string; port: number }) =>
  (host: string, port: number): { host: string; port: number } | undefined => {
    if (!BROKER_DNS_NAMES.includes(host) || port !== BROKER_X509_PORT) return undefined;
    const b = broker();
    return { host: b.host, port: b.port };
  };

export interface Sandbox {
  kube: KubeSandbox;
  broker: BrokerMirror;
  /** The AIO CA: signs the broker's server certificate; published in the trust-bundle ConfigMap. */
  aioCa: TestCertificate;
  brokerServerCert: TestCertificate;
  /** A temp dir (mode 0700) for kubeconfigs, configs and outputs; removed by stop(). */
  dir: string;
  /** An admin kubeconfig in `dir`. */
  kubeconfig: string;
  /** Secret data (decoded) of the client certificate the certs stage stored, or undefined. */
  secretData(namespace?: string, name?: string): Record<string, string> | undefined;
  /** A TLS handshake with the broker as the client in that Secret (leaf + intermediate), trusting the AIO CA. */
  connectAsClient(namespace?: string, name?: string): Promise<TlsProbeResult>;
  /** With `registries: true`: the source registry (a test Litmus Edge image as `latest`) and the target. */
  registries?: SandboxRegistries;
  /**
   * With `litmusEdge`: a Litmus Edge API stand-in whose integrations reach this broker. With `registries` too, it is
   * the test image's process (no `standIn`/`url`: reach it through the release's Service).
   */
  litmusEdge?: SandboxLitmusEdge;
  stop(): Promise<void>;
}

/**
 * How long the sandbox broker takes to follow a change, by default: varied and non-zero, because a real AIO
 * takes seconds and the product must wait for it. A test that needs 0 says why.
 */
export const DEFAULT_RECONCILE_DELAY: ReconcileDelay = { minMs: 100, maxMs: 900 };

export interface SandboxOptions extends Omit<KubeApiServerOptions, 'brokerCaPem' | 'brokerCaKeyPem'> {
  /** Delay between a broker resource or ConfigMap change and the broker following it. */
  reconcileDelayMs?: ReconcileDelay;
  /**
   * A fault plan file (JSON or YAML, see ../faults/load.ts) for the Kubernetes API stand-in: how a process outside
   * the tests (scripts/demo.ts reads LITMUS_SANDBOX_FAULTS) makes the cluster fail. Added after `faults`' rules.
   */
  faultPlanFile?: string;
  /**
   * Start two registry peers (registries.ts: a source holding a test Litmus Edge image tagged `latest`, and a
   * target) and run Pods with the kubelet runtime, which trusts their CA and pulls for real (unless `runtime` or
   * `kubelet` say otherwise). Default false.
   */
  registries?: boolean;
  /**
   * A Litmus Edge API stand-in (litmus-edge.ts) reporting `version`: with `registries`, the test Litmus Edge image
   * runs it (as the pod of a deployed release); else it runs in-process. Default false.
   */
  litmusEdge?: boolean | { version?: string };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const {
    reconcileDelayMs = DEFAULT_RECONCILE_DELAY,
    faultPlanFile,
    registries: withRegistries = false,
    litmusEdge: withLitmusEdge = false,
    ...kubeOptions
  } = options;
  if (faultPlanFile !== undefined) {
    // Validated here: a bad file fails the start, naming the rule and the field.
    kubeOptions.faults = kubeOptions.faults
      ? kubeOptions.faults.add(
          ...parseFaultRules(parseYaml(readFileSync(faultPlanFile, 'utf8')), faultPlanFile),
        )
      : loadFaultPlan(faultPlanFile);
  }
  const podEdge =
    withRegistries && withLitmusEdge
      ? podLitmusEdge(withLitmusEdge === true ? {} : withLitmusEdge)
      : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'litmus-aio-sandbox-'));
  const aioCa = await createTestCa('Azure IoT Operations Sandbox Root CA');
  const [brokerServerCert, listenPort, registries] = await Promise.all([
    issueTestCert(aioCa, {
      commonName: 'aio-broker',
      dnsNames: BROKER_DNS_NAMES,
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    }),
    freePort(),
    withRegistries ? startSandboxRegistries(podEdge ? { litmusEdge: podEdge } : {}) : undefined,
  ]);
  if (registries) {
    kubeOptions.runtime ??= 'kubelet';
    kubeOptions.kubelet = { registryCa: registries.ca, ...kubeOptions.kubelet };
  }
  let kube: KubeSandbox | undefined;
  let broker: BrokerMirror | undefined;
  let litmusEdge: SandboxLitmusEdge | undefined = podEdge;
  try {
    kube = await startKubeApiServer({
      ...kubeOptions,
      brokerCaPem: aioCa.cert,
      brokerCaKeyPem: aioCa.key,
    });
    broker = await startBrokerMirror(kube, {
      serverCert: brokerServerCert,
      x509Port: BROKER_X509_PORT,
      listenPort,
      reconcileDelayMs,
    });
    const mirror = broker;
    if (withLitmusEdge && !podEdge)
      litmusEdge = await startSandboxLitmusEdge(
        brokerByClusterDns(() => mirror),
        withLitmusEdge === true ? {} : withLitmusEdge,
      );
  } catch (e) {
    await broker?.stop();
    await kube?.stop();
    await registries?.stop();
    throw e;
  }
  const secretData = (
    namespace = 'litmus-edge',
    name = 'litmusedge-mqtt-client',
  ): Record<string, string> | undefined => {
    const s = kube.store.get('secrets', namespace, name) as { data?: Record<string, string> } | undefined;
    if (!s?.data) return undefined;
    return Object.fromEntries(
      Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );
  };
  // (the port-forward targets of the broker pod and Service ports are kept by the mirror)
  return {
    kube,
    broker,
    aioCa,
    brokerServerCert,
    dir,
    kubeconfig: kube.writeKubeconfig(dir),
    secretData,
    async connectAsClient(namespace, name) {
      const d = secretData(namespace, name) ?? {};
      return probeTls({
        host: broker.host,
        port: broker.port,
        ca: aioCa.cert,
        servername: 'aio-broker',
        ...(d['tls.crt'] && d['tls.key'] ? { cert: d['tls.crt'], key: d['tls.key'] } : {}),
      });
    },
    ...(registries ? { registries } : {}),
    ...(litmusEdge ? { litmusEdge } : {}),
    async stop() {
      await litmusEdge?.standIn?.stop();
      await broker.stop();
      await kube.stop();
      await registries?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
