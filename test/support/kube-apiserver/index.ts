// Kubernetes API server stand-in for tests: HTTPS on 127.0.0.1, bearer tokens, optional RBAC, generic storage with
// watches, SSA, a small Deployment controller, port-forwarding to local TCP targets, and an AIO cluster seed.
// kubectl, helm 4 and @kubernetes/client-node talk to it as to a real cluster.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { createFaultPlan, type FaultPlan } from '../faults/index.js';
import { createTestCa, issueLoopbackServerCert } from '../test-pki.js';
import { KubeApi } from './api.js';
import { Controller, type FailureReason } from './controller.js';
import { Kubelet } from './kubelet/kubelet.js';
import type { PodRuntime } from './pod-runtime.js';
import { PortForwarder } from './portforward.js';
import type { PolicyRule, RbacSubject } from './rbac.js';
import { findByKind, resolveResource } from './resources.js';
import { seed, seedCluster } from './seed.js';
import { ApiServer, type Identity, type RequestRecord } from './server.js';
import { Store, type EventType } from './store.js';
import type { Gvr, KubeObject } from './types.js';

export type { PolicyRule, RbacSubject } from './rbac.js';
export type { RequestRecord } from './server.js';
export type { FailureReason } from './controller.js';
export type { PodRuntime, PodStatusSink } from './pod-runtime.js';
export type { Gvr, KubeObject } from './types.js';
export { AIO_NAMESPACE, BROKER_POD, BROKER_LABELS } from './seed.js';

export interface KubeApiServerOptions {
  /**
   * Extra bearer tokens and what they may do. A bare rule list makes the token its own user name. Requests
   * outside the rules get 403 Forbidden; the admin token is always allowed.
   */
  rbac?: Record<string, PolicyRule[] | RbacSubject>;
  /** Seed the AIO cluster state (namespaces, broker CRs, trust bundle, broker Service/Pod, Arc config). Default true. */
  seed?: boolean;
  /** The broker CA published in the trust bundle; a fresh CA is generated when absent. */
  brokerCaPem?: string;
  brokerCaKeyPem?: string;
  /** azure-arc/azure-clusterconfig values. */
  clusterName?: string;
  resourceGroup?: string;
  subscriptionId?: string;
  tenantId?: string;
  region?: string;
  /**
   * The fault plan the server consults before every request (default: an empty one). Rules may match `verb`,
   * `resource`, `namespace` and `name` besides method and path; status faults are answered as Kubernetes Status errors.
   */
  faults?: FaultPlan;
  /**
   * Who runs Pods. 'simple' (default): the controller marks them Running/Ready. 'kubelet': kubelet/kubelet.ts pulls
   * each image from a real registry (trusting `kubelet.registryCa`), runs what the image's labels say as a local
   * process, runs probes, restarts crashing containers and serves `kubectl logs`. See README.md, "Kubelet". Or any
   * PodRuntime of your own.
   */
  runtime?: 'simple' | 'kubelet' | PodRuntime;
  kubelet?: { registryCa?: string; timeScale?: number; allowRegistryHost?: (host: string) => boolean };
}

export interface ChangeEvent {
  type: EventType;
  resource: Gvr;
  object: KubeObject;
}

/** Direct access to the stand-in's objects, bypassing HTTP and authorization (writes still get defaults, rv, ...). */
export interface SandboxStore {
  get(resource: Gvr | string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: Gvr | string, namespace?: string): KubeObject[];
  /** Creates the object, or updates it when it exists (resource from apiVersion/kind). */
  put(object: KubeObject): KubeObject;
  delete(resource: Gvr | string, namespace: string | undefined, name: string): void;
  /** Every ADDED/MODIFIED/DELETED; returns an unsubscribe function. */
  onChange(listener: (event: ChangeEvent) => void): () => void;
}

export interface KubeSandbox {
  /** https://127.0.0.1:<port> */
  url: string;
  adminToken: string;
  /** The CA that signed the server certificate. */
  caPem: string;
  /** The broker CA in the seeded trust bundle. */
  brokerCaPem: string;
  /** Writes a kubeconfig (mode 0600) for `token` (default: admin) into `dir`; returns its path. */
  writeKubeconfig(dir: string, token?: string, options?: { namespace?: string; fileName?: string }): string;
  store: SandboxStore;
  /** The Deployment's Pods crash (or fail to pull) and its status reports ProgressDeadlineExceeded. */
  failDeployment(namespace: string, name: string, reason?: FailureReason): void;
  recoverDeployment(namespace: string, name: string): void;
  /** Every HTTP request served, in completion order. */
  requests: RequestRecord[];
  /** `ns/pod:port` or `ns/service:port` → `host:port` of a local TCP server. */
  portForwardTargets: Map<string, string>;
  /**
   * Makes matching requests fail (429/409/5xx as Kubernetes Status errors, dropped connections, delays):
   * `faults.add({match: {verb: 'get', resource: 'configmaps'}, fault: {kind: 'status', status: 429}})`; `faults.hits`
   * logs what fired, `faults.reset()` clears. See ../faults and faults.ts.
   */
  faults: FaultPlan;
  stop(): Promise<void>;
}

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeSandbox> {
  const ca = await createTestCa('Sandbox Kubernetes CA');
  const serverCert = await issueLoopbackServerCert(ca, [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
  ]);
  let brokerCaPem = options.brokerCaPem;
  let brokerCaKeyPem = options.brokerCaKeyPem;
  if (!brokerCaPem) {
    const brokerCa = await createTestCa('Azure IoT Operations Quickstart Root CA - Not for Production');
    brokerCaPem = brokerCa.cert;
    brokerCaKeyPem = brokerCa.key;
  }

  const adminToken = randomBytes(24).toString('hex');
  const identities = new Map<string, Identity>([
    [adminToken, { user: 'kubernetes-admin', groups: ['kubeadm:cluster-admins'] }],
  ]);
  for (const [token, v] of Object.entries(options.rbac ?? {})) {
    identities.set(
      token,
      Array.isArray(v)
        ? { user: token, rules: v }
        : { user: v.user, rules: v.rules, ...(v.groups ? { groups: v.groups } : {}) },
    );
  }

  const store = new Store();
  const api = new KubeApi(store);
  const requests: RequestRecord[] = [];
  const portForwardTargets = new Map<string, string>();
  const faults = options.faults ?? createFaultPlan();
  const forwarder = new PortForwarder(store, portForwardTargets);
  let kubelet: Kubelet | undefined;
  const server = new ApiServer({
    api,
    store,
    key: serverCert.key,
    cert: serverCert.cert,
    identify: (token) => (token ? identities.get(token) : undefined),
    onUpgrade: (ctx) => forwarder.handle(ctx),
    log: (r) => requests.push(r),
    faults,
    podLogs: (ns, name, query) => kubelet?.logs(ns, name, query),
  });

  const clusterName = options.clusterName ?? 'sandbox-cluster';
  if (options.seed !== false) {
    seed(api, {
      brokerCaPem,
      ...(brokerCaKeyPem ? { brokerCaKeyPem } : {}),
      clusterName,
      resourceGroup: options.resourceGroup ?? 'sandbox-rg',
      subscriptionId: options.subscriptionId ?? '00000000-0000-0000-0000-000000000000',
      tenantId: options.tenantId ?? '11111111-1111-1111-1111-111111111111',
      region: options.region ?? 'westeurope',
    });
  } else {
    for (const ns of ['default', 'kube-system']) {
      api.create(
        resolveResource('namespaces'),
        undefined,
        { metadata: { name: ns } },
        { manager: 'sandbox-seed' },
      );
    }
    seedCluster(api);
  }
  let runtime: PodRuntime | undefined; // undefined: the controller's default, the simulated runtime
  if (options.runtime === 'kubelet') {
    const tls = await issueLoopbackServerCert(ca);
    runtime = kubelet = new Kubelet(api, {
      ...options.kubelet,
      portForwardTargets,
      tls: { cert: tls.cert, key: tls.key },
    });
  } else if (typeof options.runtime === 'object') {
    runtime = options.runtime;
  }
  const controller = new Controller(api, runtime);
  controller.start();
  const port = await server.listen();
  const url = `https://127.0.0.1:${port}`;

  const sandboxStore: SandboxStore = {
    get: (r, ns, name) => store.get(resolveResource(r), ns, name),
    list: (r, ns) => store.list(resolveResource(r), ns),
    put: (object) => {
      const r = findByKind(object.apiVersion, object.kind);
      if (!r) throw new Error(`kube-apiserver stand-in: unknown kind ${object.apiVersion} ${object.kind}`);
      const ns = object.metadata.namespace;
      const opts = { manager: 'sandbox-test' };
      const existing = object.metadata.name ? store.get(r, ns, object.metadata.name) : undefined;
      if (!existing) return api.create(r, ns, object, opts);
      const { resourceVersion: _rv, ...metadata } = object.metadata;
      return api.update(r, ns, object.metadata.name!, { ...object, metadata }, opts);
    },
    delete: (r, ns, name) => {
      api.delete(resolveResource(r), ns, name, {});
    },
    onChange: (listener) =>
      store.subscribe((e) =>
        listener({
          type: e.type,
          resource: { group: e.resource.group, version: e.resource.version, resource: e.resource.resource },
          object: e.object,
        }),
      ),
  };

  return {
    url,
    adminToken,
    caPem: ca.cert,
    brokerCaPem,
    writeKubeconfig(dir, token = adminToken, opts = {}) {
      const user = identities.get(token)?.user ?? 'sandbox-user';
      const file = join(dir, opts.fileName ?? `kubeconfig-${user.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: clusterName,
            cluster: { server: url, 'certificate-authority-data': Buffer.from(ca.cert).toString('base64') },
          },
        ],
        users: [{ name: user, user: { token } }],
        contexts: [
          {
            name: clusterName,
            context: { cluster: clusterName, user, ...(opts.namespace ? { namespace: opts.namespace } : {}) },
          },
        ],
        'current-context': clusterName,
        preferences: {},
      };
      writeFileSync(file, toYaml(config), { mode: 0o600 });
      return file;
    },
    store: sandboxStore,
    failDeployment: (ns, name, reason = 'CrashLoopBackOff') => controller.failDeployment(ns, name, reason),
    recoverDeployment: (ns, name) => controller.recoverDeployment(ns, name),
    requests,
    portForwardTargets,
    faults,
    async stop() {
      controller.stop();
      await kubelet?.close();
      forwarder.closeAll();
      await server.close();
    },
  };
}
