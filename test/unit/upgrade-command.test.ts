// The upgrade command's flow with stand-in stages through the real engine: order (smoke after deploy), when it
// rolls back and re-runs smoke, and how both passes are reported. The helm side of a rollback is tested against
// the Kubernetes stand-in in test/integration/stage-deploy.test.ts; here the rollback stage is a recorder.
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/config/input-error.js';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { runUpgrade } from '../../src/engine/upgrade-command.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import type { Stage, StageOutcome } from '../../src/pipeline/stage.js';
import type { StageRegistry } from '../../src/stages/registry.js';
import { recordingReporter } from '../support/recording-reporter.js';

const defaults = await resolveInputs([]);
const inputs = (over: Partial<Inputs> = {}): Inputs => ({
  ...defaults,
  command: 'upgrade',
  'litmus-edge-version': '3.16.2',
  'pull-secret': 'none',
  ...over,
});

type Script = Partial<Record<'mirror' | 'deploy' | 'smoke' | 'smoke2' | 'connector', StageOutcome | Error>>;

const NEW = 'acr.io/le:3.16.2@sha256:bbbb';
const OLD = 'acr.io/le:3.16.1@sha256:aaaa';
const deployed: StageOutcome = {
  changed: true,
  changes: ['upgrade release litmusedge'],
  outputs: {
    'release-revision': '3',
    'previous-revision': '2',
    'deployed-image': NEW,
    'previous-image': OLD,
  },
};
const ok: StageOutcome = { changed: false, changes: [], passed: true };

function world(script: Script) {
  const calls: string[] = [];
  let smokes = 0;
  const stage = (name: string, needs: string[]): Stage => ({
    name,
    needs,
    plan: async () => ({ changed: false, changes: [] }),
    apply: async () => {
      const key = name === 'smoke' && smokes++ > 0 ? 'smoke2' : (name as keyof Script);
      calls.push(key);
      const r = script[key] ?? { changed: false, changes: [] };
      if (r instanceof Error) throw r;
      return r;
    },
  });
  const registry: StageRegistry = {
    mirror: async () => stage('mirror', []),
    deploy: async () => stage('deploy', ['mirror']),
    connector: async () => stage('connector', ['deploy']),
    smoke: async () => stage('smoke', ['connector']),
  };
  const rollbacks: number[] = [];
  const rollback = async (_d: unknown, to: number): Promise<Stage> => ({
    name: 'deploy',
    needs: [],
    plan: async () => ({ changed: true, changes: [] }),
    apply: async () => {
      calls.push(`rollback ${to}`);
      rollbacks.push(to);
      return { changed: true, changes: [`rolled release litmusedge back to revision ${to}`] };
    },
  });
  const reporter = recordingReporter();
  const deps = {
    reporter,
    cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
    env: {},
    registry,
    probeCluster: async () =>
      ({ reachable: true, via: 'KUBECONFIG', server: 'https://x', version: 'v1.32.0' }) as const,
    kubeClient: { denied: async () => [] } as unknown as KubeClient,
  };
  return { calls, rollbacks, reporter, run: (i: Inputs) => runUpgrade(i, deps, runCommand, rollback) };
}

const statuses = (s: { results: Array<{ stage: string; status: string }> }) =>
  s.results.map((r) => `${r.stage}:${r.status}`);

describe('upgrade', () => {
  test('mirror → deploy → smoke, in that order; the summary says from → to', async () => {
    const w = world({ mirror: { changed: true, changes: ['copy'] }, deploy: deployed, smoke: ok });
    const s = await w.run(inputs());
    expect(w.calls).toEqual(['mirror', 'deploy', 'smoke']);
    expect(statuses(s)).toEqual(['mirror:changed', 'deploy:changed', 'smoke:passed']);
    expect(s.ok).toBe(true);
    expect(s.notes).toContain(`Upgrade of release litmusedge: ${OLD} → ${NEW}.`);
  });

  test('smoke fails after deploy: rolled back to the previous revision, smoke again, both reported, failed', async () => {
    const w = world({ deploy: deployed, smoke: new Error('the broker refused the client'), smoke2: ok });
    const s = await w.run(inputs());
    expect(w.calls).toEqual(['mirror', 'deploy', 'smoke', 'rollback 2', 'smoke2']);
    expect(statuses(s)).toEqual([
      'mirror:unchanged',
      'deploy:changed',
      'smoke:failed',
      'rollback:changed',
      'smoke-after-rollback:passed',
    ]);
    expect(s.ok).toBe(false);
    expect(s.notes).toContain(
      'smoke failed after deploy changed the release: rolling back to revision 2, then smoke again.',
    );
    // The reporter saw both passes' stages under their own names, and one final summary.
    expect(w.reporter.events.filter((e) => e.startsWith('finish ')).map((e) => e.split(' ')[1])).toEqual(
      expect.arrayContaining(['rollback', 'smoke-after-rollback']),
    );
  });

  test('deploy fails (it rolled back itself): smoke runs again against what runs now', async () => {
    const w = world({
      deploy: new Error('CrashLoopBackOff ... Then: rolled release litmusedge back to revision 2.'),
      smoke: ok,
    });
    const s = await w.run(inputs());
    expect(w.calls).toEqual(['mirror', 'deploy', 'smoke']);
    expect(statuses(s)).toEqual([
      'mirror:unchanged',
      'deploy:failed',
      'smoke:skipped',
      'smoke-after-rollback:passed',
    ]);
    expect(s.ok).toBe(false);
  });

  test.each([
    {
      name: 'a first install whose smoke fails has nothing to go back to',
      deploy: { ...deployed, outputs: { ...deployed.outputs, 'previous-revision': '' } },
    },
    {
      name: 'an unchanged release whose smoke fails is not rolled back',
      deploy: { ...deployed, changed: false },
    },
  ])('$name', async ({ deploy }) => {
    const w = world({ deploy, smoke: new Error('refused') });
    const s = await w.run(inputs());
    expect(w.rollbacks).toEqual([]);
    expect(s.ok).toBe(false);
    expect(s.results.map((r) => r.stage)).not.toContain('rollback');
  });

  test('connector runs between deploy and smoke when Litmus Edge API access is configured', async () => {
    const w = world({ deploy: deployed, smoke: ok });
    await w.run(inputs({ 'litmus-edge-token': 'tok' }));
    expect(w.calls).toEqual(['mirror', 'deploy', 'connector', 'smoke']);
  });

  test('without litmus-edge-version it is refused before anything runs, naming the input', async () => {
    const w = world({});
    const { 'litmus-edge-version': _v, ...rest } = inputs();
    const e = await w.run(rest as Inputs).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toContain("Input 'litmus-edge-version' (command upgrade): is required");
    expect(w.calls).toEqual([]);
  });
});
