// Stage `mirror` in oci mode between two real registries (TLS, htpasswd), then the sandbox's kubelet pulling the
// mirrored image by digest with the pull Secret the stage wrote: the whole path a cluster takes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { pollUntil } from '../../src/util/poll.js';
import { startKubeApiServer, type KubeObject, type KubeSandbox } from '../support/kube-apiserver/index.js';
import { pushTestImage, type PushedImage } from '../support/kube-apiserver/kubelet/test-images.js';
import { startRegistry, type RegistryPeer } from '../support/peers/registry.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { createTestCa, issueLoopbackServerCert, type TestCertificate } from '../support/test-pki.js';

let ca: TestCertificate;
let source: RegistryPeer;
let target: RegistryPeer;
let kube: KubeSandbox;
let kubeconfig: string;
let first: PushedImage;
let defaults: Inputs;
const REPO = 'litmus-sales-enablement/litmusedge/litmusedge-std-docker';

beforeAll(async () => {
  ca = await createTestCa('Mirror Test Registry CA');
  const start = async (user: string): Promise<RegistryPeer> =>
    startRegistry({
      serverCert: await issueLoopbackServerCert(ca),
      username: user,
      password: `${user}-secret-pw`,
      caPem: ca.cert,
    });
  [source, target] = await Promise.all([start('gar'), start('acr')]);
  first = await pushTestImage({
    registry: source.host,
    ca: ca.cert,
    creds: source.creds,
    repository: REPO,
    tag: 'latest',
    behaviour: 'serve',
  });
  kube = await startKubeApiServer({ runtime: 'kubelet', kubelet: { registryCa: ca.cert, timeScale: 0.1 } });
  kubeconfig = kube.writeKubeconfig(tmpdir());
  defaults = await resolveInputs([]);
});
afterAll(async () => {
  await kube?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
});

function mirror(over: Partial<Inputs> = {}, command: 'run' | 'plan' = 'run') {
  return runCommand(
    {
      ...defaults,
      command,
      stages: ['mirror'],
      stagesExplicit: true,
      'mirror-mode': 'oci',
      'litmus-edge-version': '3.16.2',
      'source-image': `${source.host}/${REPO}:latest`,
      'source-credentials': source.creds,
      'source-ca': ca.cert,
      registry: target.host,
      'registry-ca': ca.cert,
      'registry-username': target.creds.split(':')[0]!,
      'registry-password': target.creds.split(':')[1]!,
      namespace: 'le-mirror',
      ...over,
    },
    {
      reporter: recordingReporter(),
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { KUBECONFIG: kubeconfig, HOME: '/nonexistent-home' },
    },
  ).then((s) => s.results.find((r) => r.stage === 'mirror')!);
}

/** The digest a registry gives for a reference, asked with skopeo (an independent client). */
function skopeoDigest(reg: RegistryPeer, ref: string): string | undefined {
  const r = spawnSync(
    'skopeo',
    ['inspect', '--raw', '--cert-dir', reg.certDir!, '--creds', reg.creds, `docker://${reg.host}/${ref}`],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) return undefined;
  return `sha256:${createHash('sha256').update(r.stdout).digest('hex')}`;
}

describe('mirror (oci mode)', () => {
  test('plan: says what it would copy, writes nothing', async () => {
    const r = await mirror({}, 'plan');
    expect(r.status, r.error?.message).toBe('changed');
    expect(r.changes[0]).toMatch(
      new RegExp(
        `^copy ${source.host}/${REPO}:latest@${first.digest} -> ${target.host}/litmusedge/litmusedge-std-docker:3\\.16\\.2: \\d+ blob`,
      ),
    );
    expect(skopeoDigest(target, 'litmusedge/litmusedge-std-docker:3.16.2')).toBeUndefined();
    expect(kube.store.get('secrets', 'le-mirror', 'litmusedge-pull')).toBeUndefined();
  });

  test('run: copies by digest, the tag names the source digest (skopeo agrees), outputs pin it, pull Secret written', async () => {
    const r = await mirror();
    expect(r.status, r.error?.message).toBe('changed');
    expect(r.outputs).toMatchObject({
      image: `${target.host}/litmusedge/litmusedge-std-docker:3.16.2@${first.digest}`,
      'image-digest': first.digest,
      'source-digest': first.digest,
      'pull-secret': 'litmusedge-pull',
    });
    expect(skopeoDigest(target, 'litmusedge/litmusedge-std-docker:3.16.2')).toBe(first.digest);
    expect(kube.store.get('secrets', 'le-mirror', 'litmusedge-pull')).toMatchObject({
      type: 'kubernetes.io/dockerconfigjson',
    });
  });

  test('the cluster pulls the mirrored image by digest with that pull Secret and runs it', async () => {
    const image = `${target.host}/litmusedge/litmusedge-std-docker:3.16.2@${first.digest}`;
    kube.store.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'litmusedge-0', namespace: 'le-mirror' },
      spec: {
        imagePullSecrets: [{ name: 'litmusedge-pull' }],
        containers: [{ name: 'le', image, ports: [{ containerPort: 8443 }] }],
      },
    } as KubeObject);
    const running = await pollUntil(
      () =>
        (kube.store.get('pods', 'le-mirror', 'litmusedge-0') as { status?: { phase?: string } } | undefined)
          ?.status?.phase === 'Running',
      { timeoutMs: 20_000, maxDelayMs: 200 },
    );
    expect(running, JSON.stringify(kube.store.get('pods', 'le-mirror', 'litmusedge-0'))).toBe(true);
  });

  test('a second run changes nothing and says so', async () => {
    const r = await mirror();
    expect(r.status, r.error?.message).toBe('unchanged');
    expect(r.changes).toEqual([]);
  });

  test('latest moved: the same version is refused naming both digests; force-retag moves the tag', async () => {
    const second = await pushTestImage({
      registry: source.host,
      ca: ca.cert,
      creds: source.creds,
      repository: REPO,
      tag: 'latest',
      behaviour: 'never-ready',
    });
    expect(second.digest).not.toBe(first.digest);
    const refused = await mirror();
    expect(refused.status).toBe('failed');
    expect(refused.error?.message).toContain(
      `already names ${first.digest}, not the source image ${second.digest}`,
    );
    expect(refused.error?.message).toContain('force-retag: true');
    expect(skopeoDigest(target, 'litmusedge/litmusedge-std-docker:3.16.2')).toBe(first.digest);
    const moved = await mirror({ 'force-retag': true });
    expect(moved.status, moved.error?.message).toBe('changed');
    expect(moved.outputs?.['image-digest']).toBe(second.digest);
    expect(skopeoDigest(target, 'litmusedge/litmusedge-std-docker:3.16.2')).toBe(second.digest);
  });

  test('the registry password never appears in any output', async () => {
    const reporter = recordingReporter();
    const summary = await runCommand(
      {
        ...defaults,
        command: 'run',
        stages: ['mirror'],
        stagesExplicit: true,
        'mirror-mode': 'oci',
        'litmus-edge-version': '3.16.3',
        'source-image': `${source.host}/${REPO}:latest`,
        'source-credentials': source.creds,
        'source-ca': ca.cert,
        registry: target.host,
        'registry-ca': ca.cert,
        'registry-username': 'acr',
        'registry-password': 'acr-secret-pw',
        namespace: 'le-mirror',
      },
      {
        reporter,
        cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
        env: { KUBECONFIG: kubeconfig, HOME: '/nonexistent-home' },
      },
    );
    const everything = JSON.stringify([summary, reporter.logs, reporter.events]);
    for (const secret of ['acr-secret-pw', 'gar-secret-pw'])
      for (let k = 0; k + 8 <= secret.length; k++) expect(everything).not.toContain(secret.slice(k, k + 8));
  });
});
