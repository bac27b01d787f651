// The Kubernetes API server stand-in, driven by the real clients: kubectl, helm 4 and @kubernetes/client-node.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startKubeApiServer, type KubeObject, type KubeSandbox } from '../support/kube-apiserver/index.js';
import { helmPath, kubectlPath, runTool, toolEnv, type ToolResult } from '../support/kube-apiserver/tools.js';
import { until } from '../support/until.js';

const READER_TOKEN = 'reader-token';
const READER_USER = 'system:serviceaccount:litmus:deployer';
const AIO = 'azure-iot-operations';

let sb: KubeSandbox;
let work: string;
let home: string;
let adminKubeconfig: string;
let readerKubeconfig: string;
let echo: Server;
let echoAddress: string;
let kubectl: string;
let helm: string;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  kubectl = kubectlPath();
  helm = helmPath();
  work = await mkdtemp(join(tmpdir(), 'kube-apiserver-test-'));
  home = join(work, 'home');
  sb = await startKubeApiServer({
    rbac: {
      [READER_TOKEN]: {
        user: READER_USER,
        rules: [
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'], namespaces: [AIO] },
        ],
      },
    },
  });
  adminKubeconfig = sb.writeKubeconfig(work);
  readerKubeconfig = sb.writeKubeconfig(work, READER_TOKEN);
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const addr = echo.address();
  echoAddress = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  sb.portForwardTargets.set(`${AIO}/aio-broker:18884`, echoAddress);
  kc = new k8s.KubeConfig();
  kc.loadFromFile(adminKubeconfig);
});

afterAll(async () => {
  await sb?.stop();
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
  if (work) await rm(work, { recursive: true, force: true });
});

function k(args: string[], opts: { kubeconfig?: string; input?: string; env?: Record<string, string> } = {}) {
  return runTool(kubectl, args, toolEnv(home, opts.kubeconfig ?? adminKubeconfig, opts.env), opts);
}

function h(args: string[]) {
  return runTool(helm, args, toolEnv(home, adminKubeconfig));
}

function ok(r: ToolResult): string {
  expect(r.stderr, `exit ${r.code}: ${r.stderr}`).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  return r.stdout;
}

/** Writes (method, path) of requests served from now on. */
function recorder() {
  const start = sb.requests.length;
  return {
    writes: () =>
      sb.requests
        .slice(start)
        .filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.status < 400),
  };
}

function rawGet(
  path: string,
  token?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${sb.url}${path}`,
      { ca: sb.caPem, headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, contentType: String(res.headers['content-type']) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sends `payload` to a TCP port and collects as many bytes back. */
function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const s = connect(port, '127.0.0.1', () => s.write(payload));
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= payload.length) {
        s.end();
        resolve(Buffer.concat(chunks));
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Starts `kubectl port-forward` and resolves with the local port it listens on. */
async function kubectlPortForward(args: string[], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(kubectl, ['port-forward', ...args], {
    env: toolEnv(home, adminKubeconfig, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const port = await until('kubectl port-forward to listen', () => {
    const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
    if (!m && child.exitCode !== null) throw new Error(`kubectl port-forward exited: ${out}`);
    return m ? Number(m[1]) : undefined;
  });
  return {
    port,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const deploymentYaml = (value: string, image = 'nginx:1.27') => `
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  namespace: default
data:
  mode: ${value}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: ${image}
        ports: [{containerPort: 8080}]
        env: [{name: MODE, value: ${value}}]
`;

describe('seed state', () => {
  test('an AIO cluster behind Arc: namespaces, broker resources, trust bundle, cluster config', async () => {
    const ns = JSON.parse(ok(await k(['get', 'namespaces', '-o', 'json']))) as { items: KubeObject[] };
    expect(ns.items.map((n) => n.metadata.name)).toEqual(
      expect.arrayContaining(['default', 'kube-system', AIO, 'azure-arc', 'cert-manager']),
    );
    const listener = JSON.parse(ok(await k(['get', 'brokerlistener', 'default', '-n', AIO, '-o', 'json'])));
    expect(listener.spec).toMatchObject({
      serviceName: 'aio-broker',
      serviceType: 'ClusterIp',
      ports: [
        {
          port: 18883,
          authenticationRef: 'default',
          protocol: 'Mqtt',
          tls: {
            mode: 'Automatic',
            certManagerCertificateSpec: {
              issuerRef: { name: 'azure-iot-operations-aio-certificate-issuer', kind: 'ClusterIssuer' },
            },
          },
        },
      ],
    });
    const authn = sb.store.get('mqttbroker.iotoperations.azure.com/v1/brokerauthentications', AIO, 'default');
    expect(authn?.spec).toEqual({
      authenticationMethods: [
        { method: 'ServiceAccountToken', serviceAccountTokenSettings: { audiences: ['aio-internal'] } },
      ],
    });
    const bundle = sb.store.get('configmaps', AIO, 'azure-iot-operations-aio-ca-trust-bundle');
    expect((bundle?.data as Record<string, string>)['ca.crt']).toBe(sb.brokerCaPem);
    expect(sb.brokerCaPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const arc = ok(
      await k(['get', 'cm', 'azure-clusterconfig', '-n', 'azure-arc', '-o', 'jsonpath={.data}']),
    );
    expect(JSON.parse(arc)).toMatchObject({
      AZURE_RESOURCE_NAME: 'sandbox-cluster',
      AZURE_RESOURCE_GROUP: 'sandbox-rg',
      AZURE_SUBSCRIPTION_ID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      AZURE_REGION: 'westeurope',
    });
    expect(ok(await k(['get', 'crd', '-o', 'name']))).toContain(
      'customresourcedefinition.apiextensions.k8s.io/brokerlisteners.mqttbroker.iotoperations.azure.com',
    );
  });

  test('requests without a valid token get a 401 Status', async () => {
    const res = await rawGet('/api/v1/namespaces');
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    expect((await rawGet('/version', sb.adminToken)).status).toBe(200);
    expect((await stat(adminKubeconfig)).mode & 0o777).toBe(0o600);
    const bad = sb.writeKubeconfig(work, 'not-a-token', { fileName: 'bad' });
    const r = await k(['get', 'cm'], { kubeconfig: bad });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('You must be logged in to the server (Unauthorized)');
  });
});

describe('discovery and watch over plain HTTP', () => {
  test('legacy and aggregated discovery list kinds, scopes, verbs and subresources', async () => {
    const core = JSON.parse((await rawGet('/api/v1', sb.adminToken)).body) as {
      resources: Record<string, unknown>[];
    };
    expect(core.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'configmaps',
          kind: 'ConfigMap',
          namespaced: true,
          shortNames: ['cm'],
        }),
        expect.objectContaining({ name: 'namespaces', kind: 'Namespace', namespaced: false }),
        expect.objectContaining({
          name: 'pods/portforward',
          kind: 'PodPortForwardOptions',
          verbs: ['create', 'get'],
        }),
      ]),
    );
    const apps = JSON.parse((await rawGet('/apis/apps/v1', sb.adminToken)).body) as {
      resources: { name: string }[];
    };
    expect(apps.resources.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'deployments',
        'deployments/status',
        'deployments/scale',
        'replicasets',
        'statefulsets',
      ]),
    );
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    const agg = await rawGet('/apis', sb.adminToken, { accept });
    expect(agg.contentType).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const groups = JSON.parse(agg.body) as {
      kind: string;
      items: { metadata: { name: string }; versions: { resources: Record<string, unknown>[] }[] }[];
    };
    expect(groups.kind).toBe('APIGroupDiscoveryList');
    const mq = groups.items.find((g) => g.metadata.name === 'mqttbroker.iotoperations.azure.com');
    expect(mq?.versions[0]?.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          resource: 'brokerlisteners',
          scope: 'Namespaced',
          responseKind: {
            group: 'mqttbroker.iotoperations.azure.com',
            version: 'v1',
            kind: 'BrokerListener',
          },
        }),
      ]),
    );
    const plain = JSON.parse((await rawGet('/apis', sb.adminToken)).body) as {
      kind: string;
      groups: { name: string }[];
    };
    expect(plain.kind).toBe('APIGroupList');
    expect(plain.groups.map((g) => g.name)).toContain('coordination.k8s.io');
  });

  test('a watch resumes after a resourceVersion and ends after timeoutSeconds', async () => {
    const first = sb.store.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'resume', namespace: 'default' },
      data: { n: '1' },
    });
    sb.store.put({ ...first, data: { n: '2' } });
    sb.store.delete('configmaps', 'default', 'resume');
    const path = `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${first.metadata.resourceVersion}&timeoutSeconds=1`;
    const started = Date.now();
    const res = await rawGet(path, sb.adminToken);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const events = res.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: KubeObject });
    expect(
      events.map((e) => [e.type, e.object.metadata.name, (e.object.data as Record<string, string>).n]),
    ).toEqual([
      ['MODIFIED', 'resume', '2'],
      ['DELETED', 'resume', '2'],
    ]);
  });
});

describe('fault injection', () => {
  test('kubectl waits out a 429 with Retry-After and retries; client-node sees 503 and a dropped connection', async () => {
    sb.faults.add({
      match: { verb: 'get', resource: 'configmaps', name: 'azure-clusterconfig' },
      fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
    });
    const started = Date.now();
    const r = ok(await k(['get', 'configmap', 'azure-clusterconfig', '-n', 'azure-arc', '-o', 'name']));
    expect(r).toBe('configmap/azure-clusterconfig\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const tries = sb.requests.filter((q) => q.name === 'azure-clusterconfig' && q.verb === 'get').slice(-2);
    expect(tries.map((q) => q.status)).toEqual([429, 200]);

    const core = kc.makeApiClient(k8s.CoreV1Api);
    sb.faults.add({
      match: { resource: 'configmaps', namespace: 'azure-arc' },
      fault: { kind: 'status', status: 503, retryAfterSeconds: 7 },
    });
    const unavailable = (await core
      .readNamespacedConfigMap({ name: 'azure-clusterconfig', namespace: 'azure-arc' })
      .catch((e: unknown) => e)) as k8s.ApiException<string>;
    expect(unavailable.code).toBe(503);
    expect(unavailable.headers['retry-after']).toBe('7');
    expect(JSON.parse(unavailable.body)).toMatchObject({
      kind: 'Status',
      reason: 'ServiceUnavailable',
      code: 503,
      details: { retryAfterSeconds: 7 },
    });
    sb.faults.add({
      match: { path: '/api/v1/namespaces/azure-arc/configmaps/azure-clusterconfig' },
      fault: { kind: 'drop' },
    });
    const dropped = await core
      .readNamespacedConfigMap({ name: 'azure-clusterconfig', namespace: 'azure-arc' })
      .catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(Error);
    expect(dropped).not.toBeInstanceOf(k8s.ApiException);
    const fine = await core.readNamespacedConfigMap({ name: 'azure-clusterconfig', namespace: 'azure-arc' });
    expect(fine.data?.AZURE_RESOURCE_NAME).toBe('sandbox-cluster');
    expect(sb.faults.pending).toBe(0);
    expect(sb.faults.hits.map((h) => [h.kind, h.attributes?.verb, h.attributes?.name])).toEqual([
      ['status', 'get', 'azure-clusterconfig'],
      ['status', 'get', 'azure-clusterconfig'],
      ['drop', 'get', 'azure-clusterconfig'],
    ]);
  });

  test('a 409 on a named object reads as a stale resourceVersion; a delay holds the request, then serves it', async () => {
    sb.faults.reset([
      { match: { verb: 'update', resource: 'configmaps' }, fault: { kind: 'status', status: 409 } },
      { match: { verb: 'get', name: 'azure-clusterconfig' }, fault: { kind: 'delay', ms: 300 } },
    ]);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const started = Date.now();
    const cm = await core.readNamespacedConfigMap({ name: 'azure-clusterconfig', namespace: 'azure-arc' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(cm.data?.AZURE_RESOURCE_NAME).toBe('sandbox-cluster');
    const conflict = (await core
      .replaceNamespacedConfigMap({ name: 'azure-clusterconfig', namespace: 'azure-arc', body: cm })
      .catch((e: unknown) => e)) as k8s.ApiException<string>;
    expect(conflict.code).toBe(409);
    expect(JSON.parse(conflict.body)).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on configmaps "azure-clusterconfig": the object has been modified; please apply your changes to the latest version and try again',
    });
    expect(sb.faults.pending).toBe(0);
    sb.faults.reset();
  });
});

describe('kubectl', () => {
  test('apply creates, re-apply changes, a third apply writes nothing', async () => {
    const file = join(work, 'app.yaml');
    await writeFile(file, deploymentYaml('one'));
    expect(ok(await k(['apply', '-f', file]))).toBe(
      'configmap/app-config created\ndeployment.apps/web created\n',
    );
    ok(await k(['rollout', 'status', 'deployment/web', '--timeout=20s']));

    await writeFile(file, deploymentYaml('two'));
    expect(ok(await k(['apply', '-f', file]))).toBe(
      'configmap/app-config configured\ndeployment.apps/web configured\n',
    );
    const cm = JSON.parse(ok(await k(['get', 'configmap', 'app-config', '-o', 'json'])));
    expect(cm.data).toEqual({ mode: 'two' });
    expect(cm.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('"two"');
    const deploy = JSON.parse(ok(await k(['get', 'deployment', 'web', '-o', 'json'])));
    expect(deploy.metadata.generation).toBe(2);
    expect(deploy.spec.template.spec.containers[0].env).toEqual([{ name: 'MODE', value: 'two' }]);
    ok(await k(['rollout', 'status', 'deployment/web', '--timeout=20s']));
    const ready = await until('web status for generation 2', () => {
      const d = sb.store.get('apps/v1/deployments', 'default', 'web');
      const s = d?.status as Record<string, unknown> | undefined;
      return s?.observedGeneration === 2 && s.readyReplicas === 2 ? s : undefined;
    });
    expect(ready.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Available', status: 'True' }),
        expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }),
      ]),
    );
    // The new ReplicaSet owns two Running, Ready pods with the template's labels; the old one is scaled to 0.
    const pods = sb.store.list('pods', 'default').filter((p) => p.metadata.labels?.app === 'web');
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect((p.status as { phase: string }).phase).toBe('Running');
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', controller: true });
    }
    const rsReplicas = sb.store
      .list('apps/v1/replicasets', 'default')
      .map((rs) => (rs.spec as { replicas: number }).replicas)
      .sort();
    expect(rsReplicas).toEqual([0, 2]);

    const rec = recorder();
    expect(ok(await k(['apply', '-f', file]))).toBe(
      'configmap/app-config unchanged\ndeployment.apps/web unchanged\n',
    );
    expect(rec.writes()).toEqual([]);

    await writeFile(file, deploymentYaml('two').replaceAll('{app: web}', '{app: web2}'));
    const immutable = await k(['apply', '-f', file]);
    expect(immutable.stderr.trim()).toBe(
      'The Deployment "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );

    expect(ok(await k(['scale', 'deployment', 'web', '--replicas=3']))).toBe('deployment.apps/web scaled\n');
    await until(
      'three web pods',
      () => sb.store.list('pods', 'default').filter((p) => p.metadata.labels?.app === 'web').length === 3,
    );
  });

  test('apply and patch custom resources (merge patch; strategic merge patch is refused as on a real cluster)', async () => {
    const file = join(work, 'authn.yaml');
    const authn = (cn: string) => `apiVersion: mqttbroker.iotoperations.azure.com/v1
kind: BrokerAuthentication
metadata:
  name: litmusedge
  namespace: ${AIO}
spec:
  authenticationMethods:
  - method: X509
    x509Settings:
      trustedClientCaCert: litmusedge-ca
      authorizationAttributes:
        litmus: {subject: "CN = ${cn}", attributes: {client: litmus}}
`;
    await writeFile(file, authn('aiomqttconnector'));
    expect(ok(await k(['apply', '-f', file]))).toBe(
      'brokerauthentication.mqttbroker.iotoperations.azure.com/litmusedge created\n',
    );
    await writeFile(file, authn('other'));
    ok(await k(['apply', '-f', file]));
    const live = sb.store.get(
      'mqttbroker.iotoperations.azure.com/v1/brokerauthentications',
      AIO,
      'litmusedge',
    )!;
    expect(live.metadata.generation).toBe(2);
    expect(JSON.stringify(live.spec)).toContain('"CN = other"');
    const smp = await k(['patch', 'brokerauthentication', 'litmusedge', '-n', AIO, '-p', '{"spec":{}}']);
    expect(smp.stderr.trim()).toBe(
      'error: application/strategic-merge-patch+json is not supported by mqttbroker.iotoperations.azure.com/v1, Kind=BrokerAuthentication: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    ok(
      await k([
        'patch',
        'brokerauthentication',
        'litmusedge',
        '-n',
        AIO,
        '--type',
        'merge',
        '-p',
        '{"metadata":{"labels":{"x":"y"}}}',
      ]),
    );
    expect(
      sb.store.get('mqttbroker.iotoperations.azure.com/v1/brokerauthentications', AIO, 'litmusedge')?.metadata
        .labels,
    ).toEqual({ x: 'y' });
    // The status subresource writes status only; the main resource ignores status; neither bumps generation.
    ok(
      await k([
        'patch',
        'brokerauthentication',
        'litmusedge',
        '-n',
        AIO,
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"provisioningStatus":{"status":"Succeeded"}},"spec":{"authenticationMethods":[]}}',
      ]),
    );
    ok(
      await k([
        'patch',
        'brokerauthentication',
        'litmusedge',
        '-n',
        AIO,
        '--type=merge',
        '-p',
        '{"status":{"x":1}}',
      ]),
    );
    const withStatus = sb.store.get(
      'mqttbroker.iotoperations.azure.com/v1/brokerauthentications',
      AIO,
      'litmusedge',
    )!;
    expect(withStatus.status).toEqual({ provisioningStatus: { status: 'Succeeded' } });
    expect(JSON.stringify(withStatus.spec)).toContain('"CN = other"');
    expect(withStatus.metadata.generation).toBe(2);
  });

  test('patch: merge, strategic (env merges by name) and JSON patch', async () => {
    ok(await k(['patch', 'configmap', 'app-config', '--type', 'merge', '-p', '{"data":{"extra":"x"}}']));
    ok(
      await k([
        'patch',
        'deployment',
        'web',
        '-p',
        '{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"EXTRA","value":"y"}]}]}}}}',
      ]),
    );
    ok(
      await k([
        'patch',
        'configmap',
        'app-config',
        '--type',
        'json',
        '-p',
        '[{"op":"replace","path":"/data/mode","value":"three"},{"op":"remove","path":"/data/extra"}]',
      ]),
    );
    expect(sb.store.get('configmaps', 'default', 'app-config')?.data).toEqual({ mode: 'three' });
    const web = sb.store.get('apps/v1/deployments', 'default', 'web') as k8s.V1Deployment;
    const containers = web.spec!.template.spec!.containers;
    expect(containers).toHaveLength(1);
    expect(containers[0]!.env).toEqual([
      { name: 'MODE', value: 'two' },
      { name: 'EXTRA', value: 'y' },
    ]);
    const failed = await k([
      'patch',
      'configmap',
      'app-config',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/data/mode","value":"nope"}]',
    ]);
    expect(failed.code).not.toBe(0);
  });

  test('server-side apply records managers, reports conflicts, removes dropped fields', async () => {
    const file = join(work, 'ssa.yaml');
    const cm = (data: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: default\ndata:\n${data}`;
    await writeFile(file, cm('  a: "1"\n  b: "2"\n'));
    expect(ok(await k(['apply', '--server-side', '-f', file]))).toBe('configmap/ssa serverside-applied\n');
    const other = join(work, 'ssa-other.yaml');
    await writeFile(other, cm('  a: "changed"\n'));
    const conflict = await k(['apply', '--server-side', '--field-manager', 'other', '-f', other]);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.a',
    );
    ok(await k(['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', other]));
    // The first manager drops b (it lost a to "other"): b goes, a stays as "other" set it.
    await writeFile(file, cm('  c: "3"\n'));
    ok(await k(['apply', '--server-side', '-f', file]));
    const live = sb.store.get('configmaps', 'default', 'ssa')!;
    expect(live.data).toEqual({ a: 'changed', c: '3' });
    const managers = live.metadata.managedFields!.map((m) => [
      m.manager,
      m.operation,
      Object.keys(m.fieldsV1['f:data'] as object),
    ]);
    expect(managers).toEqual(
      expect.arrayContaining([
        ['kubectl', 'Apply', ['f:c']],
        ['other', 'Apply', ['f:a']],
      ]),
    );
  });

  test('dry-run=server validates without writing', async () => {
    const file = join(work, 'dry.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n  namespace: default\n');
    expect(ok(await k(['apply', '--dry-run=server', '-f', file]))).toBe(
      'configmap/dry created (server dry run)\n',
    );
    expect(sb.store.get('configmaps', 'default', 'dry')).toBeUndefined();
  });

  test('auth can-i answers from the RBAC rules; outside them the answer is Forbidden', async () => {
    expect((await k(['auth', 'can-i', 'delete', 'secrets'])).stdout.trim()).toBe('yes');
    const yes = await k(['auth', 'can-i', 'list', 'configmaps', '-n', 'default'], {
      kubeconfig: readerKubeconfig,
    });
    expect([yes.code, yes.stdout.trim()]).toEqual([0, 'yes']);
    const no = await k(['auth', 'can-i', 'delete', 'configmaps', '-n', 'default'], {
      kubeconfig: readerKubeconfig,
    });
    expect([no.code, no.stdout.trim()]).toEqual([1, 'no']);
    const forbidden = await k(['delete', 'configmap', 'app-config', '-n', 'default'], {
      kubeconfig: readerKubeconfig,
    });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr.trim()).toBe(
      `Error from server (Forbidden): configmaps "app-config" is forbidden: User "${READER_USER}" cannot delete resource "configmaps" in API group "" in the namespace "default"`,
    );
    const list = await k(['get', 'secrets', '-n', AIO], { kubeconfig: readerKubeconfig });
    expect(list.stderr.trim()).toBe(
      `Error from server (Forbidden): secrets is forbidden: User "${READER_USER}" cannot list resource "secrets" in API group "" in the namespace "${AIO}"`,
    );
    expect(
      JSON.parse(ok(await k(['get', 'cm', 'app-config', '-o', 'json'], { kubeconfig: readerKubeconfig })))
        .data,
    ).toEqual({
      mode: 'three',
    });
  });

  test('delete: objects go, owned objects are garbage-collected, a second delete is NotFound', async () => {
    // kubectl 1.34 adds " from default namespace".
    expect(ok(await k(['delete', 'configmap', 'app-config']))).toMatch(
      /^configmap "app-config" deleted( from default namespace)?\n$/,
    );
    const again = await k(['delete', 'configmap', 'app-config']);
    expect(again.stderr.trim()).toBe('Error from server (NotFound): configmaps "app-config" not found');
    ok(await k(['delete', 'deployment', 'web']));
    expect(sb.store.list('apps/v1/replicasets', 'default')).toEqual([]);
    expect(sb.store.list('pods', 'default')).toEqual([]);
    // Deleting a namespace deletes what is in it.
    ok(await k(['create', 'namespace', 'scratch']));
    ok(await k(['create', 'configmap', 'inside', '-n', 'scratch', '--from-literal=k=v']));
    ok(await k(['create', 'secret', 'generic', 'creds', '-n', 'scratch', '--from-literal=password=s3cret']));
    const secret = sb.store.get('secrets', 'scratch', 'creds') as k8s.V1Secret;
    expect(Buffer.from(secret.data!.password!, 'base64').toString()).toBe('s3cret');
    // kubectl's imperative generators send protobuf bodies: these kinds are decoded.
    ok(await k(['create', 'serviceaccount', 'robot', '-n', 'scratch']));
    ok(await k(['create', 'role', 'reader', '-n', 'scratch', '--verb=get,list', '--resource=configmaps']));
    ok(
      await k([
        'create',
        'rolebinding',
        'robot-reads',
        '-n',
        'scratch',
        '--role=reader',
        '--serviceaccount=scratch:robot',
      ]),
    );
    expect(sb.store.get('rbac.authorization.k8s.io/v1/rolebindings', 'scratch', 'robot-reads')).toMatchObject(
      {
        subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'scratch' }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
      },
    );
    ok(await k(['delete', 'namespace', 'scratch']));
    expect(sb.store.list('configmaps', 'scratch')).toEqual([]);
    const create = await k(['create', 'configmap', 'orphan', '-n', 'scratch']);
    expect(create.stderr.trim()).toBe('error: failed to create configmap: namespaces "scratch" not found');
  });

  test('port-forward to a Service tunnels to the configured TCP target (WebSocket, then SPDY fallback)', async () => {
    const payload = randomBytes(200_000);
    const viaWs = await kubectlPortForward(['-n', AIO, 'svc/aio-broker', '0:18884']);
    try {
      expect((await roundTrip(viaWs.port, payload)).equals(payload)).toBe(true);
      expect((await roundTrip(viaWs.port, Buffer.from('second connection'))).toString()).toBe(
        'second connection',
      );
    } finally {
      await viaWs.stop();
    }
    const viaSpdy = await kubectlPortForward(['-n', AIO, 'pod/aio-broker-frontend-0', '0:18884'], {
      KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false',
    });
    try {
      expect((await roundTrip(viaSpdy.port, Buffer.from('over plain SPDY'))).toString()).toBe(
        'over plain SPDY',
      );
    } finally {
      await viaSpdy.stop();
    }
    const upgrades = sb.requests
      .filter((r) => r.subresource === 'portforward')
      .map((r) => [r.method, r.status]);
    expect(upgrades).toEqual([
      ['GET', 101],
      ['POST', 101],
    ]);
  });
});

describe('helm', () => {
  let chart: string;

  beforeAll(async () => {
    chart = join(work, 'chart');
    await mkdir(join(chart, 'templates'), { recursive: true });
    await writeFile(
      join(chart, 'Chart.yaml'),
      'apiVersion: v2\nname: tiny\nversion: 0.1.0\nappVersion: "1.0"\n',
    );
    await writeFile(join(chart, 'values.yaml'), 'image: nginx:1.27\ngreeting: hello\n');
    await writeFile(
      join(chart, 'templates', 'all.yaml'),
      `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  greeting: {{ .Values.greeting | quote }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      containers:
      - name: app
        image: {{ .Values.image }}
        ports: [{name: http, containerPort: 80}]
        volumeMounts: [{name: data, mountPath: /var}]
      volumes:
      - name: data
        persistentVolumeClaim: {claimName: {{ .Release.Name }}-data}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ .Release.Name }}-data
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 2Gi}}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector: {app: {{ .Release.Name }}}
  ports: [{name: http, port: 80, targetPort: http}]
`,
    );
  });

  const greeting = () =>
    (sb.store.get('configmaps', 'default', 'demo-config')?.data as Record<string, string>).greeting;

  test('upgrade --install --wait deploys and waits for the Deployment', async () => {
    const r = await h(['upgrade', '--install', 'demo', chart, '-n', 'default', '--wait', '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('STATUS: deployed');
    expect(greeting()).toBe('hello');
    const deploy = sb.store.get('apps/v1/deployments', 'default', 'demo')!;
    expect(deploy.status).toMatchObject({ readyReplicas: 1, observedGeneration: 1 });
    expect(deploy.metadata.managedFields?.some((m) => m.manager === 'helm' && m.operation === 'Apply')).toBe(
      true,
    );
    expect(sb.store.get('services', 'default', 'demo')?.spec).toMatchObject({
      type: 'ClusterIP',
      clusterIP: expect.any(String),
    });
    expect(sb.store.get('persistentvolumeclaims', 'default', 'demo-data')?.status).toMatchObject({
      phase: 'Bound',
      capacity: { storage: '2Gi' },
    });
    const releases = sb.store.list('secrets', 'default').filter((s) => s.metadata.labels?.owner === 'helm');
    expect(releases.map((s) => s.metadata.name)).toEqual(['sh.helm.release.v1.demo.v1']);

    const list = JSON.parse((await h(['list', '-n', 'default', '-o', 'json'])).stdout);
    expect(list).toEqual([
      expect.objectContaining({ name: 'demo', revision: '1', status: 'deployed', chart: 'tiny-0.1.0' }),
    ]);
  });

  test('a second upgrade changes what changed; rollback restores revision 1', async () => {
    const rv = (resource: string, name: string) =>
      sb.store.get(resource, 'default', name)?.metadata.resourceVersion;
    const before = {
      svc: rv('services', 'demo'),
      deploy: rv('apps/v1/deployments', 'demo'),
      cm: rv('configmaps', 'demo-config'),
    };
    const up = await h([
      'upgrade',
      'demo',
      chart,
      '-n',
      'default',
      '--wait',
      '--timeout',
      '60s',
      '--set',
      'greeting=bonjour',
    ]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('REVISION: 2');
    expect(greeting()).toBe('bonjour');
    // Server-side apply of unchanged manifests writes nothing.
    expect(rv('services', 'demo')).toBe(before.svc);
    expect(rv('apps/v1/deployments', 'demo')).toBe(before.deploy);
    expect(rv('configmaps', 'demo-config')).not.toBe(before.cm);

    const rb = await h(['rollback', 'demo', '1', '-n', 'default', '--wait', '--timeout', '60s']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(greeting()).toBe('hello');
    const history = JSON.parse((await h(['history', 'demo', '-n', 'default', '-o', 'json'])).stdout) as {
      revision: number;
      status: string;
    }[];
    expect(history.map((x) => [x.revision, x.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);
  });

  test('a Deployment that cannot become ready fails the install instead of hanging', async () => {
    sb.failDeployment('default', 'broken', 'ImagePullBackOff');
    const started = Date.now();
    const r = await h([
      'upgrade',
      '--install',
      'broken',
      chart,
      '-n',
      'default',
      '--wait',
      '--timeout',
      '45s',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('resource Deployment/default/broken not ready. status: Failed');
    expect(Date.now() - started).toBeLessThan(30_000);
    const pod = sb.store.list('pods', 'default').find((p) => p.metadata.labels?.app === 'broken')!;
    expect((pod as k8s.V1Pod).status!.containerStatuses![0]!.state!.waiting!.reason).toBe('ImagePullBackOff');
    const events = (sb.store.list('events', 'default') as unknown as k8s.CoreV1Event[]).filter(
      (e) => e.involvedObject.name === pod.metadata.name,
    );
    expect(events.map((e) => [e.type, e.reason])).toEqual([['Warning', 'BackOff']]);
    const status = JSON.parse((await h(['status', 'broken', '-n', 'default', '-o', 'json'])).stdout);
    expect(status.info.status).toBe('failed');

    const un = await h(['uninstall', 'broken', '-n', 'default', '--wait', '--timeout', '30s']);
    expect(un.code, un.stderr).toBe(0);
    expect(sb.store.get('apps/v1/deployments', 'default', 'broken')).toBeUndefined();
    expect(sb.store.list('pods', 'default').filter((p) => p.metadata.labels?.app === 'broken')).toEqual([]);
    expect(sb.store.list('secrets', 'default').map((x) => x.metadata.name)).not.toContain(
      'sh.helm.release.v1.broken.v1',
    );
  });
});

describe('@kubernetes/client-node', () => {
  const errorBody = (e: unknown) => {
    const body = (e as k8s.ApiException<unknown>).body;
    return (typeof body === 'string' ? JSON.parse(body) : body) as {
      message: string;
      reason: string;
      code: number;
    };
  };

  test('CoreV1Api: create, read, replace; a stale resourceVersion is a 409 Conflict', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'node-client', labels: { tier: 'web', env: 'dev' } }, data: { v: '1' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const read = await core.readNamespacedConfigMap({ name: 'node-client', namespace: 'default' });
    expect(read.data).toEqual({ v: '1' });
    const replaced = await core.replaceNamespacedConfigMap({
      name: 'node-client',
      namespace: 'default',
      body: { ...read, data: { v: '2' } },
    });
    expect(Number(replaced.metadata!.resourceVersion)).toBeGreaterThan(
      Number(read.metadata!.resourceVersion),
    );
    const stale = await core
      .replaceNamespacedConfigMap({
        name: 'node-client',
        namespace: 'default',
        body: { ...read, data: { v: '3' } },
      })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(k8s.ApiException);
    expect((stale as k8s.ApiException<unknown>).code).toBe(409);
    expect(errorBody(stale)).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on configmaps "node-client": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'node-client', kind: 'configmaps' },
    });
    const dup = await core
      .createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'node-client' } } })
      .catch((e: unknown) => e);
    expect(errorBody(dup).message).toBe('configmaps "node-client" already exists');
    const missingNs = await core
      .createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } })
      .catch((e: unknown) => e);
    expect([(missingNs as k8s.ApiException<unknown>).code, errorBody(missingNs).message]).toEqual([
      404,
      'namespaces "nowhere" not found',
    ]);
    const generated = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { generateName: 'gen-', labels: { tier: 'db' } } },
    });
    expect(generated.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const names = async (labelSelector: string) =>
      (await core.listNamespacedConfigMap({ namespace: 'default', labelSelector })).items.map(
        (c) => c.metadata!.name,
      );
    expect(await names('tier in (web,db)')).toEqual([generated.metadata!.name, 'node-client']);
    expect(await names('tier,env,env!=prod,!missing')).toEqual(['node-client']);
    expect(await names('env!=dev,tier')).toEqual([generated.metadata!.name]);
    expect(await names('tier,tier notin (web)')).toEqual([generated.metadata!.name]);
    const byField = await core.listConfigMapForAllNamespaces({
      fieldSelector: 'metadata.name=azure-clusterconfig',
    });
    expect(byField.items.map((c) => c.metadata!.namespace)).toEqual(['azure-arc']);
  });

  test('CustomObjectsApi: add a port to the default BrokerListener (GET, add, PUT)', async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const ref = {
      group: 'mqttbroker.iotoperations.azure.com',
      version: 'v1',
      namespace: AIO,
      plural: 'brokerlisteners',
    };
    const listeners = (await custom.listNamespacedCustomObject(ref)) as { items: KubeObject[] };
    expect(listeners.items.map((l) => l.metadata.name)).toEqual(['default']);
    const current = (await custom.getNamespacedCustomObject({ ...ref, name: 'default' })) as KubeObject;
    const spec = current.spec as { ports: Record<string, unknown>[] };
    const added = {
      port: 18884,
      protocol: 'Mqtt',
      authenticationRef: 'litmusedge',
      tls: { mode: 'Automatic' },
    };
    const updated = (await custom.replaceNamespacedCustomObject({
      ...ref,
      name: 'default',
      body: { ...current, spec: { ...spec, ports: [...spec.ports, added] } },
    })) as KubeObject;
    expect((updated.spec as typeof spec).ports).toEqual([spec.ports[0], added]);
    expect(updated.metadata.generation).toBe(2);
    const stale = await custom
      .replaceNamespacedCustomObject({ ...ref, name: 'default', body: current })
      .catch((e: unknown) => e);
    expect(errorBody(stale).message).toBe(
      'Operation cannot be fulfilled on brokerlisteners.mqttbroker.iotoperations.azure.com "default": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  test('KubernetesObjectApi (discovery-driven) and SelfSubjectAccessReview with a restricted token', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const created = await objects.create(
      {
        apiVersion: 'mqttbroker.iotoperations.azure.com/v1',
        kind: 'BrokerAuthorization',
        metadata: { name: 'generic', namespace: AIO },
        spec: { authorizationPolicies: { rules: [] } },
      } as k8s.KubernetesObject,
      undefined,
      undefined,
      'litmus-aio',
    );
    expect(created.metadata?.managedFields?.[0]).toMatchObject({
      manager: 'litmus-aio',
      operation: 'Update',
    });
    const listed = await objects.list('mqttbroker.iotoperations.azure.com/v1', 'BrokerAuthorization', AIO);
    expect(listed.items.map((o) => o.metadata?.name)).toEqual(['generic']);
    const cms = await objects.list('v1', 'ConfigMap', 'azure-arc');
    expect(cms.items.map((o) => [o.kind, o.metadata?.name])).toEqual([[undefined, 'azure-clusterconfig']]);
    await objects.delete({
      apiVersion: 'mqttbroker.iotoperations.azure.com/v1',
      kind: 'BrokerAuthorization',
      metadata: { name: 'generic', namespace: AIO },
    });
    const gone = await objects
      .read({
        apiVersion: 'mqttbroker.iotoperations.azure.com/v1',
        kind: 'BrokerAuthorization',
        metadata: { name: 'generic', namespace: AIO },
      })
      .catch((e: unknown) => e);
    expect([(gone as k8s.ApiException<unknown>).code, errorBody(gone).message]).toEqual([
      404,
      'brokerauthorizations.mqttbroker.iotoperations.azure.com "generic" not found',
    ]);

    const readerKc = new k8s.KubeConfig();
    readerKc.loadFromFile(readerKubeconfig);
    const authz = readerKc.makeApiClient(k8s.AuthorizationV1Api);
    const can = async (resourceAttributes: k8s.V1ResourceAttributes) =>
      (await authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes } } })).status?.allowed;
    expect(await can({ verb: 'get', resource: 'configmaps', namespace: 'default' })).toBe(true);
    expect(await can({ verb: 'update', resource: 'configmaps', namespace: 'default' })).toBe(false);
    expect(await can({ verb: 'create', resource: 'pods', subresource: 'portforward', namespace: AIO })).toBe(
      true,
    );
    expect(
      await can({ verb: 'create', resource: 'pods', subresource: 'portforward', namespace: 'default' }),
    ).toBe(false);
  });

  test('Watch streams ADDED, MODIFIED and DELETED', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const seen: [string, string, string | undefined][] = [];
    const changes: string[] = [];
    const unsubscribe = sb.store.onChange((e) => {
      if (e.resource.resource === 'configmaps' && e.object.metadata.name === 'watched') changes.push(e.type);
    });
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { labelSelector: 'watched=yes' },
      (type: string, obj: k8s.V1ConfigMap) => seen.push([type, obj.metadata!.name!, obj.data?.v]),
      () => {},
    );
    try {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'watched', labels: { watched: 'yes' } }, data: { v: 'a' } },
      });
      await core.patchNamespacedConfigMap(
        { name: 'watched', namespace: 'default', body: { data: { v: 'b' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedConfigMap({ name: 'watched', namespace: 'default' });
      await until('three watch events', () => seen.length >= 3);
      expect(seen).toEqual([
        ['ADDED', 'watched', 'a'],
        ['MODIFIED', 'watched', 'b'],
        ['DELETED', 'watched', 'b'],
      ]);
      expect(changes).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    } finally {
      req.abort();
      unsubscribe();
    }
  });

  test('AppsV1Api: a StatefulSet gets ordinal Pods and a ready status', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    await apps.createNamespacedStatefulSet({
      namespace: 'default',
      body: {
        metadata: { name: 'db' },
        spec: {
          replicas: 2,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: {
            metadata: { labels: { app: 'db' } },
            spec: { containers: [{ name: 'db', image: 'postgres:17' }] },
          },
        },
      },
    });
    const status = await until('db ready', async () => {
      const s = (await apps.readNamespacedStatefulSetStatus({ name: 'db', namespace: 'default' })).status;
      return s?.readyReplicas === 2 ? s : undefined;
    });
    expect(status.observedGeneration).toBe(1);
    expect(status.currentRevision).toBe(status.updateRevision);
    expect(
      sb.store
        .list('pods', 'default')
        .filter((p) => p.metadata.labels?.app === 'db')
        .map((p) => p.metadata.name),
    ).toEqual(['db-0', 'db-1']);
  });

  test('PortForward over WebSocket (v4.channel.k8s.io): bytes in, same bytes out', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const errors = new PassThrough();
    const received: Buffer[] = [];
    output.on('data', (d: Buffer) => received.push(d));
    let errorText = '';
    errors.on('data', (d: Buffer) => (errorText += d.toString()));
    const ws = (await new k8s.PortForward(kc).portForward(
      AIO,
      'aio-broker-frontend-0',
      [18884],
      output,
      errors,
      input,
    )) as {
      close(): void;
    };
    try {
      const payload = randomBytes(100_000);
      input.write(payload);
      await until('the echo', () => Buffer.concat(received).length >= payload.length);
      expect(Buffer.concat(received).equals(payload)).toBe(true);
      expect(errorText).toBe('');
    } finally {
      ws.close();
    }
  });
});
