// `command: upgrade` end to end against the sandbox with the real helm: Litmus moves `latest`, upgrade mirrors it
// under the new version, deploys it and proves the broker path with smoke; an upgrade to an image that crashes is
// diagnosed, rolled back by deploy, and smoke runs again against the version that still runs — both reported.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { pushTestImage, type PushedImage } from '../support/kube-apiserver/kubelet/test-images.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { repoRoot } from '../support/repo-root.js';
import { SOURCE_REPOSITORY } from '../support/sandbox/registries.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

let sb: Sandbox;
let defaults: Inputs;
beforeAll(async () => {
  sb = await startSandbox({ registries: true, kubelet: { timeScale: 0.05 } });
  defaults = await resolveInputs([]);
});
afterAll(() => sb?.stop());

/** Litmus moves `latest` in its registry to a new image. */
function publishLatest(behaviour: string): Promise<PushedImage> {
  const r = sb.registries!;
  return pushTestImage({
    registry: r.source.host,
    ca: r.ca,
    creds: r.source.creds,
    repository: SOURCE_REPOSITORY,
    tag: 'latest',
    behaviour,
  });
}

function settings(): Partial<Inputs> {
  const r = sb.registries!;
  const [user, password] = r.target.creds.split(':') as [string, string];
  return {
    namespace: 'le-up',
    release: 'litmusedge',
    'source-image': r.litmusImage.reference,
    'source-credentials': r.source.creds,
    'source-ca': r.ca,
    registry: r.target.host,
    'registry-username': user,
    'registry-password': password,
    'registry-ca': r.ca,
    'deploy-timeout': 10,
    'authpolicy-mode': 'kubernetes',
  } as Partial<Inputs>;
}

async function run(over: Partial<Inputs>) {
  const reporter = recordingReporter();
  const summary = await runCommand(
    { ...defaults, ...settings(), ...over },
    {
      reporter,
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: {
        KUBECONFIG: sb.kubeconfig,
        HOME: sb.dir,
        PATH: `${join(repoRoot(), '.tools', 'bin')}:${process.env.PATH ?? ''}`,
      },
    },
  );
  await sb.broker.settled();
  const by = Object.fromEntries(summary.results.map((r) => [r.stage, r]));
  return { summary, by, statuses: summary.results.map((r) => `${r.stage}:${r.status}`) };
}

describe('command upgrade', () => {
  test('first: the broker side (certs, authpolicy) and version 3.16.1 deployed', async () => {
    const setup = await run({ stages: ['certs', 'authpolicy'], stagesExplicit: true });
    expect(setup.summary.ok).toBe(true);
    const first = await run({ command: 'upgrade', 'litmus-edge-version': '3.16.1' });
    expect(first.statuses).toEqual(['mirror:changed', 'deploy:changed', 'smoke:passed']);
    expect(first.summary.ok).toBe(true);
  });

  test('Litmus moved latest: upgrade to 3.16.2 mirrors, deploys and passes smoke; from → to in the notes', async () => {
    const next = await publishLatest('serve');
    const up = await run({ command: 'upgrade', 'litmus-edge-version': '3.16.2' });
    expect(up.statuses).toEqual(['mirror:changed', 'deploy:changed', 'smoke:passed']);
    expect(up.by['deploy']!.outputs).toMatchObject({ 'release-revision': '2', 'previous-revision': '1' });
    expect(up.by['deploy']!.outputs!['deployed-image']).toContain(`:3.16.2@${next.digest}`);
    expect(up.summary.notes).toContainEqual(
      expect.stringMatching(
        /^Upgrade of release litmusedge: \S+:3\.16\.1@sha256:[0-9a-f]{64} → \S+:3\.16\.2@sha256:/,
      ),
    );
  });

  test('an image that crashes: deploy diagnoses and rolls back, smoke runs again and passes; the upgrade fails', async () => {
    await publishLatest('crash-after=300ms exit=3');
    const up = await run({ command: 'upgrade', 'litmus-edge-version': '3.16.3' });
    expect(up.statuses).toEqual([
      'mirror:changed',
      'deploy:failed',
      'smoke:skipped',
      'smoke-after-rollback:passed',
    ]);
    expect(up.by['deploy']!.error!.message).toMatch(
      /CrashLoopBackOff[\s\S]*exit code 3[\s\S]*rolled release litmusedge back to revision 2/,
    );
    expect(up.summary.ok).toBe(false);
    expect(up.summary.notes).toContain(
      'deploy failed (it rolled the release back itself): smoke runs again against the release as it is now.',
    );
  });

  test('smoke fails after a deploy that changed the release: rolled back to the previous revision by helm, smoke again', async () => {
    const running = (
      await run({
        stages: ['deploy'],
        stagesExplicit: true,
        'litmus-edge-version': '3.16.2',
        command: 'plan',
      })
    ).by['deploy']!;
    expect(running.status).toBe('unchanged');
    await publishLatest('serve');
    // Topics nobody publishes: smoke fails however healthy the release is.
    const up = await run({
      command: 'upgrade',
      'litmus-edge-version': '3.16.4',
      'expect-topics': ['nobody/publishes/this'],
      'smoke-timeout': 2,
    });
    expect(up.statuses).toEqual([
      'mirror:changed',
      'deploy:changed',
      'smoke:failed',
      'rollback:changed',
      'smoke-after-rollback:failed',
    ]);
    const previous = up.by['deploy']!.outputs!['previous-revision']!;
    expect(up.by['rollback']!.changes).toEqual([`rolled release litmusedge back to revision ${previous}`]);
    expect(up.summary.notes).toContain(
      `smoke failed after deploy changed the release: rolling back to revision ${previous}, then smoke again.`,
    );
    // The release runs 3.16.2 again.
    const after = await run({
      stages: ['deploy'],
      stagesExplicit: true,
      'litmus-edge-version': '3.16.2',
      command: 'plan',
    });
    expect(after.by['deploy']!.status).toBe('unchanged');
  });
});
