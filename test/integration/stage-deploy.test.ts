// Stage `deploy` with the real helm 4 against the Kubernetes stand-in whose kubelet pulls real images from a
// registry peer and runs them (crashing, never ready, or serving HTTPS as the image's labels say). One registry and
// one stand-in for the whole file; each scenario in its own namespace unless it builds on the previous test.
// The chart is test/fixtures/charts/deploy-litmusedge (the values contract of charts/litmusedge, with fast probes);
// the last describe installs the shipped chart itself.
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCleanup } from '../../src/cleanup/run-cleanup.js';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { acquireLease, microTime } from '../../src/kube/lease-lock.js';
import { kubeClientFromSource } from '../../src/kube/node-kube-client.js';
import { createCleanupRegistry, type CleanupRegistry } from '../../src/pipeline/cleanup.js';
import { silentLogger } from '../../src/pipeline/logger.js';
import type { StageResult } from '../../src/pipeline/stage.js';
import { clusterTools, type ClusterTools } from '../support/cluster-tools.js';
import { startKubeApiServer, type KubeObject, type KubeSandbox } from '../support/kube-apiserver/index.js';
import {
  pullSecret,
  pushTestImage,
  type PushedImage,
} from '../support/kube-apiserver/kubelet/test-images.js';
import { helmPath, toolEnv } from '../support/kube-apiserver/tools.js';
import { startRegistry, type RegistryPeer } from '../support/peers/registry.js';
import { recordingReporter, type RecordingReporter } from '../support/recording-reporter.js';
import { repoRoot } from '../support/repo-root.js';
import { createTestCa, issueLoopbackServerCert } from '../support/test-pki.js';
import { ok, until } from '../support/until.js';

const CHART = join(repoRoot(), 'test', 'fixtures', 'charts', 'deploy-litmusedge');
const REPO = 'litmusedge/litmusedge-std-docker';

let ca: string;
let registry: RegistryPeer;
let kube: KubeSandbox;
let tools: ClusterTools;
let kubeconfig: string;
let defaults: Inputs;
let v1: PushedImage;
let v2: PushedImage;
let crashing: PushedImage;
let neverReady: PushedImage;

beforeAll(async () => {
  tools = await clusterTools('stage-deploy-test');
  const testCa = await createTestCa('Deploy Test Registry CA');
  ca = testCa.cert;
  registry = await startRegistry({
    serverCert: await issueLoopbackServerCert(testCa),
    username: 'puller',
    password: 'puller-secret',
    caPem: ca,
  });
  const push = (tag: string, behaviour: string) =>
    pushTestImage({ registry: registry.host, ca, creds: registry.creds, repository: REPO, tag, behaviour });
  [v1, v2, crashing, neverReady] = await Promise.all([
    push('3.16.1', 'serve'),
    push('3.16.2', 'serve'),
    push('3.16.3', 'crash-after=300ms exit=3'),
    push('3.16.4', 'never-ready'),
  ]);
  kube = await startKubeApiServer({
    seed: false,
    runtime: 'kubelet',
    kubelet: { registryCa: ca, timeScale: 0.1 },
  });
  tools.use(kube);
  kubeconfig = kube.writeKubeconfig(tools.work);
  defaults = await resolveInputs([]);
  // The tests of a describe build on each other in these namespaces; the others make their own.
  await Promise.all(['le', 'le-lock'].map(namespaceWithPullSecret));
}, 60_000);

afterAll(async () => {
  await kube?.stop();
  await registry?.stop();
  await tools?.remove();
});

const tag = (img: PushedImage) => img.reference; // host/repo:tag
const pinned = (img: PushedImage) => `${img.reference}@${img.digest}`;

interface Run {
  result: StageResult;
  reporter: RecordingReporter;
  cleanup: CleanupRegistry;
}

function deploy(
  over: Partial<Inputs> = {},
  o: { command?: 'run' | 'plan'; env?: Record<string, string>; signal?: AbortSignal; path?: string } = {},
): Promise<Run> {
  const reporter = recordingReporter();
  const cleanup = createCleanupRegistry({ save: () => undefined, load: () => '' });
  return runCommand(
    {
      ...defaults,
      command: o.command ?? 'run',
      stages: ['deploy'],
      stagesExplicit: true,
      chart: CHART,
      namespace: 'le',
      'mirror-mode': 'oci',
      registry: registry.host,
      'registry-ca': ca,
      'registry-username': 'puller',
      'registry-password': 'puller-secret',
      'deploy-timeout': 60,
      ...over,
    },
    {
      reporter,
      cleanup,
      env: {
        KUBECONFIG: kubeconfig,
        HOME: '/nonexistent-home',
        PATH: o.path ?? `${join(repoRoot(), '.tools', 'bin')}:${process.env.PATH ?? ''}`,
        ...o.env,
      },
      ...(o.signal ? { signal: o.signal } : {}),
    },
  ).then((s) => ({ result: s.results.find((r) => r.stage === 'deploy')!, reporter, cleanup }));
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const helmJson = async (args: string[]): Promise<Obj> =>
  JSON.parse(ok(await tools.helm([...args, '-o', 'json'])));
const history = async (release: string, ns: string) =>
  ((await helmJson(['history', release, '-n', ns])) as Obj[]).map((r) => [
    r.revision,
    r.status,
    r.description,
  ]);
const status = (x: KubeObject | undefined): Obj => (x?.status ?? {}) as Obj;
const ready = (p: KubeObject) =>
  (status(p).conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
const podsOf = (ns: string, release: string) =>
  kube.store
    .list('pods', ns)
    .filter(
      (p) => p.metadata.labels?.['app.kubernetes.io/instance'] === release && status(p).phase !== 'Failed',
    );
const lease = (ns: string, release: string) =>
  kube.store.get('coordination.k8s.io/v1/leases', ns, `${release}-deploy-lock`) as Obj | undefined;

async function namespaceWithPullSecret(ns: string): Promise<void> {
  ok(await tools.kubectl(['create', 'namespace', ns]));
  kube.store.put(pullSecret(ns, 'litmusedge-pull', registry.host, registry.creds) as unknown as KubeObject);
}

/** Waits until helm reports the release pending (an upgrade or install in flight). */
const pending = (release: string, ns: string) =>
  until(`release ${release} pending`, async () => {
    const r = await tools.helm(['status', release, '-n', ns, '-o', 'json']);
    return r.code === 0 && String(JSON.parse(r.stdout).info.status).startsWith('pending-');
  });

describe('deploy: install, no-op, upgrade', () => {
  test('plan on an empty namespace: says it would install, with the image pinned by digest; writes nothing', async () => {
    const { result } = await deploy({ image: tag(v1) }, { command: 'plan' });
    expect(result.status, result.error?.message).toBe('changed');
    expect(result.changes).toEqual([
      `install release litmusedge in namespace le: chart litmusedge-0.0.1-test, image ${pinned(v1)}`,
    ]);
    expect((await tools.helm(['status', 'litmusedge', '-n', 'le'])).stderr).toContain('release: not found');
    expect(lease('le', 'litmusedge')).toBeUndefined();
  });

  test('run: installs and waits until the pod is ready; outputs name revision 1 and the pinned image', async () => {
    const { result, cleanup } = await deploy({ image: tag(v1) });
    expect(result.status, result.error?.message).toBe('changed');
    expect(result.outputs).toEqual({
      'release-revision': '1',
      'previous-revision': '',
      'deployed-image': pinned(v1),
      'previous-image': '',
    });
    expect(await history('litmusedge', 'le')).toEqual([[1, 'deployed', 'Install complete']]);
    const pods = podsOf('le', 'litmusedge');
    expect(pods).toHaveLength(1);
    expect(ready(pods[0]!)).toBe(true);
    expect(status(pods[0]).containerStatuses[0].imageID).toBe(v1.byDigest);
    // The claim carries the keep policy; the lock was taken and freed; helm's private directory is gone.
    expect(
      kube.store.get('persistentvolumeclaims', 'le', 'litmusedge-var')?.metadata.annotations,
    ).toMatchObject({
      'helm.sh/resource-policy': 'keep',
    });
    expect(lease('le', 'litmusedge')?.spec.holderIdentity).toBeUndefined();
    expect(cleanup.entries()).toEqual([]);
  });

  test('a second run with the same inputs: unchanged, helm does not upgrade (still revision 1)', async () => {
    const { result } = await deploy({ image: tag(v1) });
    expect(result.status, result.error?.message).toBe('unchanged');
    expect(result.changes).toEqual([]);
    expect(result.outputs).toMatchObject({ 'release-revision': '1', 'deployed-image': pinned(v1) });
    expect(await history('litmusedge', 'le')).toEqual([[1, 'deployed', 'Install complete']]);
  });

  test('plan for a new image and a value: the image change and the values diff', async () => {
    const values = { extraEnv: [{ name: 'LE_MODE', value: 'test' }] };
    const { result } = await deploy({ image: tag(v2), values }, { command: 'plan' });
    expect(result.status, result.error?.message).toBe('changed');
    expect(result.changes).toEqual([
      'upgrade release litmusedge in namespace le from revision 1 (deployed) to chart litmusedge-0.0.1-test',
      `  image ${pinned(v1)} -> ${pinned(v2)}`,
      '  values extraEnv: (absent) -> [{"name":"LE_MODE","value":"test"}]',
    ]);
    expect(await history('litmusedge', 'le')).toHaveLength(1);
  });

  test('upgrade to a new image: revision 2, previous 1, the pod runs the new digest', async () => {
    const { result } = await deploy({ image: tag(v2) });
    expect(result.status, result.error?.message).toBe('changed');
    expect(result.changes[0]).toBe(
      'upgrade release litmusedge in namespace le from revision 1 (deployed) to chart litmusedge-0.0.1-test',
    );
    expect(result.outputs).toEqual({
      'release-revision': '2',
      'previous-revision': '1',
      'deployed-image': pinned(v2),
      'previous-image': pinned(v1),
    });
    const pods = await until('one ready pod of the new image', () => {
      const p = podsOf('le', 'litmusedge');
      return p.length === 1 && ready(p[0]!) && status(p[0]).containerStatuses[0].imageID === v2.byDigest && p;
    });
    expect(pods).toHaveLength(1);
  });
});

describe('deploy: failures are diagnosed before the rollback', () => {
  test('an image that crashes: seen as hopeless, the wait ends early (not after deploy-timeout); CrashLoopBackOff with exit code and last log lines, then rolled back to revision 2', async () => {
    // deploy-timeout stays at its default (600 s): only the early end keeps this test short.
    const { result, reporter } = await deploy({ image: tag(crashing), 'deploy-timeout': 600 });
    expect(reporter.logs).toContainEqual(
      expect.stringMatching(
        /^deploy warn the rollout cannot succeed: container litmusedge of pod litmusedge-[a-z0-9-]+ crashed [3-9] times \(CrashLoopBackOff\); not waiting the rest of deploy-timeout$/,
      ),
    );
    expect(result.status).toBe('failed');
    // While helm waited: ready/desired pods and what the unready pod waits for.
    expect(reporter.logs).toContainEqual(
      expect.stringMatching(/^deploy info rollout: 0\/1 pod\(s\) ready \(litmusedge-[a-z0-9-]+: \w+/),
    );
    const message = result.error!.message;
    expect(message).toMatch(
      /^container litmusedge of pod litmusedge-[a-z0-9-]+ keeps stopping: exit code 3 \(Error\), restarted \d+ time\(s\)/,
    );
    expect(message).toContain(`(image ${pinned(crashing)})`);
    expect(message).toContain('Its last log lines:');
    expect(message).toContain('crashing after 300ms with exit code 3');
    expect(message).toContain('Then: rolled release litmusedge back to revision 2.');
    expect(message).toMatch(
      /Evidence \(collected before the rollback\):\n {2}- helm: stopped waiting for the rollout: container litmusedge of pod litmusedge-[a-z0-9-]+ crashed/,
    );
    expect(await history('litmusedge', 'le')).toEqual([
      [1, 'superseded', 'Install complete'],
      [2, 'superseded', 'Upgrade complete'],
      [3, 'failed', expect.stringContaining('failed')],
      [4, 'deployed', 'Rollback to 2'],
    ]);
    await until('the v2 pod back and ready', () => {
      const p = podsOf('le', 'litmusedge');
      return p.length === 1 && ready(p[0]!) && status(p[0]).containerStatuses[0].imageID === v2.byDigest;
    });
  });

  test('an upgrade that fixes a release already crashing is not judged by the old pods: it is deployed', async () => {
    await namespaceWithPullSecret('le-fix');
    const first = await deploy({ image: tag(v1), namespace: 'le-fix' });
    expect(first.result.status, first.result.error?.message).toBe('changed');
    // Someone put a crashing image in place with helm, without waiting: the release's pod keeps crashing.
    const values = join(tools.work, 'crashing.json');
    await writeFile(
      values,
      JSON.stringify({
        image: { repository: `${registry.host}/${REPO}`, tag: '3.16.3', digest: crashing.digest },
      }),
    );
    ok(await tools.helm(['upgrade', 'litmusedge', CHART, '-n', 'le-fix', '--reuse-values', '-f', values]));
    await until('the crashing pod to have restarted 3 times', () =>
      podsOf('le-fix', 'litmusedge').some((p) =>
        (status(p).containerStatuses ?? []).some(
          (c: Obj) => c.restartCount >= 3 && c.state?.waiting?.reason === 'CrashLoopBackOff',
        ),
      ),
    );
    // Recreate removes the crashing pod before the new one starts (here before the first poll; on a real cluster it
    // lingers Terminating): the filter of old and terminating pods itself is unit-tested (deploy-hopeless).
    const { result, reporter } = await deploy({ image: tag(v2), namespace: 'le-fix', 'deploy-timeout': 600 });
    expect(result.status, result.error?.message).toBe('changed');
    expect(reporter.logs.filter((l) => l.includes('cannot succeed'))).toEqual([]);
  });

  test('an image missing from the registry: ImagePullBackOff naming the image and the pull secret, rolled back', async () => {
    const missing = `${registry.host}/${REPO}:9.9.9@sha256:${'0'.repeat(64)}`;
    const { result, reporter } = await deploy({ image: missing, 'deploy-timeout': 600 });
    // The registry's definitive 404 ends the wait early.
    expect(reporter.logs).toContainEqual(
      expect.stringMatching(
        /^deploy warn the rollout cannot succeed: .* cannot pull its image: rpc error: code = NotFound /,
      ),
    );
    expect(result.status).toBe('failed');
    const message = result.error!.message;
    expect(message).toMatch(
      new RegExp(
        `^pod litmusedge-[a-z0-9-]+ cannot pull image ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\((ErrImagePull|ImagePullBackOff)\\) with pull Secret le/litmusedge-pull: Failed to pull image`,
      ),
    );
    expect(message).toContain('404 Not Found');
    expect(message).toContain(
      `Fix: the image is not in ${registry.host}: run the mirror stage for this litmus-edge-version`,
    );
    expect(message).toContain('Then: rolled release litmusedge back to revision 4.');
    expect((await history('litmusedge', 'le')).at(-1)).toEqual([6, 'deployed', 'Rollback to 4']);
  });

  test('a tag that is not in the registry is refused before anything changes', async () => {
    const { result } = await deploy({ image: `${registry.host}/${REPO}:9.9.9` });
    expect(result.status).toBe('failed');
    expect(result.error!.message).toBe(
      `the image ${registry.host}/${REPO}:9.9.9 (from the image input) was not found in its registry, so nothing was deployed. Fix: run the mirror stage for this litmus-edge-version (it copies the image there), or set image to an image that exists (with @sha256:... to skip this lookup)`,
    );
    expect(await history('litmusedge', 'le')).toHaveLength(6);
  });

  test('values the chart refuses: helm writes no revision, so nothing is rolled back', async () => {
    const { result } = await deploy({ image: tag(v2), values: { image: { repository: '' } } });
    expect(result.status).toBe('failed');
    expect(result.error!.message).toMatch(
      /^helm refused to deploy release litmusedge, nothing was changed: Error: UPGRADE FAILED: .*image\.repository is required\. Fix: correct what helm names/,
    );
    expect(await history('litmusedge', 'le')).toHaveLength(6);
  });

  test('a first install that never works is uninstalled; its data claim is kept', async () => {
    await namespaceWithPullSecret('le-first');
    const { result } = await deploy({ image: tag(crashing), namespace: 'le-first', 'deploy-timeout': 10 });
    expect(result.status).toBe('failed');
    expect(result.error!.message).toContain(
      'Then: uninstalled release litmusedge (no revision of it ever became ready; its data volume claim is kept).',
    );
    expect((await tools.helm(['status', 'litmusedge', '-n', 'le-first'])).stderr).toContain(
      'release: not found',
    );
    expect(kube.store.get('apps/v1/deployments', 'le-first', 'litmusedge')).toBeUndefined();
    expect(kube.store.get('persistentvolumeclaims', 'le-first', 'litmusedge-var')).toBeDefined();
  });
});

describe('deploy: interrupted runs and the deploy lock', () => {
  test('a release left pending-upgrade (helm killed) is recovered: history logged, rolled back, then deployed', async () => {
    const install = await deploy({ image: tag(v1), namespace: 'le-lock' });
    expect(install.result.status, install.result.error?.message).toBe('changed');
    // A helm killed with SIGKILL mid-wait leaves the release pending-upgrade.
    const values = join(tools.work, 'never.json');
    await writeFile(
      values,
      JSON.stringify({
        image: { repository: `${registry.host}/${REPO}`, tag: '3.16.4', digest: neverReady.digest },
      }),
    );
    const args = [
      'upgrade',
      'litmusedge',
      CHART,
      '-n',
      'le-lock',
      '-f',
      values,
      '--wait=watcher',
      '--timeout',
      '60s',
    ];
    const helm = spawn(helmPath(), args, {
      env: toolEnv(join(tools.work, 'home'), kubeconfig),
      stdio: 'ignore',
    });
    const exited = new Promise((r) => helm.once('close', r));
    await pending('litmusedge', 'le-lock');
    helm.kill('SIGKILL');
    await exited;
    expect((await helmJson(['status', 'litmusedge', '-n', 'le-lock'])).info.status).toBe('pending-upgrade');

    const { result, reporter } = await deploy({ image: tag(v2), namespace: 'le-lock' });
    expect(result.status, result.error?.message).toBe('changed');
    expect(result.changes[0]).toBe(
      'recovered release litmusedge from pending-upgrade (revision 2): rolled release litmusedge back to revision 1',
    );
    expect(reporter.logs).toContain(
      'deploy warn release litmusedge is pending-upgrade (revision 2): an earlier run was interrupted before helm finished. Its history:',
    );
    expect(reporter.logs.some((l) => /^deploy info {3}revision 2 pending-upgrade /.test(l))).toBe(true);
    expect((await history('litmusedge', 'le-lock')).map(([rev, st]) => [rev, st])).toEqual([
      [1, 'superseded'],
      // helm rollback supersedes the deployed revisions only: the interrupted one keeps its status in the history,
      // which is harmless (helm checks the latest revision for an operation in progress).
      [2, 'pending-upgrade'],
      [3, 'superseded'],
      [4, 'deployed'],
    ]);
    expect(result.outputs).toMatchObject({ 'release-revision': '4', 'previous-revision': '3' });
  });

  test('two concurrent runs: the second waits for the lock or, with a short lock-timeout, fails naming the holder', async () => {
    const github = (id: string) => ({
      GITHUB_RUN_ID: id,
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_WORKFLOW: 'Deploy Litmus Edge',
      GITHUB_REPOSITORY: 'contoso/edge',
      GITHUB_SERVER_URL: 'https://github.com',
    });
    // A holds the lock for its whole (failing) rollout: a pod that never becomes ready, 10 s.
    const a = deploy(
      { image: tag(neverReady), namespace: 'le-lock', 'deploy-timeout': 10 },
      { env: github('1001') },
    );
    await until('run 1001 to hold the lock', () =>
      String(lease('le-lock', 'litmusedge')?.spec?.holderIdentity ?? '').startsWith('github-run-1001-'),
    );
    const c = deploy({ image: tag(v1), namespace: 'le-lock', 'lock-timeout': 120 }, { env: github('1003') });
    const b = await deploy(
      { image: tag(v1), namespace: 'le-lock', 'lock-timeout': 1 },
      { env: github('1002') },
    );
    expect(b.result.status).toBe('failed');
    expect(b.result.error!.message).toMatch(
      /^release litmusedge in namespace le-lock is being deployed by workflow 'Deploy Litmus Edge' run 1001 \(attempt 1\) https:\/\/github\.com\/contoso\/edge\/actions\/runs\/1001: it holds the deploy lock \(Lease le-lock\/litmusedge-deploy-lock\) since \d{4}-\d\d-\d\dT[\d:.]+Z; waited \d+ s \(lock-timeout\), nothing was changed\. Fix: /,
    );
    const [ra, rc] = await Promise.all([a, c]);
    expect(ra.result.status).toBe('failed');
    expect(ra.result.error!.message).toContain('runs but did not become ready within 10 s');
    expect(rc.result.status, rc.result.error?.message).toBe('changed');
    expect(
      rc.reporter.logs.some((l) =>
        l.includes("waiting for the deploy lock: held by workflow 'Deploy Litmus Edge' run 1001"),
      ),
    ).toBe(true);
    expect(rc.result.outputs?.['deployed-image']).toBe(pinned(v1));
    expect(lease('le-lock', 'litmusedge')?.spec.holderIdentity).toBeUndefined();
  });

  test('cancelled mid-upgrade: helm gets SIGINT and marks the release failed; the next run deploys', async () => {
    const cancel = new AbortController();
    const run = deploy(
      { image: tag(neverReady), namespace: 'le-lock', 'deploy-timeout': 120 },
      { signal: cancel.signal },
    );
    await pending('litmusedge', 'le-lock');
    cancel.abort();
    const { result, cleanup } = await run;
    expect(result.status).toBe('failed');
    expect(result.error!.message).toMatch(
      /^cancelled while helm upgraded release litmusedge: helm was interrupted \(SIGINT\)/,
    );
    const st = await helmJson(['status', 'litmusedge', '-n', 'le-lock']);
    expect(st.info.status).toBe('failed');
    expect(lease('le-lock', 'litmusedge')?.spec.holderIdentity).toBeUndefined();
    expect(cleanup.entries()).toEqual([]);

    const next = await deploy({ image: tag(v2), namespace: 'le-lock' });
    expect(next.result.status, next.result.error?.message).toBe('changed');
    expect(next.result.changes[1]).toMatch(/^ {2}revision \d+ is failed/);
    expect((await helmJson(['status', 'litmusedge', '-n', 'le-lock'])).info.status).toBe('deployed');
  });

  test('the post step frees a lock its run could not (the run was killed)', async () => {
    const leaseObj = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'orphan-deploy-lock', namespace: 'le-lock' },
      spec: {
        holderIdentity: 'github-run-7-1-abc',
        leaseDurationSeconds: 60,
        renewTime: new Date().toISOString(),
      },
    };
    kube.store.put(leaseObj as unknown as KubeObject);
    const report = await runCleanup(
      [
        {
          kind: 'lease',
          namespace: 'le-lock',
          name: 'orphan-deploy-lock',
          identity: 'github-run-7-1-abc',
          kubeconfig,
          label: 'deploy lock of release orphan',
        },
      ],
      silentLogger,
    );
    expect(report.done).toEqual([
      'deploy lock of release orphan (Lease le-lock/orphan-deploy-lock): released',
    ]);
    expect(lease('le-lock', 'orphan')?.spec.holderIdentity).toBeUndefined();
  });
});

describe('the Lease lock itself', () => {
  const client = () => kubeClientFromSource({ kind: 'file', path: kubeconfig, fromEnv: false });
  const opts = (identity: string, name: string) => ({
    namespace: 'le-lock',
    name,
    holder: { identity, description: `holder ${identity}` },
    durationS: 3,
    timeoutMs: 30_000,
  });

  test('held locks are renewed; a run whose lock was taken over learns it (lost) and does not free it', async () => {
    const kc = await client();
    const held = await acquireLease(kc, opts('a', 'renew-deploy-lock'));
    const first = lease('le-lock', 'renew')!.spec.renewTime as string;
    await until('a renewal', () => lease('le-lock', 'renew')!.spec.renewTime !== first, 10_000);
    // Someone else writes the Lease (as a run that found it expired would): the next renewal gets a 409.
    const current = lease('le-lock', 'renew')!;
    const stolen = {
      ...current,
      metadata: { ...current.metadata, annotations: { 'litmus-aio.io/holder': 'holder b' } },
      spec: { ...current.spec, holderIdentity: 'b' },
    };
    kube.store.put(stolen as unknown as KubeObject);
    await until('the loss noticed', () => held.lost.aborted, 10_000);
    expect(String((held.lost.reason as Error).message)).toBe(
      'the deploy lock (Lease le-lock/renew-deploy-lock) was taken over by holder b',
    );
    await held.release();
    expect(lease('le-lock', 'renew')!.spec.holderIdentity).toBe('b');
  });

  test('a lock its holder stopped renewing is taken once its duration passes', async () => {
    const kc = await client();
    kube.store.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'stale-deploy-lock', namespace: 'le-lock' },
      spec: { holderIdentity: 'killed', leaseDurationSeconds: 2, renewTime: microTime(new Date()) },
    } as unknown as KubeObject);
    const waits: string[] = [];
    const held = await acquireLease(kc, {
      ...opts('c', 'stale-deploy-lock'),
      onWait: (h) => waits.push(h.identity),
    });
    expect(waits).toEqual(['killed']);
    expect(lease('le-lock', 'stale')!.spec).toMatchObject({ holderIdentity: 'c', leaseTransitions: 1 });
    await held.release();
    expect(lease('le-lock', 'stale')!.spec.holderIdentity).toBeUndefined();
  });
});

describe('deploy: helm itself', () => {
  test('a helm older than 4.1.2 on PATH is refused with the fix, before anything changes', async () => {
    const bin = join(tools.work, 'old-helm');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'helm'), '#!/bin/sh\necho v3.14.4\n');
    await chmod(join(bin, 'helm'), 0o755);
    const { result } = await deploy(
      { image: pinned(v1), namespace: 'le-old' },
      { path: `${bin}:/usr/bin:/bin` },
    );
    expect(result.status).toBe('failed');
    expect(result.error!.message).toBe(
      `helm v3.14.4 is older than v4.1.2, which the deploy stage needs (Helm 4's --wait=watcher, and the wait fixes of 4.1.1-4.1.2) (${join(bin, 'helm')}). Fix: install helm 4.1.2 or newer on PATH before this step (in a workflow: azure/setup-helm with version: v4.1.4; elsewhere https://helm.sh/docs/intro/install/)`,
    );
    expect(kube.store.get('namespaces', undefined, 'le-old')).toBeUndefined();
  });

  test('no helm on PATH: says so and how to install it', async () => {
    const { result } = await deploy({ image: pinned(v1) }, { path: '/nonexistent-bin' });
    expect(result.status).toBe('failed');
    expect(result.error!.message).toMatch(/^helm was not found on PATH\. Fix: install helm 4\.1\.2 or newer/);
  });
});

describe('mirror -> deploy in one run', () => {
  test("deploy installs the mirror stage's output with the pull Secret mirror wrote", async () => {
    const source = await pushTestImage({
      registry: registry.host,
      ca,
      creds: registry.creds,
      repository: 'vendor/litmusedge',
      tag: 'latest',
      behaviour: 'serve',
    });
    const { result, reporter } = await deploy(
      {
        stages: ['mirror', 'deploy'],
        namespace: 'le-e2e',
        'litmus-edge-version': '3.17.0',
        'source-image': source.reference,
        'source-credentials': registry.creds,
        'source-ca': ca,
      },
      {},
    );
    const mirror = reporter.finished.find((r) => r.stage === 'mirror')!;
    expect(mirror.status, mirror.error?.message).toBe('changed');
    expect(result.status, result.error?.message).toBe('changed');
    const image = `${registry.host}/${REPO}:3.17.0@${source.digest}`;
    expect(result.outputs?.['deployed-image']).toBe(image);
    expect(reporter.logs).toContain(`deploy info image ${image} (from the mirror stage's output)`);
    const [pod] = podsOf('le-e2e', 'litmusedge');
    expect((pod!.spec as Obj).imagePullSecrets).toEqual([{ name: 'litmusedge-pull' }]);
    expect(ready(pod!)).toBe(true);
  });
});

describe('deploy: the shipped chart (charts/litmusedge)', () => {
  test('installs with the default chart input and a second run is unchanged', async () => {
    await namespaceWithPullSecret('le-shipped');
    const inputs: Partial<Inputs> = { image: tag(v1), namespace: 'le-shipped', chart: undefined };
    const first = await deploy(inputs);
    expect(first.result.status, first.result.error?.message).toBe('changed');
    expect(first.result.changes[0]).toMatch(
      /^install release litmusedge in namespace le-shipped: chart litmusedge-/,
    );
    const second = await deploy(inputs);
    expect(second.result.status, second.result.error?.message).toBe('unchanged');
  });
});
