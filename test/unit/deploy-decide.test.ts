import { describe, expect, test } from 'vitest';
import type { HelmRevision, ReleaseStatus } from '../../src/helm/helm-json.js';
import { decideDeploy, type DesiredRelease, type ReleaseObserved } from '../../src/stages/deploy/decide.js';
import { describeDeploy } from '../../src/stages/deploy/describe.js';
import { mergeValues } from '../../src/stages/deploy/values.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const image = (digest: string, tag = '3.16.2') => ({ repository: 'acr.io/le', tag, digest });
const values = (digest = A, extra: Record<string, unknown> = {}) => ({
  image: image(digest),
  service: { type: 'ClusterIP' },
  ...extra,
});
const rev = (revision: number, status: ReleaseStatus, chart = 'litmusedge-0.1.0'): HelmRevision => ({
  revision,
  status,
  chart,
  appVersion: '3.16.2',
  description: '',
  updated: '2026-11-30T10:00:00Z',
});
const desired = (v: Record<string, unknown> = values(), version = '0.1.0'): DesiredRelease => ({
  chart: { name: 'litmusedge', version },
  values: v,
});
const observed = (history: HelmRevision[], v?: Record<string, unknown>): ReleaseObserved => ({
  namespaceExists: true,
  history,
  ...(v ? { values: v } : {}),
});

describe('decideDeploy', () => {
  test.each<[string, ReleaseObserved, DesiredRelease, unknown]>([
    ['no release: install', observed([]), desired(), { action: 'install' }],
    [
      'same chart version, values and digest: nothing to do',
      observed([rev(1, 'superseded'), rev(2, 'deployed')], values()),
      desired(),
      { action: 'none', revision: rev(2, 'deployed') },
    ],
    [
      'values in another key order: still nothing to do',
      observed([rev(1, 'deployed')], {
        service: { type: 'ClusterIP' },
        image: { digest: A, tag: '3.16.2', repository: 'acr.io/le' },
      }),
      desired(),
      { action: 'none' },
    ],
    [
      'another digest: upgrade, one image line',
      observed([rev(1, 'deployed')], values(A)),
      desired(values(B)),
      { action: 'upgrade', reasons: [`image acr.io/le:3.16.2@${A} -> acr.io/le:3.16.2@${B}`] },
    ],
    [
      'another chart version: upgrade',
      observed([rev(1, 'deployed')], values()),
      desired(values(), '0.2.0'),
      { action: 'upgrade', reasons: ['chart litmusedge-0.1.0 -> litmusedge-0.2.0'] },
    ],
    [
      'a changed value: upgrade with the values diff',
      observed([rev(1, 'deployed')], values()),
      desired(values(A, { resources: { limits: { memory: '4Gi' } } })),
      { action: 'upgrade', reasons: ['values resources: (absent) -> {"limits":{"memory":"4Gi"}}'] },
    ],
    [
      'same digest, another pull policy: the image field is a values line',
      observed([rev(1, 'deployed')], values()),
      desired(mergeValues(values(), { image: { pullPolicy: 'Always' } })),
      { action: 'upgrade', reasons: ['values image.pullPolicy: (absent) -> "Always"'] },
    ],
    [
      'latest revision failed with the same values: upgrade (helm retries it)',
      observed([rev(1, 'deployed'), rev(2, 'failed')], values()),
      desired(),
      { action: 'upgrade', reasons: ['revision 2 is failed'] },
    ],
    [
      'pending-upgrade: recover to the last deployed revision',
      observed([rev(1, 'superseded'), rev(2, 'deployed'), rev(3, 'pending-upgrade')], values()),
      desired(),
      { action: 'recover', pending: rev(3, 'pending-upgrade'), to: rev(2, 'deployed') },
    ],
    [
      'pending-install with nothing deployed: recover by uninstalling',
      observed([rev(1, 'pending-install')]),
      desired(),
      { action: 'recover', pending: rev(1, 'pending-install') },
    ],
  ])('%s', (_what, o, d, expected) => {
    expect(decideDeploy(o, d)).toMatchObject(expected as object);
  });

  test('a recover without a deployed revision has no target (the stage uninstalls)', () => {
    expect(decideDeploy(observed([rev(1, 'failed'), rev(2, 'pending-rollback')]), desired())).toEqual({
      action: 'recover',
      pending: rev(2, 'pending-rollback'),
    });
  });
});

describe('describeDeploy', () => {
  const c = { release: 'litmusedge', namespace: 'le', namespaceExists: true };

  test('install names chart and pinned image; a missing namespace comes first', () => {
    expect(
      describeDeploy({ action: 'install', reasons: [] }, desired(), { ...c, namespaceExists: false }),
    ).toEqual([
      'create namespace le',
      `install release litmusedge in namespace le: chart litmusedge-0.1.0, image acr.io/le:3.16.2@${A}`,
    ]);
  });

  test('upgrade: a head line, then one indented line per reason', () => {
    const d = decideDeploy(
      observed([rev(4, 'deployed')], values(A)),
      desired(values(B, { nats: { enabled: true } })),
    );
    expect(describeDeploy(d, desired(), c)).toEqual([
      'upgrade release litmusedge in namespace le from revision 4 (deployed) to chart litmusedge-0.1.0',
      `  image acr.io/le:3.16.2@${A} -> acr.io/le:3.16.2@${B}`,
      '  values nats: (absent) -> {"enabled":true}',
    ]);
  });

  test('nothing to do: no lines', () => {
    expect(describeDeploy({ action: 'none', revision: rev(1, 'deployed') }, desired(), c)).toEqual([]);
  });
});

describe('mergeValues', () => {
  test.each([
    ['mappings merge', { a: { b: 1, c: 2 } }, { a: { c: 3 } }, { a: { b: 1, c: 3 } }],
    ['lists are replaced', { l: [1, 2] }, { l: [3] }, { l: [3] }],
    ['null is kept (helm removes the key)', { a: { b: 1 } }, { a: null }, { a: null }],
    ['a mapping replaces a scalar', { a: 1 }, { a: { b: 2 } }, { a: { b: 2 } }],
  ])('%s', (_what, base, over, out) => {
    expect(mergeValues(base, over as Record<string, unknown>)).toEqual(out);
  });
});
