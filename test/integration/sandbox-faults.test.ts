// Faults from outside the test process: a fault plan file given to the sandbox (what scripts/demo.ts does with
// LITMUS_SANDBOX_FAULTS), and POST /_sandbox/faults on a running stand-in (admin token only).
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kubectlPath, runTool, toolEnv } from '../support/kube-apiserver/tools.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

let sb: Sandbox;
let planFile: string;
beforeAll(async () => {
  const dir = join(process.env.TMPDIR ?? '/tmp', `sandbox-faults-${process.pid}.json`);
  planFile = dir;
  writeFileSync(
    planFile,
    JSON.stringify([
      {
        match: { verb: 'get', resource: 'configmaps', name: 'azure-clusterconfig' },
        fault: { kind: 'status', status: 500, message: 'injected from the plan file' },
      },
    ]),
  );
  sb = await startSandbox({
    faultPlanFile: planFile,
    rbac: { 'ro-token': [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
  });
});
afterAll(() => sb?.stop());

const kubectl = (...args: string[]) =>
  runTool(kubectlPath(), args, toolEnv(join(sb.dir, 'home-faults'), sb.kubeconfig));

function admin(method: string, body?: unknown, token = sb.kube.adminToken) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      `${sb.kube.url}/_sandbox/faults`,
      { method, ca: sb.kube.caPem, headers: { Authorization: `Bearer ${token}` } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('sandbox faults from outside', () => {
  test('a fault plan file given at start-up fails the matching request, once', async () => {
    const first = await kubectl('get', 'configmap', '-n', 'azure-arc', 'azure-clusterconfig');
    expect(first.code).not.toBe(0);
    expect(first.stderr).toContain('injected from the plan file');
    const second = await kubectl('get', 'configmap', '-n', 'azure-arc', 'azure-clusterconfig');
    expect(second.code, second.stderr).toBe(0);
  });

  test('a bad plan file fails the start, naming the file and the field', async () => {
    const bad = `${planFile}.bad.json`;
    writeFileSync(bad, JSON.stringify([{ match: {}, fault: { kind: 'status', status: 'x' } }]));
    await expect(startSandbox({ faultPlanFile: bad })).rejects.toThrow(/bad\.json: rule 0: fault/);
  });

  test('POST /_sandbox/faults adds rules to the running stand-in; GET shows hits; DELETE clears', async () => {
    const added = await admin('POST', [
      {
        match: { verb: 'list', resource: 'brokerlisteners', times: 'Infinity' },
        fault: { kind: 'status', status: 500, message: 'posted to the running sandbox' },
      },
    ]);
    expect(added).toEqual({ status: 200, body: { added: 1, pending: 1 } });
    const failing = await kubectl('get', 'brokerlisteners', '-n', 'azure-iot-operations');
    expect(failing.stderr).toContain('posted to the running sandbox');
    const state = await admin('GET');
    expect(state.body.hits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ attributes: expect.objectContaining({ resource: 'brokerlisteners' }) }),
      ]),
    );
    expect(await admin('DELETE')).toEqual({ status: 200, body: { pending: 0 } });
    const ok = await kubectl('get', 'brokerlisteners', '-n', 'azure-iot-operations');
    expect(ok.code, ok.stderr).toBe(0);
  });

  test('the endpoint takes the admin token only and checks the rules', async () => {
    expect((await admin('POST', [], 'ro-token')).status).toBe(403);
    const bad = await admin('POST', [{ fault: { kind: 'nonsense' } }]);
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toMatch(/rule 0/);
  });
});
