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

  test('the shipped least-privilege Role grants every one of them', () => {
    const rules = shippedRules();
    const denied = requiredPermissions('check-certs', { ...defaults, rotate: true }).filter((c) => {
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
    ]) {
      expect(
        cells.some((c) => c[3] === resource && c[4] === verbs),
        `${resource}: ${verbs}`,
      ).toBe(true);
    }
  });
});
