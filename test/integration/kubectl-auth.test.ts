// `kubectl auth can-i --list` (SelfSubjectRulesReview) and `kubectl auth whoami` (SelfSubjectReview) against the
// stand-in, for the admin token and a restricted one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startKubeApiServer, type KubeSandbox } from '../support/kube-apiserver/index.js';
import { kubectlPath, runTool, toolEnv } from '../support/kube-apiserver/tools.js';

let kube: KubeSandbox;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubectl-auth-'));
  kube = await startKubeApiServer({
    seed: false,
    rbac: {
      'ro-token': {
        user: 'system:serviceaccount:ci:reader',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:ci'],
        rules: [
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'], namespaces: ['ci'] },
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'], resourceNames: ['web'] },
        ],
      },
    },
  });
});
afterAll(async () => {
  await kube?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const kubectl = (token: string | undefined, ...args: string[]) =>
  runTool(kubectlPath(), args, toolEnv(join(dir, 'home'), kube.writeKubeconfig(dir, token)));

describe('kubectl auth', () => {
  test('whoami: the admin and a service account with its groups', async () => {
    const admin = await kubectl(undefined, 'auth', 'whoami', '-o', 'json');
    expect(admin.code, admin.stderr).toBe(0);
    expect(JSON.parse(admin.stdout)).toMatchObject({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      status: {
        userInfo: { username: 'kubernetes-admin', groups: expect.arrayContaining(['system:authenticated']) },
      },
    });
    const ro = await kubectl('ro-token', 'auth', 'whoami');
    expect(ro.code, ro.stderr).toBe(0);
    expect(ro.stdout).toMatch(/Username\s+system:serviceaccount:ci:reader/);
    expect(ro.stdout).toMatch(
      /Groups\s+\[system:serviceaccounts system:serviceaccounts:ci system:authenticated\]/,
    );
  });

  test('can-i --list: everything for the admin', async () => {
    const r = await kubectl(undefined, 'auth', 'can-i', '--list');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
    expect(r.stdout).toMatch(/^\s+\[\*\]\s+\[\]\s+\[\*\]$/m);
  });

  test('can-i --list: a restricted token sees its rules for the namespace asked', async () => {
    const inCi = await kubectl('ro-token', 'auth', 'can-i', '--list', '-n', 'ci');
    expect(inCi.code, inCi.stderr).toBe(0);
    expect(inCi.stdout).toMatch(/^configmaps\s+\[\]\s+\[\]\s+\[get list\]$/m);
    expect(inCi.stdout).toMatch(/^deployments\.apps\s+\[\]\s+\[web\]\s+\[get\]$/m);
    expect(inCi.stdout).toMatch(/selfsubjectrulesreviews\.authorization\.k8s\.io/);
    expect(inCi.stdout).toMatch(/\[\/version\]\s+\[\]\s+\[get\]/);
    expect(inCi.stdout).not.toMatch(/^\*\.\*/m);
    const elsewhere = await kubectl('ro-token', 'auth', 'can-i', '--list', '-n', 'default');
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(elsewhere.stdout).not.toMatch(/^configmaps\s/m);
    expect(elsewhere.stdout).toMatch(/^deployments\.apps\s/m);
  });

  test('can-i for one action agrees with --list', async () => {
    const yes = await kubectl('ro-token', 'auth', 'can-i', 'list', 'configmaps', '-n', 'ci');
    expect(yes.stdout.trim()).toBe('yes');
    const no = await kubectl('ro-token', 'auth', 'can-i', 'list', 'configmaps', '-n', 'default');
    expect(no.stdout.trim()).toBe('no');
  });
});
