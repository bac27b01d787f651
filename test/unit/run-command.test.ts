import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/config/input-error.js';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { PreflightError, runCommand } from '../../src/engine/run-command.js';
import type { ClusterProbeResult } from '../../src/kube/cluster-probe.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import type { Stage } from '../../src/pipeline/stage.js';
import type { StageRegistry } from '../../src/stages/registry.js';
import { recordingReporter } from '../support/recording-reporter.js';

// Every other input at its default, exactly as a user who set nothing gets them.
const defaults = await resolveInputs([]);
// authpolicy in kubernetes mode: these tests are about the engine, not Azure sign-in (tested elsewhere).
const inputs = (over: Partial<Inputs> = {}): Inputs => ({
  ...defaults,
  'authpolicy-mode': 'kubernetes',
  ...over,
});
const unreachable: ClusterProbeResult = {
  reachable: false,
  via: 'KUBECONFIG=/tmp/kc (context edge)',
  server: 'https://127.0.0.1:1',
  problem: 'cannot connect to https://127.0.0.1:1: ECONNREFUSED',
  fix: 'check that the cluster is running',
};
const reachable: ClusterProbeResult = {
  reachable: true,
  via: 'KUBECONFIG=/tmp/kc',
  server: 'https://127.0.0.1:6443',
  version: 'v1.32.0',
};

function registryWith(calls: string[]): StageRegistry {
  const make = (name: string, needs: string[]): Stage => ({
    name,
    needs,
    plan: async () => {
      calls.push(`plan ${name}`);
      return { changed: true, changes: [`would touch ${name}`] };
    },
    apply: async () => {
      calls.push(`apply ${name}`);
      return { changed: false, changes: [] };
    },
  });
  return { certs: async () => make('certs', []), authpolicy: async () => make('authpolicy', ['certs']) };
}

const deps = (calls: string[], probe: ClusterProbeResult) => {
  const reporter = recordingReporter();
  return {
    reporter,
    cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
    env: {},
    registry: registryWith(calls),
    probeCluster: async () => probe,
    // Every permission granted: SelfSubjectAccessReview answers are tested against the stand-in elsewhere.
    kubeClient: { denied: async () => [] } as unknown as KubeClient,
  };
};

describe('runCommand', () => {
  test('stages this version lacks are skipped with the reason when not asked for explicitly', async () => {
    const calls: string[] = [];
    const d = deps(calls, reachable);
    const summary = await runCommand(inputs(), d);
    expect(summary.results.map((r) => `${r.stage}:${r.status}`)).toEqual([
      'mirror:skipped',
      'deploy:skipped',
      'certs:unchanged',
      'authpolicy:unchanged',
      'connector:skipped',
      'smoke:skipped',
    ]);
    expect(summary.results[0]!.reason).toMatch(/^not available in litmus-aio-action \d+\.\d+\.\d+ yet$/);
    expect(summary.notes).toContain(
      'Cluster reached: https://127.0.0.1:6443 (v1.32.0) via KUBECONFIG=/tmp/kc.',
    );
    // The preflight plans both first; then both apply.
    expect(calls).toEqual(['plan certs', 'plan authpolicy', 'apply certs', 'apply authpolicy']);
  });

  test('explicitly selecting a stage this version lacks is an input error, before anything runs', async () => {
    const calls: string[] = [];
    const err = await runCommand(
      inputs({ stages: ['deploy', 'certs'], stagesExplicit: true }),
      deps(calls, reachable),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems[0]).toMatchObject({
      input: 'stages',
      problem: expect.stringMatching(/^stage 'deploy' is not available in litmus-aio-action/),
      expected: 'stages this version implements: certs, authpolicy',
      example: 'stages: certs',
    });
    expect(calls).toEqual([]);
  });

  test('run with an unreachable cluster stops before any stage, naming what it tried and the fix', async () => {
    const calls: string[] = [];
    const err = (await runCommand(inputs(), deps(calls, unreachable)).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(PreflightError);
    expect(err.message).toBe(
      'Could not reach the Kubernetes cluster via KUBECONFIG=/tmp/kc (context edge): cannot connect to https://127.0.0.1:1: ECONNREFUSED. Fix: check that the cluster is running. Stages that need it: certs, authpolicy. Nothing was changed.',
    );
    expect(calls).toEqual([]);
  });

  test('plan with an unreachable cluster fails: a blind plan is not a green plan', async () => {
    const calls: string[] = [];
    const summary = await runCommand(inputs({ command: 'plan' }), deps(calls, unreachable));
    expect(summary.ok).toBe(false);
    expect(summary.results.find((r) => r.stage === 'certs')).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/^could not be planned: cluster unreachable/) as unknown },
    });
    expect(calls).toEqual([]);
  });

  test('plan-partial: a plan with an unreachable cluster completes and reports what it could not reach', async () => {
    const calls: string[] = [];
    const d = deps(calls, unreachable);
    const summary = await runCommand(inputs({ command: 'plan', 'plan-partial': true }), d);
    expect(summary.ok).toBe(true);
    expect(summary.notes.join('\n')).toContain(
      'Could not reach the Kubernetes cluster via KUBECONFIG=/tmp/kc (context edge)',
    );
    expect(summary.results.find((r) => r.stage === 'certs')).toMatchObject({
      status: 'skipped',
      reason: 'cluster unreachable (see above)',
    });
    expect(calls).toEqual([]);
  });

  test('plan with a reachable cluster calls plan only', async () => {
    const calls: string[] = [];
    const summary = await runCommand(inputs({ command: 'plan' }), deps(calls, reachable));
    expect(calls).toEqual(['plan certs', 'plan authpolicy']);
    expect(summary.changed).toBe(false);
  });

  test('upgrade without litmus-edge-version is refused before anything runs, naming the input', async () => {
    const calls: string[] = [];
    await expect(runCommand(inputs({ command: 'upgrade' }), deps(calls, reachable))).rejects.toThrow(
      /Input 'litmus-edge-version' \(command upgrade\): is required: it names the version to upgrade to/,
    );
    expect(calls).toEqual([]);
  });
});
