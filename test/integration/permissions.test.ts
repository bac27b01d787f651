// The least-privilege RBAC the project ships (deploy/rbac/) is enough for every stage, and the preflight
// lists every missing permission at once, with the rules to grant, before any change.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { PreflightError, runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import type { PolicyRule } from '../support/kube-apiserver/index.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
  roleRef?: { kind: string; name: string };
}

/** The shipped manifests as the stand-in's token rules: each Role's rules limited to its namespace. */
function shippedRules(): PolicyRule[] {
  const docs = parseAllDocuments(readFileSync('deploy/rbac/litmus-aio.yaml', 'utf8')).map(
    (d) => d.toJS() as Doc,
  );
  const rules: PolicyRule[] = [];
  for (const binding of docs.filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding')) {
    const role = docs.find(
      (d) =>
        d.kind === binding.roleRef!.kind &&
        d.metadata.name === binding.roleRef!.name &&
        d.metadata.namespace === binding.metadata.namespace,
    );
    expect(role, `binding ${binding.metadata.name} refers to a role in the file`).toBeDefined();
    for (const r of role!.rules ?? []) {
      rules.push({
        ...r,
        ...(binding.kind === 'RoleBinding' ? { namespaces: [binding.metadata.namespace!] } : {}),
      });
    }
  }
  return rules;
}

const LEAST = 'least-privilege-token';
const PARTIAL = 'partial-token';
let sb: Sandbox;
let defaults: Inputs;
beforeAll(async () => {
  const rules = shippedRules();
  sb = await startSandbox({
    rbac: {
      [LEAST]: { user: 'system:serviceaccount:litmus-edge:litmus-aio', rules },
      // Only the namespace and Secret rules: everything in azure-iot-operations is missing.
      [PARTIAL]: {
        user: 'system:serviceaccount:litmus-edge:partial',
        rules: rules.filter((r) => !r.namespaces?.includes('azure-iot-operations')),
      },
    },
  });
  // certs creates the release namespace; the shipped ServiceAccount lives there, as a user would apply it.
  defaults = await resolveInputs([]);
});
afterAll(() => sb.stop());

function run(token: string, over: Partial<Inputs> = {}) {
  return runCommand(
    {
      ...defaults,
      stages: ['certs', 'authpolicy', 'smoke'],
      stagesExplicit: true,
      'authpolicy-mode': 'kubernetes',
      'topic-prefix': 'litmus',
      ...over,
    },
    {
      reporter: recordingReporter(),
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { KUBECONFIG: sb.kube.writeKubeconfig(sb.dir, token, { fileName: `kc-${token}` }), HOME: sb.dir },
    },
  );
}

describe('permissions', () => {
  test('the preflight lists every missing permission in one run, with the rules to grant, and changes nothing', async () => {
    const mark = sb.kube.requests.length;
    const err = (await run(PARTIAL).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(PreflightError);
    expect(err.message).toMatch(
      /^The cluster identity lacks \d+ permission\(s\) that stages certs, authpolicy, smoke need: /,
    );
    for (const missing of [
      'get configmaps in azure-iot-operations',
      'create configmaps in azure-iot-operations',
      'update mqttbroker.iotoperations.azure.com/brokerlisteners in azure-iot-operations',
      'create mqttbroker.iotoperations.azure.com/brokerauthentications in azure-iot-operations',
      'create mqttbroker.iotoperations.azure.com/brokerauthorizations in azure-iot-operations',
      'create pods/portforward in azure-iot-operations',
    ]) {
      expect(err.message).toContain(missing);
    }
    expect(err.message).toContain(
      'Role in namespace azure-iot-operations:\n  - apiGroups: [""]\n    resources: ["configmaps"]\n    verbs: ["get", "create", "update"]',
    );
    expect(err.message).not.toContain('secrets');
    const writes = sb.kube.requests
      .slice(mark)
      .filter(
        (r) =>
          ['create', 'update', 'patch', 'delete'].includes(r.verb ?? '') &&
          r.resource !== 'selfsubjectaccessreviews',
      );
    expect(writes).toEqual([]);
  });

  test('plan mode fails on the same finding (it could not look), naming the way to accept a partial plan', async () => {
    const summary = await run(PARTIAL, { command: 'plan' });
    expect(summary.ok).toBe(false);
    expect(summary.results.find((r) => r.status === 'failed')).toMatchObject({
      status: 'failed',
      error: {
        message: expect.stringMatching(
          /^could not be planned: missing Kubernetes permissions .*set plan-partial: true/,
        ) as unknown,
      },
    });
  });

  test('plan-partial: plan mode reports the same finding and skips those stages instead of failing', async () => {
    const summary = await run(PARTIAL, { command: 'plan', 'plan-partial': true });
    expect(summary.ok).toBe(true);
    expect(summary.notes.join('\n')).toContain('The cluster identity lacks');
    expect(summary.results.find((r) => r.stage === 'authpolicy')).toMatchObject({
      status: 'skipped',
      reason: 'missing Kubernetes permissions (see above)',
    });
  });

  test('the shipped least-privilege Role is enough: certs, authpolicy (with an authorization) and smoke all pass', async () => {
    const summary = await run(LEAST);
    await sb.broker.settled();
    expect(summary.results.map((r) => `${r.stage}:${r.status}`)).toEqual([
      'certs:changed',
      'authpolicy:changed',
      'smoke:passed',
    ]);
    const again = await run(LEAST);
    expect(again.results.map((r) => `${r.stage}:${r.status}`)).toEqual([
      'certs:unchanged',
      'authpolicy:unchanged',
      'smoke:passed',
    ]);
  });
});
