// cluster-access: arc through the engine: the fake az (behaving like `az connectedk8s proxy`) in front of the
// Kubernetes stand-in. The stage runs through the proxy; the post-step cleanup stops the proxy's whole
// process group and removes its kubeconfig.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCleanup } from '../../src/cleanup/run-cleanup.js';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { PreflightError, runCommand } from '../../src/engine/run-command.js';
import {
  createCleanupRegistry,
  type CleanupEntry,
  type CleanupRegistry,
} from '../../src/pipeline/cleanup.js';
import { silentLogger } from '../../src/pipeline/logger.js';
import { installFakeAz, type FakeAz, type FakeAzKnobs } from '../support/fake-az/index.js';
import { freePort } from '../support/peers/free-port.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

let sb: Sandbox;
let fake: FakeAz;
let defaults: Inputs;
beforeAll(async () => {
  sb = await startSandbox({ clusterName: 'plant7-edge', resourceGroup: 'rg-plant7' });
  fake = installFakeAz({ upstream: { url: sb.kube.url, caPem: sb.kube.caPem, token: sb.kube.adminToken } });
  defaults = await resolveInputs([]);
});
afterAll(async () => {
  fake.remove();
  await sb.stop();
});

const groupGone = (pid: number): boolean => {
  try {
    process.kill(-pid, 0);
    return false;
  } catch {
    return true;
  }
};

async function run(
  over: Partial<Inputs>,
  getIdToken?: (aud: string) => Promise<string>,
  o: { knobs?: FakeAzKnobs; cleanup?: CleanupRegistry } = {},
) {
  const entries = new Map<string, string>();
  const cleanup =
    o.cleanup ??
    createCleanupRegistry({
      save: (k, v) => entries.set(k, v),
      load: (k) => entries.get(k) ?? '',
    });
  const masked: string[] = [];
  const reporter = recordingReporter();
  const summary = await runCommand(
    {
      ...defaults,
      stages: ['certs'],
      stagesExplicit: true,
      'cluster-access': 'arc',
      'arc-cluster': 'plant7-edge',
      'resource-group': 'rg-plant7',
      'arc-proxy-port': await freePort(),
      'azure-credential': 'azure-cli',
      ...over,
    },
    {
      reporter,
      cleanup,
      env: {
        ...fake.env(o.knobs),
        HOME: sb.dir,
        RUNNER_TEMP: sb.dir,
        ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/unused',
      },
      mask: (s) => masked.push(s),
      ...(getIdToken ? { getIdToken } : {}),
    },
  );
  return { summary, entries: cleanup.entries(), masked, reporter };
}

describe('cluster-access: arc', () => {
  test('runs the stage through the proxy; cleanup stops the whole process group and removes the kubeconfig', async () => {
    const r = await run({});
    expect(r.summary.ok).toBe(true);
    expect(r.summary.notes.join('\n')).toContain('via Arc cluster connect to plant7-edge');
    expect(r.summary.results[0]!.status).toBe('changed');
    const group = r.entries.find(
      (e): e is Extract<CleanupEntry, { kind: 'process-group' }> => e.kind === 'process-group',
    )!;
    const dir = r.entries.find((e): e is Extract<CleanupEntry, { kind: 'path' }> => e.kind === 'path')!;
    expect(group.label).toBe('Arc proxy for plant7-edge');
    expect(groupGone(group.pid)).toBe(false);
    await runCleanup(r.entries, silentLogger);
    expect(groupGone(group.pid)).toBe(true);
    expect(existsSync(dir.path)).toBe(false);
  });

  test('github-oidc: az is signed in with a fresh federated token, which is masked', async () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9jdG8vbGl0bXVzIn0.sig-not-real';
    const r = await run(
      {
        'azure-credential': 'github-oidc',
        'azure-client-id': '0c8a3f52-6d1e-4b7a-9c2d-5e4f3a2b1c0d',
        'azure-tenant-id': '11111111-2222-3333-4444-555555555555',
      },
      async () => token,
    );
    await runCleanup(r.entries, silentLogger);
    expect(r.summary.ok).toBe(true);
    expect(r.masked).toContain(token);
    const login = fake.invocations().find((inv) => inv.argv.includes('login'));
    expect(login?.argv).toContain('--federated-token');
    expect(JSON.stringify([r.summary, r.reporter.logs])).not.toContain(token);
  });

  test('missing arc-cluster: refused before anything starts', async () => {
    const err = (await run({ 'arc-cluster': undefined }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(PreflightError);
    expect(err.message).toBe(
      'cluster-access is arc but arc-cluster is not set. Fix: name the Arc-enabled cluster and its resource group, e.g. arc-cluster: edge-cluster-01, resource-group: rg-plant7. Nothing was changed.',
    );
  });

  test("the proxy exiting early fails the run with az's own message, nothing left running", async () => {
    const before = fake.invocations().length;
    const entries = new Map<string, string>();
    const cleanup = createCleanupRegistry({
      save: (k, v) => entries.set(k, v),
      load: (k) => entries.get(k) ?? '',
    });
    const err = (await run({}, undefined, { knobs: { mode: 'exit-early' }, cleanup }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(PreflightError);
    expect(err.message).toMatch(/ResourceNotFound|not found/i);
    expect(fake.invocations().length).toBeGreaterThan(before);
    for (const e of cleanup.entries()) if (e.kind === 'process-group') expect(groupGone(e.pid)).toBe(true);
    await runCleanup(cleanup.entries(), silentLogger);
  });
});
