// The action as GitHub runs it: the bundled entry points, inputs as INPUT_* variables, file commands for
// outputs, state and summary. The post step gets its state back the way the runner hands it over (STATE_*).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runAction } from '../../src/github/run-action.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import type { Stage } from '../../src/pipeline/stage.js';
import {
  parseFileCommands,
  runEntryAsync as runEntryAsync2,
  runnerFiles as runnerFilesIn,
} from '../support/action-runner.js';
import { freshBundle, NODE } from '../support/fresh-bundle.js';

let dist: Awaited<ReturnType<typeof freshBundle>>;
let work: string;

beforeAll(async () => {
  dist = await freshBundle();
  work = mkdtempSync(join(tmpdir(), 'action-entry-'));
});
afterAll(() => dist.remove());

/** Files the runner provides for file commands. */
const runnerFiles = (name: string) => runnerFilesIn(work, name);

const runEntryAsync = (entry: string, env: Record<string, string>) =>
  runEntryAsync2(dist.dir, entry, env, work);

function runEntry(entry: string, env: Record<string, string>) {
  const r = spawnSync(NODE, [join(dist.dir, entry)], {
    env: { PATH: process.env['PATH'] ?? '', HOME: work, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dist/main.js', () => {
  test('an invalid input exits 1 with an ::error:: naming the input, and changes nothing', () => {
    const files = runnerFiles('invalid');
    const r = runEntry('main.js', { ...files, INPUT_COMMAND: 'plan', INPUT_STAGES: 'certs,certz' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "::error title=litmus-aio%3A invalid input 'stages'::Input 'stages' (action input): 'certz' is not a stage (did you mean 'certs'?). Expected a comma- or newline-separated list of mirror, deploy, certs, authpolicy, connector, smoke. Example: stages: certs,authpolicy",
    );
    expect(readFileSync(files.GITHUB_OUTPUT, 'utf8')).toBe('');
    expect(readFileSync(files.GITHUB_STATE, 'utf8')).toBe('');
  });

  test('plan-partial: a plan with no reachable cluster validates, reports what it could not reach, and succeeds', () => {
    const files = runnerFiles('plan');
    const r = runEntry('main.js', {
      ...files,
      INPUT_COMMAND: 'plan',
      INPUT_STAGES: 'certs,authpolicy,smoke',
      'INPUT_PLAN-PARTIAL': 'true',
      'INPUT_AUTHPOLICY-MODE': 'kubernetes',
      KUBECONFIG: join(work, 'missing-kubeconfig'),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `::notice title=litmus-aio::Could not reach the Kubernetes cluster via KUBECONFIG=${join(work, 'missing-kubeconfig')}: no kubeconfig found`,
    );
    const outputs = parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
    expect(outputs['changed']).toBe('false');
    const result = JSON.parse(outputs['result']!) as Array<{ stage: string; status: string }>;
    expect(result.map((x) => x.stage)).toEqual(['certs', 'authpolicy', 'smoke']);
    expect(readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8')).toContain('### litmus-aio: Plan: no stage ran');
  });

  test('run with an unreachable cluster fails before any stage, naming what it tried and the fix', () => {
    const files = runnerFiles('run');
    const kubeconfig = join(work, 'missing-kubeconfig');
    const r = runEntry('main.js', {
      ...files,
      INPUT_STAGES: 'certs,authpolicy,smoke',
      'INPUT_AUTHPOLICY-MODE': 'kubernetes',
      KUBECONFIG: kubeconfig,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `::error::Could not reach the Kubernetes cluster via KUBECONFIG=${kubeconfig}: no kubeconfig found at ${kubeconfig}. Fix: set KUBECONFIG`,
    );
    // Every available stage that needs the cluster is named (the list grows as stages land).
    expect(r.stdout).toMatch(/Stages that need it: certs, authpolicy(, [a-z]+)*\. Nothing was changed\./);
    expect(readFileSync(files.GITHUB_OUTPUT, 'utf8')).toBe('');
  });
});

describe('post step', () => {
  test('cleans up what a failed main step started: its process group and its temp files', async () => {
    const files = runnerFiles('post');
    const tempFile = join(work, 'kubeconfig-secret');
    let pid = 0;
    // A stage that starts a long-lived helper in its own process group and writes a 0600 temp file, registers
    // both, then fails: the way an Arc proxy stage could die half-way.
    const failing: Stage = {
      name: 'certs',
      needs: [],
      plan: async () => ({ changed: false, changes: [] }),
      apply: async (ctx) => {
        writeFileSync(tempFile, 'secret', { mode: 0o600 });
        ctx.cleanup.add({ kind: 'path', path: tempFile, label: 'temp kubeconfig' });
        const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
        child.unref();
        pid = child.pid!;
        ctx.cleanup.add({ kind: 'process-group', pid, label: 'proxy' });
        throw new Error('proxy exited early');
      },
    };
    const saved = { ...process.env };
    Object.assign(process.env, files, { INPUT_STAGES: 'certs' });
    try {
      await runAction(core, {
        env: process.env,
        registry: { certs: async () => failing },
        probeCluster: async () => ({ reachable: true, via: 'test', server: 'https://127.0.0.1:1' }),
        kubeClient: { denied: async () => [] } as unknown as KubeClient,
      });
    } finally {
      process.env = saved;
    }
    expect(process.exitCode).toBe(1);
    process.exitCode = 0;
    expect(statSync(tempFile).mode & 0o777).toBe(0o600);
    expect(() => process.kill(-pid, 0)).not.toThrow();

    const state = parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8'));
    expect(JSON.parse(state['cleanup']!)).toHaveLength(2);
    const r = await runEntryAsync('post.js', { STATE_cleanup: state['cleanup']! });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`cleanup: proxy (process group ${pid}): stopped`);
    expect(r.stdout).toContain('litmus-aio post: 2 cleaned up, 0 failed.');
    expect(existsSync(tempFile)).toBe(false);
    expect(() => process.kill(-pid, 0)).toThrow();
  });

  test('with nothing registered it says so', () => {
    const r = runEntry('post.js', {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('litmus-aio post: nothing to clean up.');
  });
});
