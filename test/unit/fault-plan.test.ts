// The fault plan's pieces that need no server: matching on Kubernetes request attributes, the plan-file loader, and
// the Kubernetes stand-in's rendering of a fault as a Status error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createFaultPlan, FaultPlanError, loadFaultPlan } from '../support/faults/index.js';
import { kubeFaultBody } from '../support/kube-apiserver/faults.js';
import { resolveResource } from '../support/kube-apiserver/resources.js';

const dir = mkdtempSync(join(tmpdir(), 'fault-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('matching Kubernetes request attributes', () => {
  test('verb/resource/namespace/name must all match; rules naming one skip requests without attributes', () => {
    const plan = createFaultPlan([
      { match: { verb: 'get', resource: 'configmaps', namespace: 'azure-arc' }, fault: { kind: 'drop' } },
      { match: { method: 'GET' }, fault: { kind: 'delay', ms: 1 } },
    ]);
    const cm = { verb: 'get', resource: 'configmaps', name: 'x' };
    expect(plan.take({ url: '/api/v1/namespaces/default/configmaps/x', attributes: cm })?.kind).toBe('delay');
    expect(plan.take({ url: '/anything' })).toBeUndefined(); // ARM-style request: no attributes
    const url = '/api/v1/namespaces/azure-arc/configmaps/x';
    expect(plan.take({ url, attributes: { ...cm, namespace: 'azure-arc' } })?.kind).toBe('drop');
    expect(plan.hits.map((h) => [h.rule, h.attributes?.namespace])).toEqual([
      [1, undefined],
      [0, 'azure-arc'],
    ]);
  });
});

describe('loadFaultPlan', () => {
  test('reads YAML and JSON rule lists into a plan', () => {
    const yaml = file(
      'plan.yaml',
      [
        '- match: { verb: get, resource: configmaps, name: azure-clusterconfig, times: 2 }',
        '  fault: { kind: status, status: 429, retryAfterSeconds: 1 }',
        '- match: { method: put, path: { regex: "/listeners/[^/]+$", flags: i }, times: .inf }',
        '  fault: { kind: burst, status: 503, count: 2, message: busy }',
        '- match: { path: /a/b }',
        '  fault: { kind: delay, ms: 50 }',
      ].join('\n'),
    );
    const plan = loadFaultPlan(yaml);
    const attributes = { verb: 'get', resource: 'configmaps', name: 'azure-clusterconfig' };
    expect(plan.take({ url: '/x', attributes })).toEqual({
      kind: 'status',
      status: 429,
      retryAfterSeconds: 1,
    });
    expect(plan.take({ url: '/x', attributes })?.kind).toBe('status');
    expect(plan.take({ url: '/x', attributes })).toBeUndefined();
    for (let i = 0; i < 3; i++)
      expect(plan.take({ method: 'PUT', url: '/B/LISTENERS/l1' })).toEqual({
        kind: 'burst',
        status: 503,
        count: 2,
        message: 'busy',
      });
    expect(plan.take({ url: '/a/b?x=1' })).toEqual({ kind: 'delay', ms: 50 });

    const json = file(
      'plan.json',
      JSON.stringify([
        { match: { path: '/idtoken', times: 'Infinity' }, fault: { kind: 'drop' } },
        { match: {}, fault: { kind: 'lro-failed', code: 'Bad', message: 'went wrong' } },
      ]),
    );
    const fromJson = loadFaultPlan(json);
    expect(fromJson.pending).toBe(2);
    for (let i = 0; i < 3; i++) expect(fromJson.take({ url: '/idtoken' })?.kind).toBe('drop');
    expect(fromJson.take({ url: '/op' }, ['lro-failed'])).toMatchObject({ code: 'Bad' });
  });

  test('rejects a bad file with the file, the rule and the field in the message', () => {
    const bad = (name: string, text: string) => () => loadFaultPlan(file(name, text));
    expect(bad('bad-kind.yaml', '- match: {}\n  fault: { kind: explode }')).toThrow(
      /bad-kind\.yaml: rule 0: fault\.kind: expected one of status, burst, conflict, drop, delay, lro-failed, got "explode"/,
    );
    expect(bad('no-status.yaml', '- fault: { kind: drop }\n- fault: { kind: status }')).toThrow(
      /rule 1: fault\.status: expected an HTTP error status \(400-599\), got nothing/,
    );
    expect(bad('field.yaml', '- match: { verbs: get }\n  fault: { kind: drop }')).toThrow(
      /rule 0: match: unknown field verbs \(allowed: method, path, times, verb, resource, namespace, name\)/,
    );
    expect(bad('extra.yaml', '- fault: { kind: delay, ms: 5, status: 500 }')).toThrow(
      /rule 0: fault \(delay\): unknown field status/,
    );
    expect(bad('regex.yaml', '- match: { path: { regex: "(" } }\n  fault: { kind: drop }')).toThrow(
      /rule 0: match\.path\.regex: Invalid regular expression/,
    );
    expect(bad('times.json', '[{"match": {"times": 0}, "fault": {"kind": "drop"}}]')).toThrow(
      /match\.times: expected a positive integer or Infinity, got 0/,
    );
    expect(bad('map.yaml', 'match: {}\nfault: { kind: drop }')).toThrow(
      /expected a list of rules, got object/,
    );
    expect(bad('syntax.json', '[{')).toThrow(/syntax\.json: not valid JSON/);
    expect(bad('syntax.json', '[{')).toThrow(FaultPlanError);
  });
});

describe('kubeFaultBody: injected statuses in the apiserver’s words', () => {
  const cms = resolveResource('configmaps');
  const named = { resource: cms, namespace: 'azure-arc', name: 'azure-clusterconfig' };

  test.each([
    [
      429,
      { retryAfterSeconds: 2 },
      undefined,
      'TooManyRequests',
      'Too many requests, please try again later.',
    ],
    [409, {}, { resource: cms }, 'Conflict', 'Operation cannot be fulfilled: injected conflict'],
    [
      409,
      {},
      named,
      'Conflict',
      'Operation cannot be fulfilled on configmaps "azure-clusterconfig": the object has been modified; please apply your changes to the latest version and try again',
    ],
    [
      503,
      { retryAfterSeconds: 7 },
      named,
      'ServiceUnavailable',
      'The server is currently unable to handle the request',
    ],
    [
      504,
      {},
      named,
      'Timeout',
      'Timeout: request did not complete within requested timeout - context deadline exceeded',
    ],
    [500, { message: 'etcd down' }, named, 'InternalError', 'Internal error occurred: etcd down'],
    [502, {}, undefined, 'InternalError', 'injected fault (502)'],
  ] as const)('%i %o', (status, fault, rr, reason, message) => {
    const body = kubeFaultBody(status, fault, rr);
    expect(body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: status,
      reason,
      message,
    });
    if ('retryAfterSeconds' in fault)
      expect(body.details).toEqual({ retryAfterSeconds: fault.retryAfterSeconds });
  });
});
