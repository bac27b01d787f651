// check-certs' Kubernetes permissions: what it asks for (read-only unless rotate), that the shipped Role grants all
// of it, and that docs/permissions.md lists it.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { requiredPermissions } from '../../src/kube/required-permissions.js';
import { isAllowed } from '../support/kube-apiserver/rbac.js';
import { shippedRules } from '../support/shipped-rbac.js';

let defaults: Inputs;
beforeAll(async () => {
  defaults = await resolveInputs([]);
});

const show = (i: Partial<Inputs>) =>
  requiredPermissions('check-certs', { ...defaults, ...i }).map(
    (c) => `${c.verb} ${c.group ? `${c.group}/` : ''}${c.resource}${c.namespace ? ` in ${c.namespace}` : ''}`,
  );

describe('check-certs permissions', () => {
  test('read-only: what smoke reads and cert-manager Certificates; no port-forward with smoke-broker-address', () => {
    const fmt = (stage: 'smoke', i: Partial<Inputs>) =>
      requiredPermissions(stage, { ...defaults, ...i }).map(
        (c) =>
          `${c.verb} ${c.group ? `${c.group}/` : ''}${c.resource}${c.namespace ? ` in ${c.namespace}` : ''}`,
      );
    const certManager = [
      'get cert-manager.io/certificates in azure-iot-operations',
      'list cert-manager.io/certificates in azure-iot-operations',
    ];
    expect(show({})).toEqual([...fmt('smoke', {}), ...certManager]);
    expect(show({})).toEqual(
      expect.arrayContaining([
        'get secrets in litmus-edge',
        'get configmaps in azure-iot-operations',
        'create pods/portforward in azure-iot-operations',
      ]),
    );
    const direct = { 'smoke-broker-address': '10.0.0.5:18884' };
    expect(show(direct)).toEqual([...fmt('smoke', direct), ...certManager]);
    expect(show(direct).some((x) => x.includes('portforward'))).toBe(false);
  });

  test('rotate: true adds what the certs stage writes, and nothing else', () => {
    const extra = show({ rotate: true }).filter((x) => !show({}).includes(x));
    expect(extra).toEqual([
      'get namespaces',
      'create namespaces',
      'create secrets in litmus-edge',
      'update secrets in litmus-edge',
      'create configmaps in azure-iot-operations',
      'update configmaps in azure-iot-operations',
    ]);
  });

  test('with a Litmus Edge credential: what the connector reads to reach Litmus Edge, no port-forward with litmus-edge-url', () => {
    const token = { 'litmus-edge-token': 'le-token' };
    expect(show(token).filter((x) => !show({}).includes(x))).toEqual([
      'get services in litmus-edge',
      'list pods in litmus-edge',
      'get pods/portforward in litmus-edge',
      'create pods/portforward in litmus-edge',
    ]);
    expect(show({ ...token, 'litmus-edge-url': 'https://10.0.0.9' })).toEqual(show({}));
    // rotate's record of the key it sent is an update of the connector's state Secret: certs' rules have it.
    expect(show({ ...token, rotate: true })).toContain('update secrets in litmus-edge');
  });

  test('the shipped least-privilege Role grants every one of them', () => {
    const rules = shippedRules();
    const all = { ...defaults, rotate: true, 'litmus-edge-token': 'le-token' };
    const denied = requiredPermissions('check-certs', all).filter((c) => {
      const [resource, subresource] = c.resource.split('/');
      return !isAllowed(rules, {
        verb: c.verb,
        apiGroup: c.group,
        resource: resource!,
        ...(subresource ? { subresource } : {}),
        ...(c.namespace ? { namespace: c.namespace } : {}),
      });
    });
    expect(denied).toEqual([]);
  });

  test('docs/permissions.md lists them', () => {
    const doc = readFileSync('docs/permissions.md', 'utf8');
    const rows = doc.split('\n').filter((l) => l.startsWith('| check-certs'));
    const cells = rows.map((r) => r.split('|').map((c) => c.trim()));
    for (const [resource, verbs] of [
      ['secrets', 'get'],
      ['configmaps', 'get'],
      ['pods/portforward', 'get, create'],
      ['cert-manager.io certificates', 'get, list'],
      ['namespaces', 'get, create'],
      ['secrets', 'get, create, update'],
      ['configmaps', 'get, create, update'],
      ['services, pods (port-forward to Litmus Edge)', 'get, list'],
    ]) {
      expect(
        cells.some((c) => c[3] === resource && c[4] === verbs),
        `${resource}: ${verbs}`,
      ).toBe(true);
    }
  });
});
