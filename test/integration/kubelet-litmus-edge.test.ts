// The test-image behaviour `litmus-edge`: the sandbox kubelet runs the Litmus Edge stand-in as the container's
// process, configured by the image's Env and the pod's `env` (which wins), on the container port named `https`
// (so the chart's HTTPS probes pass), and its integrations reach in-cluster names through the kubelet's cluster DNS
// (asked per connection: a broker Service that appears after the instance was enabled is found). Checked with curl
// against the pod's port, kubectl logs, and mosquitto_sub reading what the pod publishes through a real mosquitto.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startKubeApiServer, type KubeObject, type KubeSandbox } from '../support/kube-apiserver/index.js';
import { resolveClusterName } from '../support/kube-apiserver/kubelet/cluster-dns.js';
import { containerEnv } from '../support/kube-apiserver/kubelet/programs.js';
import { pullSecret, pushTestImage } from '../support/kube-apiserver/kubelet/test-images.js';
import { kubectlPath, runTool, toolEnv } from '../support/kube-apiserver/tools.js';
import type { TestChain } from '../support/peers/chain.js';
import { runCommand } from '../support/peers/child.js';
import type { MosquittoPeer } from '../support/peers/mosquitto.js';
import { startRegistry, type RegistryPeer } from '../support/peers/registry.js';
import { curlJson, type CurlAnswer } from '../support/peers/curl.js';
import { findTool } from '../support/peers/tools.js';
import { BROKER_HOST, startX509Broker, type X509Broker } from '../support/peers/x509-broker.js';
import { createTestCa, issueLoopbackServerCert, type TestCertificate } from '../support/test-pki.js';
import { until } from '../support/until.js';

const TOKEN = 'le-pod-token-0123456789';
let dir: string;
let registry: RegistryPeer;
let kube: KubeSandbox;
let broker: MosquittoPeer;
let brokerCa: TestCertificate;
let client: TestChain;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubelet-le-'));
  const ca = await createTestCa('Sandbox Registry CA');
  let x509: X509Broker;
  [registry, x509] = await Promise.all([
    issueLoopbackServerCert(ca).then((serverCert) =>
      startRegistry({ serverCert, username: 'litmus', password: 'litmus-secret', caPem: ca.cert }),
    ),
    // mosquitto_sub reads the client chain, its key and the broker's CA from files in dir.
    startX509Broker(dir),
  ]);
  ({ broker, brokerCa, client } = x509);
  const image = await pushTestImage({
    registry: registry.host,
    ca: ca.cert,
    creds: registry.creds,
    repository: 'litmusedge/litmusedge-std-docker',
    tag: '3.16.2',
    behaviour: 'litmus-edge',
    env: { LITMUS_EDGE_TOKENS: TOKEN, LITMUS_EDGE_VERSION: '3.16.2' },
  });
  kube = await startKubeApiServer({ seed: false, runtime: 'kubelet', kubelet: { registryCa: ca.cert } });
  kube.store.put(pullSecret('default', 'regcred', registry.host, registry.creds) as KubeObject);
  const probe = { httpGet: { path: '/', port: 'https', scheme: 'HTTPS' }, periodSeconds: 1 };
  kube.store.put({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'le', namespace: 'default' },
    spec: {
      imagePullSecrets: [{ name: 'regcred' }],
      containers: [
        {
          name: 'litmusedge',
          image: image.byDigest,
          ports: [{ name: 'https', containerPort: 443 }],
          env: [{ name: 'LITMUS_EDGE_VERSION', value: '3.17.0' }],
          startupProbe: probe,
          readinessProbe: probe,
        },
      ],
    },
  } as KubeObject);
  await until('pod le Ready', () => {
    const statuses = (
      kube.store.get('pods', 'default', 'le')?.status as { containerStatuses?: { ready?: boolean }[] }
    )?.containerStatuses;
    return statuses?.[0]?.ready === true;
  });
  base = `https://${kube.portForwardTargets.get('default/le:443')!}`;
}, 60_000);

afterAll(async () => {
  await kube?.stop();
  await Promise.all([registry?.stop(), broker?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** curl against the pod's https port (-k: the stand-in's certificate is self-signed, as Litmus Edge's is). */
const curl = (args: string[]): Promise<CurlAnswer> => curlJson(base, ['-k'], args);
const auth = ['-u', `${TOKEN}:`];
const jsonBody = (body: unknown) => ['-H', 'Content-Type: application/json', '-d', JSON.stringify(body)];

test('the pod is the stand-in: its portal answers the probes, its API the image token, the pod env wins over the image Env', async () => {
  expect((await curl(['/'])).status).toBe(200);
  expect((await curl(['/cc/version'])).status).toBe(401);
  expect((await curl(['-u', 'wrong:', '/cc/version'])).status).toBe(401);
  const version = await curl([...auth, '/cc/version']);
  expect(version.status).toBe(200);
  expect(version.json).toMatchObject({ version: '3.17.0' });
  const logs = await runTool(
    kubectlPath(),
    ['logs', 'le'],
    toolEnv(join(dir, 'home'), kube.writeKubeconfig(dir)),
  );
  expect(logs.stdout).toMatch(/GET \/cc\/version 200 \(basic\)/);
  expect(logs.stdout).toMatch(/API listening on :443 \(tls\)/);
});

test('an enabled integration reaches the broker by its in-cluster name, once the kubelet knows that Service', async () => {
  const config = {
    name: 'pod-test',
    hostname: BROKER_HOST,
    port: 18884,
    clientId: 'le-pod',
    qos: 1,
    topic: 'litmus',
    caCert: brokerCa.cert,
    cert: client.chainPem,
    privateKey: client.leaf.key,
  };
  const created = await curl([
    ...auth,
    ...jsonBody({ providerId: 'generic-mqtt-ssl', config: JSON.stringify(config) }),
    '/cc/instances',
  ]);
  expect(created.status, created.stdout).toBe(200);
  const id = (created.json as { instanceId: string }).instanceId;
  const sub = [{ localName: 'devicehub.alias.press1.*', remoteName: 'litmus/press1', isLocalToRemote: true }];
  expect((await curl([...auth, ...jsonBody(sub), `/cc/instances/${id}/createSubs`])).status).toBe(200);
  const subs = (await curl([...auth, `/cc/instances/${id}/subs`])).json as Array<{ topicId: string }>;
  expect(
    (await curl([...auth, ...jsonBody([subs[0]!.topicId]), '-X', 'PUT', `/cc/instances/${id}/enableSubs`]))
      .status,
  ).toBe(200);
  // Enabled before the cluster has the Service: the connector's first attempts cannot resolve the name.
  expect((await curl([...auth, '-X', 'PUT', `/cc/instances/${id}/enable`])).status).toBe(204);

  const sub$ = runCommand(findTool('mosquitto_sub'), [
    ...['-h', broker.host, '-p', String(broker.port), '--cafile', join(dir, 'broker-ca.pem')],
    ...['--cert', join(dir, 'chain.pem'), '--key', join(dir, 'leaf.key'), '--insecure'],
    ...['-t', 'litmus/press1', '-C', '2', '-W', '20', '-i', 'pod-test-reader'],
  ]);
  await broker.waitForLog(/pod-test-reader/);
  kube.portForwardTargets.set('azure-iot-operations/aio-broker:18884', `${broker.host}:${broker.port}`);
  const got = await sub$;
  expect(got.code, got.stderr).toBe(0);
  const messages = got.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { deviceName: string });
  expect(messages.map((m) => m.deviceName)).toEqual(['press1', 'press1']);
  expect(broker.log()).toContain('le-pod');
});

test('cluster DNS names and container env, as the kubelet reads them', () => {
  const targets = new Map([['azure-iot-operations/aio-broker:18884', '127.0.0.1:40001']]);
  for (const name of [
    BROKER_HOST,
    `${BROKER_HOST}.`,
    'aio-broker.azure-iot-operations.svc',
    'aio-broker.azure-iot-operations',
  ])
    expect(resolveClusterName(targets, 'le-demo', name, 18884)).toEqual({ host: '127.0.0.1', port: 40001 });
  expect(resolveClusterName(targets, 'azure-iot-operations', 'aio-broker', 18884)).toEqual({
    host: '127.0.0.1',
    port: 40001,
  });
  expect(resolveClusterName(targets, 'le-demo', 'aio-broker', 18884)).toBeUndefined();
  expect(resolveClusterName(targets, 'le-demo', BROKER_HOST, 1883)).toBeUndefined();
  expect(resolveClusterName(targets, 'le-demo', 'example.com', 18884)).toBeUndefined();
  const env = containerEnv(
    { config: { Env: ['PATH=/usr/bin', 'A=image', 'B=x=y'] } },
    {
      env: [
        { name: 'A', value: 'pod' },
        { name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      ],
    },
  );
  expect(env).toEqual({ A: 'pod', B: 'x=y' });
});
