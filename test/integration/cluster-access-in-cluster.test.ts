// cluster-access: in-cluster, as a self-hosted runner pod sees it: KUBERNETES_SERVICE_HOST/PORT and the
// service-account token and CA files (rooted in a temp dir here; /var/run/secrets/... in a pod).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { PreflightError, runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

let sb: Sandbox;
let root: string;
let defaults: Inputs;
beforeAll(async () => {
  sb = await startSandbox({
    rbac: {
      'pod-sa-token': {
        user: 'system:serviceaccount:litmus-edge:runner',
        rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      },
    },
  });
  root = join(sb.dir, 'pod-root');
  const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(sa, { recursive: true });
  writeFileSync(join(sa, 'token'), 'pod-sa-token');
  writeFileSync(join(sa, 'ca.crt'), sb.kube.caPem);
  writeFileSync(join(sa, 'namespace'), 'litmus-edge');
  // client-node reads the service host and port from the process environment, as in a pod.
  const url = new URL(sb.kube.url);
  process.env['KUBERNETES_SERVICE_HOST'] = url.hostname;
  process.env['KUBERNETES_SERVICE_PORT'] = url.port;
  defaults = await resolveInputs([]);
});
afterAll(() => sb.stop());

const run = (env: NodeJS.ProcessEnv) =>
  runCommand(
    { ...defaults, stages: ['certs'], stagesExplicit: true, 'cluster-access': 'in-cluster' },
    {
      reporter: recordingReporter(),
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env,
      inClusterRoot: root,
    },
  );

test('runs with the pod service account: the API sees that identity', async () => {
  const mark = sb.kube.requests.length;
  const summary = await run({
    KUBERNETES_SERVICE_HOST: process.env['KUBERNETES_SERVICE_HOST'],
    HOME: sb.dir,
  });
  expect(summary.ok).toBe(true);
  expect(summary.notes.join('\n')).toContain('via in-cluster service account');
  expect(summary.results[0]!.status).toBe('changed');
  const users = new Set(sb.kube.requests.slice(mark).map((r) => r.user));
  expect([...users]).toEqual(['system:serviceaccount:litmus-edge:runner']);
});

test('outside a pod: a clear error before anything runs', async () => {
  const err = (await run({ HOME: sb.dir }).catch((e: unknown) => e)) as Error;
  expect(err).toBeInstanceOf(PreflightError);
  expect(err.message).toBe(
    'cluster-access is in-cluster but KUBERNETES_SERVICE_HOST is not set: this runner is not running in a Kubernetes pod. Fix: use cluster-access: kubeconfig or arc. Nothing was changed.',
  );
});
