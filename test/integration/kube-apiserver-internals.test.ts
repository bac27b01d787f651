// Pure pieces of the Kubernetes API server stand-in: patch semantics, server-side apply bookkeeping, selectors.
// (The end-to-end behaviour with kubectl, helm and client-node is in kube-apiserver.test.ts.)
import { describe, expect, test } from 'vitest';
import { serverSideApply } from '../support/kube-apiserver/apply.js';
import { jsonPatch, mergePatch, strategicMergePatch } from '../support/kube-apiserver/patch.js';
import { fieldMatcher, labelMatcher } from '../support/kube-apiserver/selectors.js';
import { ApiError } from '../support/kube-apiserver/status.js';
import type { KubeObject } from '../support/kube-apiserver/types.js';

const cm = (data: Record<string, string>, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'default', ...extra },
  data,
});

describe('JSON merge patch (RFC 7386)', () => {
  test('merges objects, deletes on null, replaces lists', () => {
    const doc = { a: { b: 1, c: 2 }, list: [1, 2], keep: true };
    expect(mergePatch(doc, { a: { b: null, d: 3 }, list: [3] })).toEqual({
      a: { c: 2, d: 3 },
      list: [3],
      keep: true,
    });
    expect(doc).toEqual({ a: { b: 1, c: 2 }, list: [1, 2], keep: true });
  });
});

describe('JSON patch (RFC 6902)', () => {
  test('add (with -), replace, remove, move, copy and test', () => {
    const doc = { a: [1, 2], b: { c: 'x' }, 'd/e': 1 };
    expect(
      jsonPatch(doc, [
        { op: 'add', path: '/a/-', value: 3 },
        { op: 'add', path: '/a/0', value: 0 },
        { op: 'replace', path: '/b/c', value: 'y' },
        { op: 'remove', path: '/d~1e' },
        { op: 'copy', from: '/b', path: '/copied' },
        { op: 'move', from: '/b/c', path: '/moved' },
        { op: 'test', path: '/moved', value: 'y' },
      ]),
    ).toEqual({ a: [0, 1, 2, 3], b: {}, copied: { c: 'y' }, moved: 'y' });
  });

  test('a failed test or a missing path is a 422 and leaves the document alone', () => {
    const doc = { a: 1 };
    const failed = (() => {
      try {
        return jsonPatch(doc, [{ op: 'test', path: '/a', value: 2 }]);
      } catch (e) {
        return e;
      }
    })();
    expect(failed).toBeInstanceOf(ApiError);
    expect((failed as ApiError).code).toBe(422);
    expect(() => jsonPatch(doc, [{ op: 'remove', path: '/missing' }])).toThrow(/missing path: \/missing/);
    expect(() => jsonPatch(doc, [{ op: 'replace', path: '/nope/x', value: 1 }])).toThrow(ApiError);
    expect(doc).toEqual({ a: 1 });
  });
});

describe('strategic merge patch', () => {
  const pod = {
    spec: {
      containers: [
        { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }], ports: [{ containerPort: 80 }] },
        { name: 'b', image: 'b:1', args: ['--one'] },
      ],
      tolerations: [{ key: 't' }],
    },
    metadata: { finalizers: ['f1', 'f2'] },
  };

  test('keyed lists merge by key, other lists replace', () => {
    const out = strategicMergePatch(pod, {
      spec: {
        containers: [
          { name: 'a', env: [{ name: 'Y', value: '2' }], ports: [{ containerPort: 80, name: 'http' }] },
          { name: 'c', image: 'c:1' },
          { name: 'b', args: ['--two'] },
        ],
        tolerations: [{ key: 'u' }],
      },
    }) as typeof pod;
    expect(out.spec.containers).toEqual([
      {
        name: 'a',
        image: 'a:1',
        env: [
          { name: 'X', value: '1' },
          { name: 'Y', value: '2' },
        ],
        ports: [{ containerPort: 80, name: 'http' }],
      },
      { name: 'b', image: 'b:1', args: ['--two'] },
      { name: 'c', image: 'c:1' },
    ]);
    expect(out.spec.tolerations).toEqual([{ key: 'u' }]);
  });

  test('directives kubectl emits: $patch delete/replace, $setElementOrder, $retainKeys, $deleteFromPrimitiveList', () => {
    const out = strategicMergePatch(pod, {
      metadata: { finalizers: ['f3'] },
      spec: { containers: [{ name: 'a', $patch: 'delete' }] },
    }) as typeof pod;
    expect(out.spec.containers.map((c) => c.name)).toEqual(['b']);
    expect(out.metadata.finalizers).toEqual(['f1', 'f2', 'f3']);

    const reordered = strategicMergePatch(pod, {
      spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] },
      metadata: { '$deleteFromPrimitiveList/finalizers': ['f1'] },
    }) as typeof pod;
    expect(reordered.spec.containers.map((c) => c.name)).toEqual(['b', 'a']);
    expect(reordered.metadata.finalizers).toEqual(['f2']);

    const replaced = strategicMergePatch(pod, { spec: { $patch: 'replace', containers: [{ name: 'z' }] } });
    expect(replaced).toEqual({ spec: { containers: [{ name: 'z' }] }, metadata: pod.metadata });

    const retained = strategicMergePatch(
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
      { strategy: { $retainKeys: ['type'], type: 'Recreate' } },
    );
    expect(retained).toEqual({ strategy: { type: 'Recreate' } });
  });

  test('service ports merge by port', () => {
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    expect(strategicMergePatch(svc, { spec: { ports: [{ port: 80, name: 'http' }] } })).toEqual({
      spec: { ports: [{ port: 80, targetPort: 8080, name: 'http' }, { port: 443 }] },
    });
  });
});

describe('server-side apply', () => {
  const apply = (live: KubeObject | undefined, applied: KubeObject, manager: string, force = false) =>
    serverSideApply(live, applied, { manager, force, typed: true });

  test('records the applier, conflicts with another applier unless forced, drops released fields', () => {
    const v1 = apply(undefined, cm({ a: '1', b: '2' }, { labels: { app: 'x' } }), 'helm');
    expect(v1.metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: 'helm',
        operation: 'Apply',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } },
      }),
    ]);
    let conflict: unknown;
    try {
      apply(v1, cm({ a: 'mine' }), 'litmus-aio');
    } catch (e) {
      conflict = e;
    }
    expect((conflict as ApiError).code).toBe(409);
    expect((conflict as ApiError).message).toBe(
      'Apply failed with 1 conflict: conflict with "helm" using v1: .data.a',
    );
    // Same value: shared ownership, no conflict.
    const shared = apply(v1, cm({ b: '2' }), 'litmus-aio');
    expect(shared.metadata.managedFields!.map((m) => [m.manager, m.fieldsV1['f:data']])).toEqual([
      ['helm', { 'f:a': {}, 'f:b': {} }],
      ['litmus-aio', { 'f:b': {} }],
    ]);

    const forced = apply(v1, cm({ a: 'mine' }), 'litmus-aio', true);
    expect(forced.data).toEqual({ a: 'mine', b: '2' });
    // helm no longer owns a; when it stops applying b, b goes; a stays with its new owner.
    const v2 = apply(forced, cm({}, { labels: { app: 'x' } }), 'helm');
    expect(v2.data).toEqual({ a: 'mine' });
    expect(v2.metadata.labels).toEqual({ app: 'x' });
  });

  test('keyed lists merge per item; re-applying the same configuration changes nothing', () => {
    const deploy = (env: { name: string; value: string }[]): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'x:1', env }] } } },
    });
    const one = apply(undefined, deploy([{ name: 'A', value: '1' }]), 'helm');
    const other = apply(one, deploy([{ name: 'B', value: '2' }]), 'ops');
    const env = (o: KubeObject) =>
      (o.spec as { template: { spec: { containers: { env: unknown[] }[] } } }).template.spec.containers[0]!
        .env;
    expect(env(other)).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    const again = apply(other, deploy([{ name: 'A', value: '1' }]), 'helm');
    const strip = (o: KubeObject) => ({
      ...o,
      metadata: { ...o.metadata, managedFields: o.metadata.managedFields!.map((m) => ({ ...m, time: '' })) },
    });
    expect(strip(again)).toEqual(strip(other));
  });
});

describe('selectors', () => {
  const obj = (labels: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', labels },
  });

  test('label selector operators', () => {
    const m = (sel: string, labels: Record<string, string>) => labelMatcher(sel)(obj(labels));
    expect(m('a=1,b==2', { a: '1', b: '2' })).toBe(true);
    expect(m('a!=1', {})).toBe(true);
    expect(m('a in (1, 2),!c', { a: '2' })).toBe(true);
    expect(m('a notin (1,2)', { a: '2' })).toBe(false);
    expect(m('a', { b: '1' })).toBe(false);
    expect(() => labelMatcher('a in 1')).toThrow(ApiError);
  });

  test('field selectors on metadata and nested fields', () => {
    expect(fieldMatcher('metadata.name=p,metadata.namespace!=other')(obj({}))).toBe(true);
    expect(fieldMatcher('metadata.namespace==other')(obj({}))).toBe(false);
    expect(() => fieldMatcher('metadata.name')).toThrow(/invalid selector/);
  });
});
