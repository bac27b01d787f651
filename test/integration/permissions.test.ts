// The least-privilege RBAC the project ships (deploy/rbac/) is enough for every stage and for check-certs (rotate
// included), and the preflight lists every missing permission at once, with the rules to grant, before any change.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { PreflightError, runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { issueBrokerServerCert } from '../support/sandbox/aio-pki.js';
import { putClientLeaf } from '../support/sandbox/certs-to-order.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';
import { shippedRules } from '../support/shipped-rbac.js';
import { kubeWritesSince } from '../support/kube-writes.js';

const LEAST = 'least-privilege-token';
const PARTIAL = 'partial-token';
/** check-certs: the shipped rules without cert-manager's Certificates. */
const NO_CERT_MANAGER = 'no-cert-manager-token';
/** check-certs: the shipped rules, reads only (rotate lacks its writes). */
const READ_ONLY = 'read-only-token';
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
      [NO_CERT_MANAGER]: {
        user: 'system:serviceaccount:litmus-edge:no-cert-manager',
        rules: rules.filter((r) => !r.apiGroups?.includes('cert-manager.io')),
      },
      [READ_ONLY]: {
        user: 'system:serviceaccount:litmus-edge:read-only',
        rules: rules
          .map((r) => ({
            ...r,
            verbs: r.verbs.filter(
              (v) => ['get', 'list'].includes(v) || r.resources.includes('pods/portforward'),
            ),
          }))
          .filter((r) => r.verbs.length > 0),
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

function checkCerts(token: string, over: Partial<Inputs> = {}) {
  return runCommand(
    // The sandbox's own AIO CA lasts a week: thresholds below it, so only what a test orders is flagged.
    {
      ...defaults,
      command: 'check-certs',
      'authpolicy-mode': 'kubernetes',
      'topic-prefix': 'litmus', // as the stages were run: smoke after rotate publishes where it is authorized
      'github-issue': false,
      'smoke-timeout': 30,
      'warn-days': 5,
      'fail-days': 3,
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
    expect(kubeWritesSince(sb.kube.requests, mark)).toEqual([]);
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

  test('check-certs with the shipped Role: every certificate read (cert-manager status included); rotate: true re-issues and smoke passes', async () => {
    await issueBrokerServerCert(sb); // cert-manager's Certificate for the broker, as on AIO
    const healthy = await checkCerts(LEAST);
    expect(healthy.results[0], JSON.stringify(healthy.results[0])).toMatchObject({
      stage: 'check-certs',
      status: 'passed',
    });
    expect(healthy.results[0]!.details).toContainEqual(
      expect.stringMatching(
        /^cert-manager Certificate azure-iot-operations\/aio-broker-frontend-server: Ready, /,
      ),
    );
    await putClientLeaf(sb, { days: 2 });
    const rotated = await checkCerts(LEAST, { rotate: true });
    expect(rotated.results[0], JSON.stringify(rotated.results[0])).toMatchObject({ status: 'changed' });
    expect(rotated.results[0]!.details).toContainEqual(expect.stringMatching(/^smoke after rotate passed: /));
  });

  test('check-certs without cert-manager access: still checked, the status noted as not readable', async () => {
    const r = await checkCerts(NO_CERT_MANAGER);
    expect(r.results[0]!.status).toBe('passed');
    expect(r.results[0]!.details).toContainEqual(
      expect.stringMatching(/^cert-manager Certificates in azure-iot-operations not readable: .*403/),
    );
  });

  test('check-certs with too little: every missing read permission named with the rules; rotate refused without its writes', async () => {
    const r = await checkCerts(PARTIAL);
    expect(r.results[0]!.status).toBe('failed');
    const message = r.results[0]!.error!.message;
    expect(message).toMatch(/the cluster identity lacks \d+ permission\(s\) check-certs needs to read: /);
    for (const missing of [
      'get configmaps in azure-iot-operations',
      'get services in azure-iot-operations',
      'create pods/portforward in azure-iot-operations',
    ]) {
      expect(message).toContain(missing);
    }
    await putClientLeaf(sb, { days: 2 });
    const mark = sb.kube.requests.length;
    const ro = await checkCerts(READ_ONLY, { rotate: true });
    expect(ro.results[0]!.status).toBe('failed'); // the leaf is at fail-days and rotate could not fix it
    const refused = ro.results[0]!.details!.find((d) => d.startsWith('needs a person: rotate needs'))!;
    expect(refused).toContain('update secrets in litmus-edge');
    expect(refused).toContain('Role in namespace litmus-edge:');
    expect(ro.results[0]!.details).toContainEqual(
      expect.stringMatching(/^rotate: true would issue client certificate/),
    );
    expect(
      kubeWritesSince(sb.kube.requests, mark).filter((w) => w.startsWith('secrets/', w.indexOf(' ') + 1)),
    ).toEqual([]);
  });
});
