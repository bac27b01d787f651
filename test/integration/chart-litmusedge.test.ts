// Our Litmus Edge chart (charts/litmusedge) with the real helm 4: `helm lint --strict`, `helm template` with many
// values (the rendered objects asserted), the schema's refusals, the helm test command run by the real curl against
// HTTPS and plain HTTP, and installs into the Kubernetes stand-in with the kubelet runtime (images pulled from the
// registry peer, HTTPS probes run against the container). The community chart's defects
// (community-chart-defects.test.ts) are shown absent here: the Service has an endpoint and port-forward works, and
// an upgrade that moves the pod to the other node completes (Recreate frees the ReadWriteOnce volume first).
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { clusterTools, type ClusterTools } from '../support/cluster-tools.js';
import { startKubeApiServer, type KubeObject, type KubeSandbox } from '../support/kube-apiserver/index.js';
import {
  pullSecret,
  pushTestImage,
  type PushedImage,
} from '../support/kube-apiserver/kubelet/test-images.js';
import { kubectlPath, toolEnv, type ToolResult } from '../support/kube-apiserver/tools.js';
import { runCommand, spawnPeer } from '../support/peers/child.js';
import { startRegistry, type RegistryPeer } from '../support/peers/registry.js';
import { repoRoot } from '../support/repo-root.js';
import { createTestCa, issueLoopbackServerCert } from '../support/test-pki.js';
import { ok, until } from '../support/until.js';

const CHART = join(repoRoot(), 'charts', 'litmusedge');
const NS = 'litmusedge';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REPO = 'plant7acr.azurecr.io/litmusedge/litmusedge-std-docker';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let tools: ClusterTools;
beforeAll(async () => {
  tools = await clusterTools('chart-litmusedge-test');
});
afterAll(() => tools?.remove());

let files = 0;
async function valuesFile(values: Obj): Promise<string> {
  const file = join(tools.work, `values-${++files}.yaml`);
  await writeFile(file, stringify(values));
  return file;
}

const template = async (values: Obj, release = 'edge'): Promise<ToolResult> =>
  tools.helm(['template', release, CHART, '-n', NS, '-f', await valuesFile(values)]);

/** The objects `helm template` renders (hooks included), with lookups by kind. */
class Rendered {
  constructor(
    readonly text: string,
    readonly objects: Obj[],
  ) {}
  /** By name (helm orders objects of one kind by its own rules). */
  all(kind: string): Obj[] {
    return this.objects
      .filter((o) => o.kind === kind)
      .sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
  }
  one(kind: string): Obj {
    const found = this.all(kind);
    expect(found, `exactly one ${kind}`).toHaveLength(1);
    return found[0]!;
  }
  get deployment(): Obj {
    return this.one('Deployment');
  }
  get pod(): Obj {
    return this.deployment.spec.template;
  }
  get container(): Obj {
    return this.pod.spec.containers[0];
  }
  get testPod(): Obj | undefined {
    return this.all('Pod').find((p) => p.metadata.annotations?.['helm.sh/hook'] === 'test');
  }
}

async function render(values: Obj = {}, release = 'edge'): Promise<Rendered> {
  const text = ok(await template(values, release));
  const docs = parseAllDocuments(text);
  for (const d of docs) expect(d.errors).toEqual([]);
  return new Rendered(
    text,
    docs.map((d) => d.toJS() as Obj | null).filter((o): o is Obj => o !== null),
  );
}

const matches = (selector: Obj, labels: Obj) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const names = (r: Rendered) => r.objects.map((o) => `${o.kind}/${o.metadata.name}`);

describe('helm lint --strict', () => {
  test.each([
    ['the defaults', {}],
    [
      'a production set: digest, LoadBalancer with node port, NATS, own storage class, resources',
      {
        image: { repository: REPO, tag: '3.16.2', digest: DIGEST },
        service: { type: 'LoadBalancer', nodePort: 30443, annotations: { 'a.example/internal': 'true' } },
        nats: { enabled: true },
        persistence: { storageClass: 'managed-csi', size: '20Gi' },
        resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '4Gi' } },
      },
    ],
    [
      'an existing claim, no ServiceAccount, no tests',
      {
        persistence: { existingClaim: 'edge-data' },
        serviceAccount: { create: false },
        tests: { enabled: false },
      },
    ],
  ])('%s: no finding', async (_, values) => {
    const out = ok(await tools.helm(['lint', '--strict', CHART, '-f', await valuesFile(values)]));
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(out).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  test('a bad value fails lint too, naming its path', async () => {
    const r = await tools.helm([
      'lint',
      '--strict',
      CHART,
      '-f',
      await valuesFile({ image: { digest: 'sha256:abc' } }),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("at '/image/digest': 'sha256:abc' does not match pattern");
  });
});

describe('helm template: the defaults', () => {
  let r: Rendered;
  beforeAll(async () => {
    r = await render();
  });

  test('what is rendered: names from the release, no `latest` anywhere', () => {
    expect(names(r).sort()).toEqual([
      'Deployment/edge-litmusedge',
      'PersistentVolumeClaim/edge-litmusedge-var',
      'Pod/edge-litmusedge-test-https',
      'Service/edge-litmusedge',
      'ServiceAccount/edge-litmusedge',
    ]);
    expect(r.text).not.toMatch(/latest/);
  });

  test('a singleton: one replica, Recreate, a deadline beyond the start-up budget', () => {
    const spec = r.deployment.spec;
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({ type: 'Recreate' });
    const s = r.container.startupProbe;
    const budget = s.initialDelaySeconds + s.periodSeconds * s.failureThreshold;
    expect(budget).toBeGreaterThanOrEqual(600);
    expect(spec.progressDeadlineSeconds).toBeGreaterThan(budget);
  });

  test('standard labels on every object; the selector picks the Litmus Edge pod and not the test pod', () => {
    for (const o of r.objects) {
      expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject({
        'app.kubernetes.io/name': 'litmusedge',
        'app.kubernetes.io/instance': 'edge',
        'app.kubernetes.io/version': '3.16.2',
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/component': o.kind === 'Pod' ? 'test' : 'edge',
        'app.kubernetes.io/part-of': 'litmus-aio',
      });
    }
    const selector = r.deployment.spec.selector.matchLabels;
    expect(matches(selector, r.pod.metadata.labels)).toBe(true);
    expect(r.one('Service').spec.selector).toEqual(selector);
    expect(matches(selector, r.testPod!.metadata.labels)).toBe(false);
  });

  test('the container: port 443 named https, image by tag, pull secret, /var on the claim', () => {
    expect(r.container.ports).toEqual([{ name: 'https', containerPort: 443, protocol: 'TCP' }]);
    expect(r.container.image).toBe(
      'us-docker.pkg.dev/litmus-sales-enablement/litmusedge/litmusedge-std-docker:3.16.2',
    );
    expect(r.container.imagePullPolicy).toBe('IfNotPresent');
    expect(r.pod.spec.imagePullSecrets).toEqual([{ name: 'litmusedge-pull' }]);
    expect(r.container.volumeMounts).toEqual([{ name: 'var', mountPath: '/var' }]);
    expect(r.pod.spec.volumes).toEqual([
      { name: 'var', persistentVolumeClaim: { claimName: 'edge-litmusedge-var' } },
    ]);
  });

  test('the Service targets the container port by its name', () => {
    expect(r.one('Service').spec).toMatchObject({
      type: 'ClusterIP',
      ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
    });
  });

  test.each(['startupProbe', 'readinessProbe', 'livenessProbe'])(
    '%s: HTTPS GET on the port named https',
    (probe) => {
      expect(r.container[probe].httpGet).toEqual({ path: '/', port: 'https', scheme: 'HTTPS' });
      expect(r.container[probe].timeoutSeconds).toBeGreaterThan(0);
    },
  );

  test('NET_ADMIN, not privileged, no privilege escalation, no service account token', () => {
    expect(r.container.securityContext).toEqual({
      privileged: false,
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN'] },
    });
    expect(r.pod.spec.automountServiceAccountToken).toBe(false);
    expect(r.pod.spec.serviceAccountName).toBe('edge-litmusedge');
    expect(r.one('ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  test('the claim: ReadWriteOnce, 10Gi, the default class, kept by helm uninstall', () => {
    const pvc = r.one('PersistentVolumeClaim');
    expect(pvc.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(pvc.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '10Gi' } },
    });
  });

  test('the helm test hook speaks HTTPS to the Service, accepts any status, and is deleted once it passed', () => {
    const pod = r.testPod!;
    expect(pod.metadata.annotations).toEqual({
      'helm.sh/hook': 'test',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    });
    expect(pod.spec).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false });
    const [c] = pod.spec.containers;
    expect(c.image).toBe('curlimages/curl:8.11.1');
    const argv = [...c.command, ...c.args];
    expect(argv[0]).toBe('curl');
    expect(argv.at(-1)).toBe('https://edge-litmusedge:443/');
    expect(argv).toContain('--insecure');
    expect(argv).not.toContain('--fail');
  });
});

describe('helm template: values', () => {
  test.each([
    ['no digest', {}, `${REPO}:3.16.2`, '3.16.2'],
    ['tag and digest', { tag: '3.16.2', digest: DIGEST }, `${REPO}:3.16.2@${DIGEST}`, '3.16.2'],
    ['another tag', { tag: '3.17.0-rc.1', digest: DIGEST }, `${REPO}:3.17.0-rc.1@${DIGEST}`, '3.17.0-rc.1'],
    [
      'a registry with a port',
      { repository: 'localhost:5000/le', tag: '3.16' },
      'localhost:5000/le:3.16',
      '3.16',
    ],
  ])('image: %s', async (_, image, ref, version) => {
    const r = await render({ image: { repository: REPO, ...image } });
    expect(r.container.image).toBe(ref);
    expect(r.deployment.metadata.labels['app.kubernetes.io/version']).toBe(version);
    expect(r.pod.metadata.labels['app.kubernetes.io/version']).toBe(version);
  });

  // Every Service port targets a container port by a name the container declares, whatever the values.
  test.each([
    ['ClusterIP', {}, ['ClusterIP']],
    ['NATS', { nats: { enabled: true } }, ['ClusterIP']],
    ['NodePort with a fixed port', { service: { type: 'NodePort', nodePort: 30443 } }, ['NodePort']],
    ['LoadBalancer', { service: { type: 'LoadBalancer' } }, ['LoadBalancer']],
    ['externalAccess with ClusterIP', { service: { externalAccess: true } }, ['ClusterIP', 'LoadBalancer']],
    [
      'externalAccess with LoadBalancer',
      { service: { type: 'LoadBalancer', externalAccess: true } },
      ['LoadBalancer'],
    ],
    [
      'externalAccess and NATS on port 8443',
      { service: { port: 8443, externalAccess: true }, nats: { enabled: true } },
      ['ClusterIP', 'LoadBalancer'],
    ],
  ])('services: %s', async (_, values, types) => {
    const r = await render(values);
    const services = r.all('Service');
    expect(services.map((s) => s.spec.type)).toEqual(types);
    const declared = new Map(r.container.ports.map((p: Obj) => [p.name, p.containerPort]));
    for (const s of services) {
      expect(s.spec.selector).toEqual(r.deployment.spec.selector.matchLabels);
      for (const p of s.spec.ports) {
        expect(declared.has(p.targetPort), `${s.metadata.name} targetPort ${p.targetPort}`).toBe(true);
      }
    }
    const nats = (values as Obj).nats?.enabled === true;
    expect(declared.get('nats')).toBe(nats ? 4222 : undefined);
    expect(services[0]!.spec.ports.map((p: Obj) => p.name)).toEqual(nats ? ['https', 'nats'] : ['https']);
    const external = services.find((s) => s.metadata.name === 'edge-litmusedge-external');
    if (external) expect(external.spec.ports.map((p: Obj) => p.name)).toEqual(['https']);
  });

  test('service: node port on NodePort/LoadBalancer only, annotations on both Services', async () => {
    const nodePort = await render({ service: { type: 'NodePort', nodePort: 30443 } });
    expect(nodePort.one('Service').spec.ports[0].nodePort).toBe(30443);
    const cluster = await render({
      service: { nodePort: 30443, externalAccess: true, annotations: { a: 'b' } },
    });
    const [internal, external] = cluster.all('Service');
    expect(internal!.spec.ports[0].nodePort).toBeUndefined();
    expect(external!.spec.ports[0].nodePort).toBe(30443);
    expect(internal!.metadata.annotations).toEqual({ a: 'b' });
    expect(external!.metadata.annotations).toEqual({ a: 'b' });
  });

  test.each([
    [
      'a storage class and size',
      { storageClass: 'managed-csi', size: '20Gi' },
      { storageClassName: 'managed-csi' },
    ],
    ['`-`: no dynamic provisioning', { storageClass: '-' }, { storageClassName: '' }],
    ['keep false', { keep: false }, {}],
  ])('persistence: %s', async (_, persistence, spec) => {
    const pvc = (await render({ persistence })).one('PersistentVolumeClaim');
    expect(pvc.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: (persistence as Obj).size ?? '10Gi' } },
      ...spec,
    });
    expect(pvc.metadata.annotations?.['helm.sh/resource-policy']).toBe(
      (persistence as Obj).keep === false ? undefined : 'keep',
    );
  });

  test('persistence: an existing claim is mounted and none is rendered', async () => {
    const r = await render({ persistence: { existingClaim: 'plant7-var' } });
    expect(r.all('PersistentVolumeClaim')).toEqual([]);
    expect(r.pod.spec.volumes[0].persistentVolumeClaim).toEqual({ claimName: 'plant7-var' });
  });

  test('scheduling, resources, env, annotations and labels reach the pod; chart labels win', async () => {
    const values = {
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'edge', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
      },
      podAnnotations: { 'prometheus.io/scrape': 'false' },
      podLabels: { team: 'ot', 'app.kubernetes.io/component': 'other' },
      extraEnv: [
        { name: 'TZ', value: 'Europe/Vienna' },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      ],
    };
    const r = await render(values);
    expect(r.container.resources).toEqual(values.resources);
    expect(r.container.env).toEqual(values.extraEnv);
    expect(r.pod.spec).toMatchObject({
      nodeSelector: values.nodeSelector,
      tolerations: values.tolerations,
      affinity: values.affinity,
    });
    expect(r.pod.metadata.annotations).toEqual(values.podAnnotations);
    expect(r.pod.metadata.labels).toMatchObject({ team: 'ot', 'app.kubernetes.io/component': 'edge' });
    expect(matches(r.deployment.spec.selector.matchLabels, r.pod.metadata.labels)).toBe(true);
    expect(r.testPod!.spec).toMatchObject({
      nodeSelector: values.nodeSelector,
      tolerations: values.tolerations,
    });
  });

  test.each(['startup', 'readiness', 'liveness'])('probes: %s can be disabled', async (p) => {
    const r = await render({ probes: { [p]: { enabled: false } } });
    expect(r.container[`${p}Probe`]).toBeUndefined();
    const others = ['startup', 'readiness', 'liveness'].filter((x) => x !== p);
    for (const o of others) expect(r.container[`${o}Probe`].httpGet.scheme).toBe('HTTPS');
  });

  test('probes: timings are taken, and the deadline follows the start-up budget', async () => {
    const r = await render({
      probes: {
        startup: { enabled: true, initialDelaySeconds: 30, periodSeconds: 15, failureThreshold: 80 },
      },
    });
    expect(r.container.startupProbe).toMatchObject({
      initialDelaySeconds: 30,
      periodSeconds: 15,
      failureThreshold: 80,
    });
    expect(r.deployment.spec.progressDeadlineSeconds).toBe(30 + 15 * 80 + 300);
  });

  test('serviceAccount: an existing account, none created, still no token', async () => {
    const r = await render({ serviceAccount: { create: false, name: 'plant7-edge' } });
    expect(r.all('ServiceAccount')).toEqual([]);
    expect(r.pod.spec).toMatchObject({
      serviceAccountName: 'plant7-edge',
      automountServiceAccountToken: false,
    });
  });

  test('tests: disabled renders no hook; another image is used as given', async () => {
    expect((await render({ tests: { enabled: false } })).testPod).toBeUndefined();
    const r = await render({ tests: { image: `registry.example/curl@${DIGEST}` } });
    expect(r.testPod!.spec.containers[0].image).toBe(`registry.example/curl@${DIGEST}`);
  });

  test('two releases in one namespace: disjoint names, selectors that do not cross', async () => {
    const [a, b] = await Promise.all([render({}, 'plant-a'), render({}, 'plant-b')]);
    const na = names(a);
    expect(na.filter((n) => names(b).includes(n))).toEqual([]);
    expect(a.pod.spec.volumes[0].persistentVolumeClaim.claimName).toBe('plant-a-litmusedge-var');
    expect(b.pod.spec.volumes[0].persistentVolumeClaim.claimName).toBe('plant-b-litmusedge-var');
    expect(matches(a.deployment.spec.selector.matchLabels, b.pod.metadata.labels)).toBe(false);
    expect(matches(b.deployment.spec.selector.matchLabels, a.pod.metadata.labels)).toBe(false);
  });

  test('names: a release named like the chart is used as is; a 53-character release keeps names within 63', async () => {
    expect(names(await render({}, 'litmusedge'))).toContain('Deployment/litmusedge');
    const long = await render({ service: { externalAccess: true } }, `p${'x'.repeat(52)}`);
    for (const n of long.objects.map((o) => o.metadata.name as string)) {
      expect(n.length, n).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(new Set(names(long)).size).toBe(long.objects.length);
  });
});

describe('bad values are refused with the path and the reason', () => {
  const schema =
    "values don't meet the specifications of the schema(s) in the following chart(s):\nlitmusedge:\n";
  test.each([
    [
      'a digest that is not sha256:<64 hex>',
      { image: { digest: 'sha256:abc' } },
      "- at '/image/digest': 'sha256:abc' does not match pattern '^(sha256:[a-f0-9]{64})?$'",
    ],
    [
      'a replica count (a singleton has none)',
      { replicaCount: 2 },
      "- at '': additional properties 'replicaCount' not allowed",
    ],
    [
      'a typo at the top level',
      { nodeSelecter: {} },
      "- at '': additional properties 'nodeSelecter' not allowed",
    ],
    [
      'a typo inside a group',
      { persistence: { sise: '5Gi' } },
      "- at '/persistence': additional properties 'sise' not allowed",
    ],
    [
      'an unknown service type',
      { service: { type: 'ExternalName' } },
      "- at '/service/type': value must be one of 'ClusterIP', 'LoadBalancer', 'NodePort'",
    ],
    [
      'a size that is no quantity',
      { persistence: { size: '10GB' } },
      "- at '/persistence/size': '10GB' does not match pattern",
    ],
    [
      'a node port outside 30000-32767',
      { service: { nodePort: 443 } },
      "- at '/service/nodePort': minimum: got 443, want 30,000",
    ],
    [
      'privileged mode',
      { securityContext: { privileged: true } },
      "- at '/securityContext/privileged': value must be false",
    ],
    ['a version written as a number', { image: { tag: 3.16 } }, "- at '/image/tag': got number, want string"],
    [
      'a repository with a tag in it',
      { image: { repository: `${REPO}:3.16.2` } },
      "- at '/image/repository': '",
    ],
    [
      'a probe period of 0',
      { probes: { readiness: { enabled: true, periodSeconds: 0 } } },
      "- at '/probes/readiness/periodSeconds': minimum: got 0, want 1",
    ],
    [
      'an env var without a name',
      { extraEnv: [{ value: 'x' }] },
      "- at '/extraEnv/0': missing property 'name'",
    ],
    [
      'a pull secret given as an object',
      { imagePullSecrets: [{ name: 'x' }] },
      "- at '/imagePullSecrets/0': got object, want string",
    ],
  ])('schema: %s', async (_, values, message) => {
    const r = await template(values);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`Error: ${schema}`);
    expect(r.stderr).toContain(message);
  });

  test.each([
    [
      'the tag latest',
      { image: { tag: 'latest' } },
      'image.tag: `latest` is refused: a pod restart could pull another image.',
    ],
    [
      'a test image without a version',
      { tests: { image: 'curlimages/curl' } },
      'tests.image: "curlimages/curl" has no version',
    ],
    [
      'a test image tagged latest',
      { tests: { image: 'localhost:5000/curl:latest' } },
      'tests.image: "localhost:5000/curl:latest" has no version',
    ],
  ])('template: %s', async (_, values, message) => {
    const r = await template(values);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /^Error: execution error at \(litmusedge\/templates\/deployment\.yaml:\d+:\d+\): /,
    );
    expect(r.stderr).toContain(message);
  });
});

/** The helm test pod's command line, pointed at `url` instead of the in-cluster Service. */
async function hookCommand(url: string): Promise<string[]> {
  const c = (await render()).testPod!.spec.containers[0];
  const argv = [...c.command, ...c.args] as string[];
  return [...argv.slice(0, -1), url];
}

const runHook = async (url: string) => {
  const [cmd, ...args] = await hookCommand(url);
  return runCommand(cmd!, args, { env: { PATH: process.env.PATH }, timeoutMs: 60_000 });
};

const listen = (s: Server) =>
  new Promise<number>((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)),
  );

describe('the helm test command, run by the real curl', () => {
  let https: Server;
  let http: Server;
  let httpsPort: number;
  let httpPort: number;
  beforeAll(async () => {
    const cert = await issueLoopbackServerCert(await createTestCa('Chart Test CA'));
    // Answers with the status its path names: /401 -> 401.
    https = createHttpsServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      const status = Number(req.url!.slice(1));
      res.writeHead(status, status === 302 ? { location: '/login' } : {}).end();
    });
    http = createHttpServer((_req, res) => res.writeHead(200).end('ok'));
    [httpsPort, httpPort] = await Promise.all([listen(https), listen(http)]);
  });
  afterAll(() => Promise.all([https, http].map((s) => new Promise((r) => s?.close(r)))));

  test.each([200, 302, 401, 404])('an HTTPS answer %i passes: TLS answered', async (status) => {
    const url = `https://127.0.0.1:${httpsPort}/${status}`;
    const r = await runHook(url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`TLS answered: HTTP ${status} from ${url}\n`);
  });

  test("plain HTTP on the port fails (the community chart's HTTP check would pass it)", async () => {
    const r = await runHook(`https://127.0.0.1:${httpPort}/`);
    expect(r.code).toBe(35); // CURLE_SSL_CONNECT_ERROR
    expect(r.stderr).toMatch(/SSL|TLS/i);
  });
});

describe('the chart ships with the action and the CLI', () => {
  const chartFiles = (dir = CHART): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? chartFiles(join(dir, e.name)) : [relative(repoRoot(), join(dir, e.name))],
    );

  test('npm pack carries every chart file (package.json has no "files" list narrowing it)', async () => {
    const r = await runCommand('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: repoRoot(),
      env: { PATH: process.env.PATH, HOME: join(tools.work, 'npm-home') },
      timeoutMs: 60_000,
    });
    ok(r);
    const packed = new Set((JSON.parse(r.stdout) as Obj[])[0]!.files.map((f: Obj) => f.path as string));
    const missing = chartFiles().filter((f) => !packed.has(f));
    expect(missing).toEqual([]);
  });

  test('git does not ignore it (the action is the repository at a ref) and the bundle finds it at ../charts', async () => {
    const r = await runCommand('git', ['-C', repoRoot(), 'check-ignore', '-v', ...chartFiles()]);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1); // none ignored
    expect(existsSync(join(repoRoot(), 'dist', '..', 'charts', 'litmusedge', 'Chart.yaml'))).toBe(true);
  });

  test('helm package builds it (for an OCI registry)', async () => {
    const out = ok(await tools.helm(['package', CHART, '-d', tools.work]));
    expect(out).toContain(
      `Successfully packaged chart and saved it to: ${join(tools.work, 'litmusedge-0.1.0.tgz')}`,
    );
  });
});

describe('installed with the real helm into the stand-in (kubelet runtime, images from the registry peer)', () => {
  let registry: RegistryPeer;
  let kube: KubeSandbox;
  let edge: PushedImage;
  let curl: PushedImage;

  beforeAll(async () => {
    const ca = await createTestCa('Chart Registry CA');
    registry = await startRegistry({
      serverCert: await issueLoopbackServerCert(ca),
      username: 'litmus',
      password: 'litmus-pull',
      caPem: ca.cert,
    });
    const push = { registry: registry.host, ca: ca.cert, creds: registry.creds };
    [edge, curl] = await Promise.all([
      // Serves every container port; the port named `https` with TLS, as Litmus Edge does.
      pushTestImage({
        ...push,
        repository: 'litmusedge/litmusedge-std-docker',
        tag: '3.16.2',
        behaviour: 'serve',
      }),
      // The kubelet runs what an image's labels say, not the hook's curl (the real curl runs it above).
      pushTestImage({
        ...push,
        repository: 'tools/curl',
        tag: '8.11.1',
        behaviour: 'crash-after=300ms exit=0',
      }),
    ]);
    kube = await startKubeApiServer({
      seed: false,
      runtime: 'kubelet',
      kubelet: { registryCa: ca.cert, timeScale: 0.1 },
    });
    tools.use(kube);
    ok(await tools.kubectl(['create', 'namespace', NS]));
    const secret = pullSecret(NS, 'litmusedge-pull', registry.host, registry.creds);
    ok(await tools.kubectl(['apply', '-f', '-'], { input: JSON.stringify(secret) }));
  }, 60_000);

  afterAll(async () => {
    await kube?.stop();
    await registry?.stop();
  });

  const values = (extra: Obj = {}) =>
    valuesFile({
      image: {
        repository: `${registry.host}/litmusedge/litmusedge-std-docker`,
        tag: '3.16.2',
        digest: edge.digest,
      },
      tests: { image: curl.reference },
      ...extra,
    });
  const onNode = (node: string) => ({ nodeSelector: { 'kubernetes.io/hostname': node } });
  const helmWait = async (verb: 'install' | 'upgrade', release: string, extra: Obj = {}) =>
    tools.helm([verb, release, CHART, '-n', NS, '-f', await values(extra), '--wait', '--timeout', '120s']);

  const status = (x: KubeObject | undefined): Obj => (x?.status ?? {}) as Obj;
  const ready = (p: KubeObject) =>
    (status(p).conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
  const podsOf = (release: string) =>
    kube.store
      .list('pods', NS)
      .filter(
        (p) =>
          p.metadata.labels?.['app.kubernetes.io/instance'] === release &&
          p.metadata.labels?.['app.kubernetes.io/component'] === 'edge' &&
          !['Succeeded', 'Failed'].includes(status(p).phase),
      );
  const onlyPod = (release: string) => {
    const pods = podsOf(release);
    expect(pods).toHaveLength(1);
    return pods[0]!;
  };
  /** The Service's endpoint addresses once the endpoints controller has them. */
  const endpointIps = (service: string) =>
    until(`endpoints of ${service}`, () => {
      const e = kube.store.get('endpoints', NS, service) as Obj | undefined;
      const ips = (e?.subsets ?? []).flatMap((s: Obj) => (s.addresses ?? []).map((a: Obj) => a.ip as string));
      return ips.length > 0 ? { ips, ports: e!.subsets[0].ports } : undefined;
    });

  test('install --wait: deployed once the pod passed its HTTPS probes; the Service has it as endpoint', async () => {
    const r = await helmWait('install', 'edge', onNode('node-a'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('STATUS: deployed');
    expect(r.stdout).toContain('kubectl -n litmusedge port-forward service/edge-litmusedge 8443:443');
    const pod = onlyPod('edge');
    expect(ready(pod)).toBe(true);
    expect((pod.spec as Obj).containers[0].image).toBe(
      `${registry.host}/litmusedge/litmusedge-std-docker:3.16.2@${edge.digest}`,
    );
    expect(status(pod).containerStatuses[0]).toMatchObject({ imageID: edge.byDigest, ready: true });
    // The community chart's Service never gets this endpoint (community-chart-defects.test.ts).
    expect(await endpointIps('edge-litmusedge')).toEqual({
      ips: [status(pod).podIP],
      ports: [{ name: 'https', port: 443, protocol: 'TCP' }],
    });
    const claim = kube.store.get('persistentvolumeclaims', NS, 'edge-litmusedge-var')!;
    expect(status(claim).phase).toBe('Bound');
    expect(claim.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
  });

  test('the helm test command reaches the portal through kubectl port-forward svc/edge-litmusedge', async () => {
    const forward = spawnPeer(
      kubectlPath(),
      ['port-forward', '-n', NS, 'svc/edge-litmusedge', '0:443', '--address', '127.0.0.1'],
      { env: toolEnv(join(tools.work, 'home'), kube.writeKubeconfig(tools.work)) },
    );
    try {
      const port = await until('kubectl port-forward to listen', () => {
        if (forward.exitStatus()) throw new Error(`kubectl port-forward exited: ${forward.output()}`);
        return /Forwarding from 127\.0\.0\.1:(\d+)/.exec(forward.output())?.[1];
      });
      const r = await runHook(`https://127.0.0.1:${port}/`);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`TLS answered: HTTP 200 from https://127.0.0.1:${port}/\n`);
    } finally {
      await forward.stop();
    }
  });

  test('helm test: the hook pod runs to completion and is deleted once it succeeded', async () => {
    const r = await tools.helm(['test', 'edge', '-n', NS, '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/TEST SUITE:\s+edge-litmusedge-test-https/);
    expect(r.stdout).toMatch(/Phase:\s+Succeeded/);
    await until(
      'the test pod to be deleted',
      () => !kube.store.get('pods', NS, 'edge-litmusedge-test-https'),
    );
  });

  test('upgrade onto the other node: Recreate frees the volume first and the rollout completes', async () => {
    const old = onlyPod('edge');
    const selector = (kube.store.get('apps/v1/deployments', NS, 'edge-litmusedge')!.spec as Obj).selector
      .matchLabels;
    const seen: string[] = [];
    const off = kube.store.onChange((e) => {
      const labels = e.object.metadata.labels ?? {};
      if (e.resource.resource !== 'pods' || !matches(selector, labels)) return;
      if (e.type !== 'MODIFIED') seen.push(`${e.type} ${e.object.metadata.name}`);
    });
    const r = await helmWait('upgrade', 'edge', onNode('node-b'));
    off();
    expect(r.code, r.stderr).toBe(0);
    const now = onlyPod('edge');
    expect((now.spec as Obj).nodeName).toBe('node-b');
    expect(ready(now)).toBe(true);
    // The old pod went before the new one was created: never two pods on the ReadWriteOnce volume.
    expect(seen).toEqual([`DELETED ${old.metadata.name}`, `ADDED ${now.metadata.name}`]);
    const attach = kube.store.list('events', NS).filter((e) => e.reason === 'FailedAttachVolume');
    expect(attach).toEqual([]);
    const history = JSON.parse(ok(await tools.helm(['history', 'edge', '-n', NS, '-o', 'json']))) as Obj[];
    expect(history.map((h) => [h.revision, h.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);
  });

  test('a second release in the same namespace runs beside the first with its own claim and endpoint', async () => {
    const r = await helmWait('install', 'plant-b');
    expect(r.code, r.stderr).toBe(0);
    const [a, b] = [onlyPod('edge'), onlyPod('plant-b')];
    expect(ready(b)).toBe(true);
    expect((await endpointIps('edge-litmusedge')).ips).toEqual([status(a).podIP]);
    expect((await endpointIps('plant-b-litmusedge')).ips).toEqual([status(b).podIP]);
    const volumes = ['edge', 'plant-b'].map(
      (n) => (kube.store.get('persistentvolumeclaims', NS, `${n}-litmusedge-var`)!.spec as Obj).volumeName,
    );
    expect(new Set(volumes).size).toBe(2);
  });

  test('uninstall keeps the claim; installing the release again mounts the same volume', async () => {
    const before = kube.store.get('persistentvolumeclaims', NS, 'plant-b-litmusedge-var')!;
    const r = await tools.helm(['uninstall', 'plant-b', '-n', NS, '--wait', '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('These resources were kept due to the resource policy:');
    expect(r.stdout).toContain('[PersistentVolumeClaim] plant-b-litmusedge-var');
    expect(kube.store.get('apps/v1/deployments', NS, 'plant-b-litmusedge')).toBeUndefined();
    const kept = kube.store.get('persistentvolumeclaims', NS, 'plant-b-litmusedge-var')!;
    expect(kept.metadata.uid).toBe(before.metadata.uid);

    const again = await helmWait('install', 'plant-b');
    expect(again.code, again.stderr).toBe(0);
    const adopted = kube.store.get('persistentvolumeclaims', NS, 'plant-b-litmusedge-var')!;
    expect(adopted.metadata.uid).toBe(before.metadata.uid);
    expect((adopted.spec as Obj).volumeName).toBe((before.spec as Obj).volumeName);
    expect(ready(onlyPod('plant-b'))).toBe(true);
  });

  test('bad values: helm install fails with the path before anything is created', async () => {
    const r = await tools.helm([
      'install',
      'bad',
      CHART,
      '-n',
      NS,
      '-f',
      await values({ image: { repository: 'x.example/le', digest: 'sha256:abc' } }),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("- at '/image/digest': 'sha256:abc' does not match pattern");
    const created = kube.store
      .list('secrets', NS)
      .filter((s) => s.metadata.labels?.owner === 'helm' && s.metadata.labels?.name === 'bad');
    expect(created).toEqual([]);
    expect(kube.store.get('apps/v1/deployments', NS, 'bad-litmusedge')).toBeUndefined();
  });
});
