// When the release's pods show that waiting longer cannot help: a container crashing again and again, a pull the
// registry definitively refuses or cannot serve, an image name the runtime rejects. Everything else (a slow start,
// a pull back-off without a definitive answer, a pending pod) is left to helm's wait and its timeout.
import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../src/kube/kube-client.js';
import { hopelessRollout, podKeys } from '../../src/stages/deploy/hopeless.js';

const pod = (containers: object[], init: object[] = []): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'litmusedge-abc' },
    status: { phase: 'Pending', initContainerStatuses: init, containerStatuses: containers },
  }) as unknown as KubeObject;
const waiting = (reason: string, message = '', restartCount = 0) => ({
  name: 'litmusedge',
  restartCount,
  state: { waiting: { reason, message } },
});

const cases: Array<[string, KubeObject[], RegExp | undefined]> = [
  ['no pods yet', [], undefined],
  [
    'a container running, not ready yet',
    [pod([{ name: 'litmusedge', restartCount: 0, state: { running: {} } }])],
    undefined,
  ],
  ['crashed twice: may still come up', [pod([waiting('CrashLoopBackOff', 'back-off 20s', 2)])], undefined],
  [
    'crashed three times',
    [pod([waiting('CrashLoopBackOff', 'back-off 40s', 3)])],
    /^container litmusedge of pod litmusedge-abc crashed 3 times \(CrashLoopBackOff\)$/,
  ],
  ['an init container crashing', [pod([], [waiting('CrashLoopBackOff', '', 5)])], /crashed 5 times/],
  [
    'a pull the registry answered 404',
    [pod([waiting('ErrImagePull', 'rpc error: code = NotFound desc = failed to pull: not found')])],
    /cannot pull its image: rpc error: code = NotFound/,
  ],
  [
    'a pull refused (401)',
    [pod([waiting('ErrImagePull', 'failed to authorize: 401 Unauthorized')])],
    /cannot pull its image: failed to authorize/,
  ],
  [
    'a pull that failed on the network: retried by the kubelet',
    [pod([waiting('ErrImagePull', 'dial tcp 10.0.0.5:443: i/o timeout')])],
    undefined,
  ],
  [
    'back-off alone says nothing definitive',
    [pod([waiting('ImagePullBackOff', 'Back-off pulling image "x"')])],
    undefined,
  ],
  [
    'an invalid image name',
    [pod([waiting('InvalidImageName', 'couldn\'t parse image reference "x::y"')])],
    /^container litmusedge of pod litmusedge-abc: InvalidImageName/,
  ],
  [
    'a missing Secret (may appear): left to the timeout',
    [pod([waiting('CreateContainerConfigError', 'secret "x" not found')])],
    undefined,
  ],
];

describe('hopelessRollout: only the pods the rollout made', () => {
  const crashing = pod([waiting('CrashLoopBackOff', 'back-off 40s', 7)]);
  test('a pod that existed before the rollout (the old revision, maybe what the upgrade fixes) is not judged', () => {
    const old = { ...crashing, metadata: { name: 'litmusedge-old', uid: 'u-1' } } as KubeObject;
    expect(hopelessRollout([old], podKeys([old]))).toBeUndefined();
    const fresh = { ...crashing, metadata: { name: 'litmusedge-new', uid: 'u-2' } } as KubeObject;
    expect(hopelessRollout([old, fresh], podKeys([old]))).toMatch(/of pod litmusedge-new crashed 7 times/);
  });
  test('a pod being deleted is not judged', () => {
    const going = {
      ...crashing,
      metadata: { name: 'x', deletionTimestamp: '2026-11-30T00:00:00Z' },
    } as KubeObject;
    expect(hopelessRollout([going])).toBeUndefined();
  });
});

describe('hopelessRollout', () => {
  test.each(cases)('%s', (_name, pods, expected) => {
    const why = hopelessRollout(pods);
    if (expected) expect(why).toMatch(expected);
    else expect(why).toBeUndefined();
  });
});
