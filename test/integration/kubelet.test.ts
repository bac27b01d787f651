// The stand-in's kubelet runtime against the real registry peer: images are pulled over the distribution API with
// imagePullSecrets and the registry's CA, containers are local processes whose behaviour comes from image labels,
// and the real kubectl sees Ready pods, ErrImagePull/ImagePullBackOff, CrashLoopBackOff, probe failures and logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startKubeApiServer, type KubeObject, type KubeSandbox } from '../support/kube-apiserver/index.js';
import {
  pullSecret,
  pushTestImage,
  type PushedImage,
} from '../support/kube-apiserver/kubelet/test-images.js';
import { kubectlPath, runTool, toolEnv, type ToolResult } from '../support/kube-apiserver/tools.js';
import { startRegistry, type RegistryPeer } from '../support/peers/registry.js';
import { createTestCa, issueLoopbackServerCert, type TestCertificate } from '../support/test-pki.js';
import { until } from '../support/until.js';

let registry: RegistryPeer;
let kube: KubeSandbox;
let work: string;
let home: string;
let kubeconfig: string;
let kubectl: string;
let web: PushedImage;
let crasher: PushedImage;
let idle: PushedImage;
let registryCa: TestCertificate;
let tokenRegistry: Server;
let tokenHost: string;
const tokenRequests: string[] = [];
const reasonsSeen = new Map<string, Set<string>>();

beforeAll(async () => {
  kubectl = kubectlPath();
  work = await mkdtemp(join(tmpdir(), 'kubelet-test-'));
  home = join(work, 'home');
  const ca = await createTestCa('Sandbox Registry CA');
  registryCa = ca;
  registry = await startRegistry({
    serverCert: await issueLoopbackServerCert(ca),
    username: 'litmus',
    password: 'litmus-secret',
    caPem: ca.cert,
  });
  const push = { registry: registry.host, ca: ca.cert, creds: registry.creds };
  [web, idle, crasher] = await Promise.all([
    pushTestImage({ ...push, repository: 'litmusedge/web', tag: '1.0', behaviour: 'serve' }),
    pushTestImage({ ...push, repository: 'litmusedge/idle', tag: '1.0', behaviour: 'never-ready' }),
    pushTestImage({
      ...push,
      repository: 'litmusedge/crasher',
      tag: '1.0',
      behaviour: 'crash-after=1s exit=3',
    }),
  ]);
  kube = await startKubeApiServer({
    seed: false,
    runtime: 'kubelet',
    kubelet: { registryCa: ca.cert, timeScale: 0.1 },
  });
  kubeconfig = kube.writeKubeconfig(work);
  kube.store.put(pullSecret('default', 'regcred', registry.host, registry.creds) as KubeObject);
  kube.store.put(pullSecret('default', 'badcred', registry.host, 'litmus:wrong') as KubeObject);
  tokenRegistry = await startTokenRegistry();
  kube.store.put(pullSecret('default', 'tokcred', tokenHost, 'tok:tok-secret') as KubeObject);
  kube.store.onChange((e) => {
    if (e.resource.resource !== 'pods') return;
    const seen = reasonsSeen.get(e.object.metadata.name!) ?? new Set<string>();
    const statuses = (
      e.object.status as { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] }
    )?.containerStatuses;
    for (const cs of statuses ?? []) if (cs.state?.waiting?.reason) seen.add(cs.state.waiting.reason);
    reasonsSeen.set(e.object.metadata.name!, seen);
  });
}, 60_000);

afterAll(async () => {
  await kube?.stop();
  await new Promise<void>((resolve) => (tokenRegistry ? tokenRegistry.close(() => resolve()) : resolve()));
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/**
 * A registry that wants the Bearer token flow (as ACR and Docker Hub do; the distribution peer only does Basic):
 * 401 with `Bearer realm=.../token`, a token for Basic tok:tok-secret, the image litmusedge/tok:1.0 for that token.
 */
async function startTokenRegistry(): Promise<Server> {
  const cert = await issueLoopbackServerCert(registryCa);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: {} } }));
  const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha(config),
        size: config.length,
      },
      layers: [],
    }),
  );
  const server = createHttpsServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    tokenRequests.push(
      `${req.method} ${url.pathname}${url.search} ${req.headers.authorization?.split(' ')[0] ?? '-'}`,
    );
    if (url.pathname === '/token') {
      const ok = req.headers.authorization === `Basic ${Buffer.from('tok:tok-secret').toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { token: 'T1' } : { details: 'incorrect username or password' }));
      return;
    }
    if (req.headers.authorization !== 'Bearer T1') {
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="https://${tokenHost}/token",service="token-registry",scope="repository:litmusedge/tok:pull"`,
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    } else if (url.pathname === '/v2/litmusedge/tok/manifests/1.0') {
      res.writeHead(200, {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
        'docker-content-digest': sha(manifest),
      });
      res.end(manifest);
    } else if (url.pathname === `/v2/litmusedge/tok/blobs/${sha(config)}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(config);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  tokenHost = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return server;
}

const kc = (args: string[], input?: string): Promise<ToolResult> =>
  runTool(kubectl, args, toolEnv(home, kubeconfig), input !== undefined ? { input } : {});

type Pod = KubeObject & {
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      ready: boolean;
      restartCount: number;
      state: { waiting?: { reason: string; message?: string }; running?: unknown };
      lastState: { terminated?: { exitCode: number; reason: string } };
    }[];
  };
};

const pods = (app: string) =>
  kube.store.list('pods', 'default').filter((p) => p.metadata.labels?.app === app) as Pod[];
const pod = (name: string) => kube.store.get('pods', 'default', name) as Pod | undefined;
const ready = (p: Pod | undefined) =>
  p?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
const events = (name: string) =>
  kube.store
    .list('events', 'default')
    .filter((e) => (e.involvedObject as { name?: string }).name === name)
    .map((e) => `${String(e.reason)}: ${String(e.message)}`);

function podYaml(name: string, image: string, extra = '', secret = 'regcred'): string {
  return `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: {app: ${name}}}
spec:
  imagePullSecrets: [{name: ${secret}}]
  containers:
  - name: main
    image: ${image}
    ports: [{name: http, containerPort: 8080}, {name: https, containerPort: 8443}]
${extra}`;
}

function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

async function portForward(target: string, remotePort: number) {
  const child: ChildProcess = spawn(kubectl, ['port-forward', '-n', 'default', target, `0:${remotePort}`], {
    env: toolEnv(home, kubeconfig),
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
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('kubelet runtime with the registry peer', () => {
  test('a Deployment whose image is in the registry runs it: Ready, reachable by port-forward, logs', async () => {
    const apply = await kc(
      ['apply', '-f', '-'],
      `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      imagePullSecrets: [{name: regcred}]
      containers:
      - name: web
        image: ${web.reference}
        ports: [{name: http, containerPort: 8080}, {name: https, containerPort: 8443}]
        readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
        livenessProbe: {httpGet: {path: /livez, port: https, scheme: HTTPS}, periodSeconds: 1}
        startupProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`,
    );
    expect(apply.code, apply.stderr).toBe(0);
    const p = await until('the web pod to be Ready', () => pods('web').find(ready));
    expect(p.status?.phase).toBe('Running');
    const rollout = await kc(['rollout', 'status', 'deployment/web', '-n', 'default', '--timeout=30s']);
    expect(rollout.code, rollout.stderr).toBe(0);
    const name = p.metadata.name!;
    const cs = p.status!.containerStatuses![0]!;
    expect(cs).toMatchObject({ ready: true, restartCount: 0, imageID: web.byDigest, started: true });
    expect(events(name)).toEqual(
      expect.arrayContaining([
        `Pulling: Pulling image "${web.reference}"`,
        expect.stringMatching(new RegExp(`^Pulled: Successfully pulled image "${web.reference}" in \\d+ms`)),
        'Started: Started container web',
      ]),
    );
    const fwd = await portForward(`pod/${name}`, 8080);
    try {
      expect(await httpGet(fwd.port, '/through-port-forward')).toBe('ok web /through-port-forward\n');
    } finally {
      await fwd.stop();
    }
    const logs = await kc(['logs', '-n', 'default', name]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('http GET /through-port-forward on :8080');
    expect(logs.stdout).toContain('https GET /livez on :8443'); // the HTTPS liveness probe reached the process
    const tail = await kc(['logs', '-n', 'default', name, '--tail=1']);
    expect(tail.stdout.trim().split('\n')).toHaveLength(1);
  });

  test('an image by digest is pulled too', async () => {
    expect((await kc(['apply', '-f', '-'], podYaml('by-digest', web.byDigest))).code).toBe(0);
    const p = await until('the by-digest pod to be Ready', () => [pod('by-digest')].find(ready));
    expect(p.status!.containerStatuses![0]).toMatchObject({ ready: true, imageID: web.byDigest });
  });

  test('a missing tag: ErrImagePull, then ImagePullBackOff, with the registry answer in the event', async () => {
    const image = `${registry.host}/litmusedge/web:9.9`;
    expect((await kc(['apply', '-f', '-'], podYaml('missing-tag', image))).code).toBe(0);
    await until('ErrImagePull and ImagePullBackOff', () => {
      const seen = reasonsSeen.get('missing-tag');
      return seen?.has('ErrImagePull') && seen.has('ImagePullBackOff');
    });
    expect(pod('missing-tag')?.status?.phase).toBe('Pending');
    const failed = events('missing-tag').find((e) => e.startsWith('Failed: Failed to pull image'));
    expect(failed).toBe(
      `Failed: Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": unexpected status from GET request to https://${registry.host}/v2/litmusedge/web/manifests/9.9: 404 Not Found: manifest unknown`,
    );
    expect(events('missing-tag')).toEqual(
      expect.arrayContaining([
        `BackOff: Back-off pulling image "${image}"`,
        'Failed: Error: ImagePullBackOff',
      ]),
    );
    const describe = await kc(['describe', 'pod', '-n', 'default', 'missing-tag']);
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toMatch(/Reason:\s+(ErrImagePull|ImagePullBackOff)/);
    expect(describe.stdout).toContain('404 Not Found: manifest unknown');
    const logs = await kc(['logs', '-n', 'default', 'missing-tag']);
    expect(logs.code).not.toBe(0);
    expect(logs.stderr).toContain('is waiting to start: trying and failing to pull image');
  });

  test('a wrong pull secret (and none at all): 401 Unauthorized in the event', async () => {
    expect((await kc(['apply', '-f', '-'], podYaml('bad-secret', web.reference, '', 'badcred'))).code).toBe(
      0,
    );
    expect((await kc(['apply', '-f', '-'], podYaml('no-secret', web.reference, '', 'absent'))).code).toBe(0);
    for (const name of ['bad-secret', 'no-secret']) {
      const failed = await until(`${name} to fail its pull`, () =>
        events(name).find((e) => e.startsWith('Failed: Failed to pull image')),
      );
      expect(failed).toContain(`manifests/1.0: 401 Unauthorized: authentication required`);
      expect(ready(pod(name))).toBe(false);
    }
    expect(events('no-secret')).toContain(
      'FailedToRetrieveImagePullSecret: Unable to retrieve some image pull secrets (absent); attempting to pull the image may not succeed.',
    );
    const describe = await kc(['describe', 'pod', '-n', 'default', 'bad-secret']);
    expect(describe.stdout).toContain('401 Unauthorized');
  });

  test('an image from no registry in the sandbox (nginx:1.27) does not run', async () => {
    expect((await kc(['apply', '-f', '-'], podYaml('nginx', 'nginx:1.27'))).code).toBe(0);
    const failed = await until('nginx to fail its pull', () =>
      events('nginx').find((e) => e.startsWith('Failed: Failed to pull image')),
    );
    expect(failed).toBe(
      'Failed: Failed to pull image "nginx:1.27": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/nginx:1.27": failed to resolve reference "docker.io/library/nginx:1.27": failed to do request: Get "https://registry-1.docker.io/v2/library/nginx/manifests/1.27": dial tcp: lookup registry-1.docker.io: no such host',
    );
  });

  test('a crash-after image: CrashLoopBackOff, restartCount >= 2, kubectl logs --previous shows its output', async () => {
    expect((await kc(['apply', '-f', '-'], podYaml('crasher', crasher.reference))).code).toBe(0);
    const p = await until(
      'CrashLoopBackOff with 2 restarts',
      () => {
        const cur = pod('crasher');
        const cs = cur?.status?.containerStatuses?.[0];
        return cs && cs.restartCount >= 2 && cs.state.waiting?.reason === 'CrashLoopBackOff'
          ? cur
          : undefined;
      },
      40_000,
    );
    const cs = p.status!.containerStatuses![0]!;
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(cs.state.waiting!.message).toMatch(
      /^back-off \d+s restarting failed container=main pod=crasher_default\(/,
    );
    const previous = await kc(['logs', '-n', 'default', 'crasher', '--previous']);
    expect(previous.code, previous.stderr).toBe(0);
    expect(previous.stdout).toContain('crashing after 1000ms with exit code 3');
    const get = await kc([
      'get',
      'pod',
      '-n',
      'default',
      'crasher',
      '-o',
      'jsonpath={.status.containerStatuses[0].restartCount}',
    ]);
    expect(Number(get.stdout)).toBeGreaterThanOrEqual(2);
    expect(events('crasher')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^BackOff: Back-off restarting failed container main in pod crasher_default/),
      ]),
    );
  }, 60_000);

  test('a readiness probe on the wrong port keeps the pod unready, with the probe event', async () => {
    const probe = '    readinessProbe: {tcpSocket: {port: 9999}, periodSeconds: 1, failureThreshold: 1}';
    expect((await kc(['apply', '-f', '-'], podYaml('wrong-port', web.reference, probe))).code).toBe(0);
    const failed = await until('the readiness probe to fail', () =>
      events('wrong-port').find((e) => e.startsWith('Unhealthy: Readiness probe failed')),
    );
    const ip = pod('wrong-port')!.status as { podIP: string };
    expect(failed).toBe(
      `Unhealthy: Readiness probe failed: dial tcp ${ip.podIP}:9999: connect: connection refused`,
    );
    const p = pod('wrong-port')!;
    expect(p.status?.phase).toBe('Running');
    expect(ready(p)).toBe(false);
    const describe = await kc(['describe', 'pod', '-n', 'default', 'wrong-port']);
    expect(describe.stdout).toMatch(/Ready\s+False/);
    expect(describe.stdout).toContain(
      `Readiness probe failed: dial tcp ${ip.podIP}:9999: connect: connection refused`,
    );
  });

  test('a never-ready image listens on nothing: its probe fails, it stays unready', async () => {
    const probe = '    readinessProbe: {httpGet: {port: http, path: /ready}, periodSeconds: 1}';
    expect((await kc(['apply', '-f', '-'], podYaml('idle', idle.reference, probe))).code).toBe(0);
    const failed = await until('the readiness probe to fail', () =>
      events('idle').find((e) => e.startsWith('Unhealthy: Readiness probe failed')),
    );
    const ip = (pod('idle')!.status as { podIP: string }).podIP;
    expect(failed).toBe(
      `Unhealthy: Readiness probe failed: Get "http://${ip}:8080/ready": dial tcp ${ip}:8080: connect: connection refused`,
    );
    expect(ready(pod('idle'))).toBe(false);
    expect([...kube.portForwardTargets.keys()].filter((k) => k.startsWith('default/idle:'))).toEqual([]);
  });

  test('a failing liveness probe kills and restarts the container', async () => {
    const probe = '    livenessProbe: {tcpSocket: {port: 9999}, periodSeconds: 1, failureThreshold: 2}';
    expect((await kc(['apply', '-f', '-'], podYaml('not-alive', web.reference, probe))).code).toBe(0);
    const p = await until('a restart', () => {
      const cur = pod('not-alive');
      return (cur?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? cur : undefined;
    });
    expect(p.status!.containerStatuses![0]!.lastState.terminated).toMatchObject({
      exitCode: 137,
      reason: 'Error',
    });
    expect(events('not-alive')).toEqual(
      expect.arrayContaining([
        'Killing: Container main failed liveness probe, will be restarted',
        expect.stringMatching(
          /^Unhealthy: Liveness probe failed: dial tcp [\d.]+:9999: connect: connection refused$/,
        ),
      ]),
    );
  });

  test('a registry with the Bearer token flow: the pull secret buys a token; without it, the token is refused', async () => {
    const image = `${tokenHost}/litmusedge/tok:1.0`;
    expect((await kc(['apply', '-f', '-'], podYaml('token-flow', image, '', 'tokcred'))).code).toBe(0);
    await until('the token-flow pod to be Ready', () => [pod('token-flow')].find(ready));
    expect(tokenRequests).toEqual(
      expect.arrayContaining([
        'GET /v2/litmusedge/tok/manifests/1.0 -',
        'GET /token?service=token-registry&scope=repository%3Alitmusedge%2Ftok%3Apull Basic',
        'GET /v2/litmusedge/tok/manifests/1.0 Bearer',
      ]),
    );
    expect((await kc(['apply', '-f', '-'], podYaml('token-refused', image, '', 'badcred'))).code).toBe(0);
    const failed = await until('token-refused to fail its pull', () =>
      events('token-refused').find((e) => e.startsWith('Failed: Failed to pull image')),
    );
    expect(failed).toBe(
      `Failed: Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://${tokenHost}/token?service=token-registry&scope=repository%3Alitmusedge%2Ftok%3Apull: 401 Unauthorized`,
    );
  });

  test('deleting a pod stops its process and its port-forward target', async () => {
    const target = [...kube.portForwardTargets.keys()].find((k) => k.startsWith('default/by-digest:8080'));
    expect(target).toBeDefined();
    expect((await kc(['delete', 'pod', '-n', 'default', 'by-digest'])).code).toBe(0);
    await until('the target to go', () => !kube.portForwardTargets.has('default/by-digest:8080'));
  });
});
