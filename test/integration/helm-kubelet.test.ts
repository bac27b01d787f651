// The real helm 4 against the stand-in with the kubelet runtime and the registry peer: `helm install --wait` returns
// only once the pod pulled its image (with the pull Secret the chart renders) and passed its readiness probe; a
// missing tag or a wrong pull secret makes `--wait` time out with ImagePullBackOff on the pod; `--rollback-on-failure`
// uninstalls a failed install and rolls a failed upgrade back; `helm test` runs its hook pod under the kubelet.
// A crashing container's output through `kubectl logs` (current and --previous) is covered in kubelet.test.ts
// ("a crash-after image: CrashLoopBackOff ...") and not repeated here.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { startKubeApiServer, type KubeObject, type KubeSandbox } from '../support/kube-apiserver/index.js';
import { pushTestImage, type PushedImage } from '../support/kube-apiserver/kubelet/test-images.js';
import { startRegistry, type RegistryPeer } from '../support/peers/registry.js';
import { repoRoot } from '../support/repo-root.js';
import { createTestCa, issueLoopbackServerCert } from '../support/test-pki.js';
import { ok, until } from '../support/until.js';
import { clusterTools, type ClusterTools } from '../support/cluster-tools.js';

const CHART = join(repoRoot(), 'test', 'fixtures', 'charts', 'kubelet-app');

let registry: RegistryPeer;
let kube: KubeSandbox;
let tools: ClusterTools;
let app: PushedImage;
let checker: PushedImage;

beforeAll(async () => {
  tools = await clusterTools('helm-kubelet-test');
  const ca = await createTestCa('Sandbox Registry CA');
  registry = await startRegistry({
    serverCert: await issueLoopbackServerCert(ca),
    username: 'litmus',
    password: 'litmus-secret',
    caPem: ca.cert,
  });
  const push = { registry: registry.host, ca: ca.cert, creds: registry.creds };
  [app, checker] = await Promise.all([
    pushTestImage({ ...push, repository: 'litmusedge/app', tag: '1.0', behaviour: 'serve' }),
    // The helm test hook: the kubelet does not run the hook's command (wget), the image label says what happens.
    pushTestImage({
      ...push,
      repository: 'litmusedge/check',
      tag: '1.0',
      behaviour: 'crash-after=300ms exit=0',
    }),
  ]);
  kube = await startKubeApiServer({
    seed: false,
    runtime: 'kubelet',
    kubelet: { registryCa: ca.cert, timeScale: 0.1 },
  });
  tools.use(kube);
}, 60_000);

afterAll(async () => {
  await kube?.stop();
  await registry?.stop();
  await tools?.remove();
});

const k = (args: string[]) => tools.kubectl(args);
const h = (args: string[]) => tools.helm(args);

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const status = (x: KubeObject | undefined): Obj => (x?.status ?? {}) as Obj;
const ready = (p: KubeObject) =>
  (status(p).conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
const live = (p: KubeObject) => !['Succeeded', 'Failed'].includes(status(p).phase);
const podsOf = (ns: string, release: string) =>
  kube.store.list('pods', ns).filter((p) => p.metadata.labels?.app === release && live(p));
const image = (p: KubeObject) => (p.spec as Obj).containers[0].image as string;
const waitingReasons = (p: KubeObject) =>
  ((status(p).containerStatuses ?? []) as Obj[]).map((c) => c.state?.waiting?.reason as string | undefined);

/** A values file for the kubelet-app chart: the image, and a pull Secret for the registry with `password`. */
async function values(
  name: string,
  img: string,
  extra: Obj = {},
  password = 'litmus-secret',
): Promise<string> {
  const file = join(tools.work, `${name}.values.yaml`);
  await writeFile(
    file,
    stringify({
      image: img,
      testImage: checker.reference,
      pullSecret: { registry: registry.host, username: 'litmus', password },
      ...extra,
    }),
  );
  return file;
}

async function namespace(name: string): Promise<string> {
  ok(await k(['create', 'namespace', name]));
  return name;
}

/** The Secret helm stores a release revision in, as helm's storage driver names and labels it. */
const releaseSecrets = (ns: string, name: string) =>
  kube.store
    .list('secrets', ns)
    .filter((s) => s.metadata.labels?.owner === 'helm' && s.metadata.labels?.name === name);

describe('helm install --wait with images from the registry', () => {
  test('the release becomes deployed only after the pod pulled its image and passed its readiness probe', async () => {
    const ns = await namespace('wait');
    const seen: string[] = [];
    const off = kube.store.onChange((e) => {
      const o = e.object;
      if (o.metadata.namespace !== ns) return;
      if (e.resource.resource === 'secrets' && o.metadata.labels?.owner === 'helm') {
        seen.push(`release:${o.metadata.labels.status}`);
      }
      if (e.resource.resource === 'pods' && ready(o) && !seen.includes('pod-ready')) seen.push('pod-ready');
    });
    const file = await values('web', app.reference);
    const t0 = Date.now();
    const install = h(['install', 'web', CHART, '-n', ns, '-f', file, '--wait', '--timeout', '60s']);
    // Poll `helm status` while the install runs: while no pod is Ready it must never say deployed.
    const polled: { status: string; podReady: boolean }[] = [];
    let done = false;
    void install.finally(() => (done = true));
    while (!done) {
      const s = await h(['status', 'web', '-n', ns, '-o', 'json']);
      // Sampled after the read: the pod, once Ready, stays Ready, so "not Ready now" means not Ready at the read.
      const podReady = podsOf(ns, 'web').some(ready);
      if (s.code === 0) polled.push({ status: JSON.parse(s.stdout).info.status as string, podReady });
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await install;
    off();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('STATUS: deployed');
    expect(polled.filter((p) => !p.podReady).map((p) => p.status)).toContain('pending-install');
    expect(polled.filter((p) => p.status === 'deployed' && !p.podReady)).toEqual([]);
    expect(seen[0]).toBe('release:pending-install');
    const firstReady = seen.indexOf('pod-ready');
    expect(firstReady).toBeGreaterThan(0);
    expect(seen.indexOf('release:deployed')).toBeGreaterThan(firstReady);
    expect(Date.now() - t0).toBeGreaterThan(1000); // initialDelaySeconds 10 at timeScale 0.1

    const [pod] = podsOf(ns, 'web');
    expect(ready(pod!)).toBe(true);
    expect(status(pod).containerStatuses[0]).toMatchObject({ imageID: app.byDigest, ready: true });
    const events = kube.store
      .list('events', ns)
      .filter((e) => (e.involvedObject as Obj).name === pod!.metadata.name)
      .map((e) => String(e.reason));
    expect(events).toEqual(expect.arrayContaining(['Pulling', 'Pulled', 'Started']));
    expect(events).not.toContain('Failed');
    const d = kube.store.get('apps/v1/deployments', ns, 'web');
    expect(status(d)).toMatchObject({ readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1 });
    expect(releaseSecrets(ns, 'web').map((s) => s.metadata.labels?.status)).toEqual(['deployed']);
  });

  test('helm test runs its hook pod to completion under the kubelet', async () => {
    const r = await h(['test', 'web', '-n', 'wait', '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/TEST SUITE:\s+web-test/);
    expect(r.stdout).toMatch(/Phase:\s+Succeeded/);
    const pod = kube.store.get('pods', 'wait', 'web-test')!;
    expect(status(pod)).toMatchObject({
      phase: 'Succeeded',
      containerStatuses: [
        expect.objectContaining({
          imageID: checker.byDigest,
          state: { terminated: expect.objectContaining({ exitCode: 0, reason: 'Completed' }) },
        }),
      ],
    });
    // The hook pod's output is the process the kubelet ran for it.
    const logs = ok(await k(['logs', '-n', 'wait', 'web-test']));
    expect(logs).toContain('container check of pod wait/web-test starting');
  });

  // The two 20 s time-outs run side by side (each in its own namespace); assertions use the test's own `expect`.
  test.concurrent(
    'a missing image tag: install --wait times out, the pod shows ImagePullBackOff and the registry answer',
    async ({ expect }) => {
      const ns = await namespace('missing-tag');
      const missing = `${registry.host}/litmusedge/app:9.9`;
      const r = await h([
        'install',
        'miss',
        CHART,
        '-n',
        ns,
        '-f',
        await values('miss', missing),
        '--wait',
        '--timeout',
        '20s',
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toBe(
        `Error: INSTALLATION FAILED: resource Deployment/${ns}/miss not ready. status: InProgress, message: Available: 0/1\ncontext deadline exceeded\n`,
      );
      const st = JSON.parse(ok(await h(['status', 'miss', '-n', ns, '-o', 'json'])));
      expect(st.info.status).toBe('failed');
      const [pod] = podsOf(ns, 'miss');
      expect(waitingReasons(pod!)[0]).toMatch(/^(ErrImagePull|ImagePullBackOff)$/);
      const out = ok(await k(['describe', 'pod', '-n', ns, '-l', 'app=miss']));
      expect(out).toMatch(/Reason:\s+(ErrImagePull|ImagePullBackOff)/);
      expect(out).toContain(`Failed to pull image "${missing}"`);
      expect(out).toContain('404 Not Found: manifest unknown');
      expect(out).toContain('Error: ImagePullBackOff');
    },
  );

  test.concurrent(
    'a wrong pull secret: install --wait times out, the pod shows ImagePullBackOff and 401 Unauthorized',
    async ({ expect }) => {
      const ns = await namespace('wrong-secret');
      const r = await h([
        'install',
        'denied',
        CHART,
        '-n',
        ns,
        '-f',
        await values('denied', app.reference, {}, 'not-the-password'),
        '--wait',
        '--timeout',
        '20s',
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toBe(
        `Error: INSTALLATION FAILED: resource Deployment/${ns}/denied not ready. status: InProgress, message: Available: 0/1\ncontext deadline exceeded\n`,
      );
      const out = ok(await k(['describe', 'pod', '-n', ns, '-l', 'app=denied']));
      expect(out).toMatch(/Reason:\s+(ErrImagePull|ImagePullBackOff)/);
      expect(out).toContain(`Failed to pull image "${app.reference}"`);
      expect(out).toContain('401 Unauthorized');
      expect(out).toContain('Error: ImagePullBackOff');
      // The Secret is the chart's, rendered from the values, and the pod names it.
      expect((podsOf(ns, 'denied')[0]!.spec as Obj).imagePullSecrets).toEqual([{ name: 'denied-pull' }]);
      expect(kube.store.get('secrets', ns, 'denied-pull')?.type).toBe('kubernetes.io/dockerconfigjson');
    },
  );
});

describe('--rollback-on-failure', () => {
  test('install: a failed install is uninstalled', async () => {
    const ns = await namespace('atomic-install');
    const r = await h([
      'install',
      'gone',
      CHART,
      '-n',
      ns,
      '-f',
      await values('gone', `${registry.host}/litmusedge/app:9.9`),
      '--rollback-on-failure',
      '--timeout',
      '10s',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error: INSTALLATION FAILED: release gone failed, and has been uninstalled');
    const st = await h(['status', 'gone', '-n', ns]);
    expect(st.code).not.toBe(0);
    expect(st.stderr).toContain('Error: release: not found');
    expect(releaseSecrets(ns, 'gone')).toEqual([]);
    expect(kube.store.get('apps/v1/deployments', ns, 'gone')).toBeUndefined();
    expect(kube.store.get('secrets', ns, 'gone-pull')).toBeUndefined();
    await until('the pods to go', () => podsOf(ns, 'gone').length === 0);
  });

  test('upgrade: an upgrade to a missing tag is rolled back to the previous revision, its pod Ready', async () => {
    const ns = await namespace('atomic-upgrade');
    ok(await h(['install', 'keep', CHART, '-n', ns, '-f', await values('keep', app.reference), '--wait']));
    const [before] = podsOf(ns, 'keep');
    const missing = `${registry.host}/litmusedge/app:9.9`;
    const r = await h([
      'upgrade',
      'keep',
      CHART,
      '-n',
      ns,
      '-f',
      await values('keep-2', missing),
      '--rollback-on-failure',
      '--timeout',
      '10s',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error: UPGRADE FAILED: release keep failed, and has been rolled back due to');
    // As helm documents it: the rollback is a new revision (3) with revision 1's manifest; 2 stays failed.
    const history = JSON.parse(ok(await h(['history', 'keep', '-n', ns, '-o', 'json']))) as Obj[];
    expect(history.map((x) => [x.revision, x.status, x.description])).toEqual([
      [1, 'superseded', 'Install complete'],
      [2, 'failed', expect.stringContaining('context deadline exceeded')],
      [3, 'deployed', 'Rollback to 1'],
    ]);
    const st = JSON.parse(ok(await h(['status', 'keep', '-n', ns, '-o', 'json'])));
    expect(st).toMatchObject({ version: 3, info: { status: 'deployed' } });
    ok(await k(['rollout', 'status', '-n', ns, 'deployment/keep', '--timeout=30s']));
    // The pod of the missing tag is gone; the old one (the ReplicaSet of revision 1's template) kept serving.
    const pods = await until('only the old image to run', () => {
      const p = podsOf(ns, 'keep');
      return p.length === 1 && image(p[0]!) === app.reference ? p : undefined;
    });
    expect(pods[0]!.metadata.name).toBe(before!.metadata.name);
    expect(ready(pods[0]!)).toBe(true);
    const d = kube.store.get('apps/v1/deployments', ns, 'keep')!;
    expect((d.spec as Obj).template.spec.containers[0].image).toBe(app.reference);
    expect(status(d)).toMatchObject({ replicas: 1, readyReplicas: 1, updatedReplicas: 1 });
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });
});
