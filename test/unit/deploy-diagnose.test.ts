import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../src/kube/kube-client.js';
import { diagnoseRollout, evidenceLines, type DiagnoseContext } from '../../src/stages/deploy/diagnose.js';
import {
  eventEvidence,
  podEvidence,
  type ContainerEvidence,
  type EventEvidence,
  type RolloutEvidence,
} from '../../src/stages/deploy/evidence.js';

const IMAGE = `acr.io/litmusedge/le:3.16.2@sha256:${'a'.repeat(64)}`;
const ctx: DiagnoseContext = {
  release: 'le',
  namespace: 'edge',
  pullSecret: 'litmusedge-pull',
  deployTimeoutS: 600,
  helmError: 'Error: UPGRADE FAILED: context deadline exceeded',
};
const container = (c: Partial<ContainerEvidence>): ContainerEvidence => ({
  name: 'litmusedge',
  image: IMAGE,
  ready: false,
  restartCount: 0,
  ...c,
});
const pod = (containers: ContainerEvidence[], extra: Partial<RolloutEvidence['pods'][number]> = {}) => ({
  name: 'le-abc-1',
  phase: 'Pending',
  pullSecrets: ['litmusedge-pull'],
  containers,
  ...extra,
});
const event = (
  reason: string,
  message: string,
  object = 'Pod/le-abc-1',
  time = '2026-11-30T10:00:00Z',
): EventEvidence => ({
  time,
  type: 'Warning',
  reason,
  object,
  message,
  count: 1,
});
const evidence = (e: Partial<RolloutEvidence>): RolloutEvidence => ({
  pods: [],
  claims: [],
  events: [],
  ...e,
});

const PULL_404 = `Failed to pull image "${IMAGE}": rpc error: code = NotFound desc = failed to resolve reference: 404 Not Found: manifest unknown`;
const PULL_401 = `Failed to pull image "${IMAGE}": unexpected status from GET request: 401 Unauthorized: authentication required`;

describe('diagnoseRollout: one actionable cause', () => {
  test.each<[string, RolloutEvidence, RegExp, RegExp]>([
    [
      'image not in the registry',
      evidence({
        pods: [
          pod([container({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } })]),
        ],
        events: [event('Failed', PULL_404)],
      }),
      /^pod le-abc-1 cannot pull image acr\.io\/litmusedge\/le:3\.16\.2@sha256:a{64} \(ImagePullBackOff\) with pull Secret edge\/litmusedge-pull: Failed to pull image .*404 Not Found/,
      /^the image is not in acr\.io: run the mirror stage/,
    ],
    [
      'credentials refused',
      evidence({
        pods: [pod([container({ waiting: { reason: 'ErrImagePull', message: PULL_401 } })])],
      }),
      /cannot pull image .* with pull Secret edge\/litmusedge-pull: .*401 Unauthorized/,
      /^acr\.io refuses the credentials in the pull Secret edge\/litmusedge-pull: run the mirror stage/,
    ],
    [
      'pull Secret missing',
      evidence({
        pods: [pod([container({ waiting: { reason: 'ImagePullBackOff' } })])],
        events: [
          event(
            'FailedToRetrieveImagePullSecret',
            'Unable to retrieve some image pull secrets (litmusedge-pull)',
          ),
          event('Failed', PULL_401),
        ],
      }),
      /cannot pull image/,
      /^create the pull Secret edge\/litmusedge-pull \(type kubernetes\.io\/dockerconfigjson, credentials for acr\.io\)/,
    ],
    [
      'a crashing container, with its exit code and last log lines',
      evidence({
        pods: [
          pod(
            [
              container({
                waiting: { reason: 'CrashLoopBackOff' },
                restartCount: 4,
                lastTerminated: { exitCode: 3, reason: 'Error' },
                logs: ['starting', 'fatal: cannot open /var/lib/le.db'],
              }),
            ],
            { phase: 'Running' },
          ),
        ],
      }),
      /^container litmusedge of pod le-abc-1 keeps stopping: exit code 3 \(Error\), restarted 4 time\(s\), now CrashLoopBackOff \(image .*\)\. Its last log lines:\n {4}starting\n {4}fatal: cannot open \/var\/lib\/le\.db$/,
      /^the log lines say why it stops/,
    ],
    [
      'out of memory',
      evidence({
        pods: [
          pod([
            container({
              running: true,
              restartCount: 2,
              lastTerminated: { exitCode: 137, reason: 'OOMKilled' },
            }),
          ]),
        ],
      }),
      /keeps stopping: exit code 137 \(OOMKilled\), restarted 2 time\(s\) \(image .*\)\. It wrote no log lines$/,
      /raise resources\.limits\.memory/,
    ],
    [
      'killed by its startup probe (before the crash rule)',
      evidence({
        pods: [pod([container({ running: true, restartCount: 1, lastTerminated: { exitCode: 137 } })])],
        events: [
          event('Unhealthy', 'Startup probe failed: Get "https://10.0.0.5:443/": connection refused'),
          event('Killing', 'Container litmusedge failed startup probe, will be restarted'),
        ],
      }),
      /^pod le-abc-1 is restarted by its probe: Container litmusedge failed startup probe/,
      /probes\.startup\.failureThreshold/,
    ],
    [
      'an unbound claim',
      evidence({
        pods: [pod([container({ waiting: { reason: 'ContainerCreating' } })])],
        claims: [{ name: 'le-var', phase: 'Pending', storageClass: 'fast' }],
        events: [
          event(
            'ProvisioningFailed',
            'storageclass.storage.k8s.io "fast" not found',
            'PersistentVolumeClaim/le-var',
          ),
        ],
      }),
      /^the data volume claim le-var is Pending \(storage class fast\): storageclass\.storage\.k8s\.io "fast" not found$/,
      /^set storage-class to a StorageClass the cluster has/,
    ],
    [
      'unschedulable',
      evidence({
        pods: [
          pod([], {
            unschedulable: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
          }),
        ],
      }),
      /^pod le-abc-1 cannot be scheduled: 0\/2 nodes are available/,
      /nodeSelector, tolerations or affinity/,
    ],
    [
      'volume still attached elsewhere',
      evidence({
        pods: [pod([container({ waiting: { reason: 'ContainerCreating' } })])],
        events: [
          event(
            'FailedAttachVolume',
            'Multi-Attach error for volume "pvc-1" Volume is already used by pod(s) le-old-1',
          ),
        ],
      }),
      /^pod le-abc-1 cannot mount its data volume: Multi-Attach error/,
      /ReadWriteOnce/,
    ],
    [
      'running, never ready',
      evidence({
        pods: [pod([container({ running: true })], { phase: 'Running' })],
        events: [event('Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503')],
      }),
      /^container litmusedge of pod le-abc-1 runs but did not become ready within 600 s: Readiness probe failed: HTTP probe failed with statuscode: 503$/,
      /raise deploy-timeout/,
    ],
    [
      'nothing specific: helm said it',
      evidence({}),
      /^release le did not become ready within 600 s: Error: UPGRADE FAILED: context deadline exceeded \(no pod of the release exists\)$/,
      /events below/,
    ],
  ])('%s', (_what, e, problem, fix) => {
    const d = diagnoseRollout(e, ctx);
    expect(d.problem).toMatch(problem);
    expect(d.fix).toMatch(fix);
  });

  test('with pull-secret none the message says so', () => {
    const d = diagnoseRollout(
      evidence({ pods: [pod([container({ waiting: { reason: 'ErrImagePull', message: PULL_401 } })])] }),
      { ...ctx, pullSecret: undefined } as DiagnoseContext,
    );
    expect(d.problem).toContain('with no pull Secret (pull-secret: none)');
    expect(d.fix).toContain('no pull Secret is set');
  });
});

describe('evidence', () => {
  test('pod and event objects as the API returns them', () => {
    const p = podEvidence({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'le-abc-1' },
      spec: { imagePullSecrets: [{ name: 'pull' }], containers: [{ name: 'le', image: IMAGE }] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'PodScheduled', status: 'True' }],
        containerStatuses: [
          {
            name: 'le',
            ready: false,
            restartCount: 2,
            image: 'other',
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      },
    } as KubeObject);
    expect(p).toEqual({
      name: 'le-abc-1',
      phase: 'Running',
      pullSecrets: ['pull'],
      containers: [
        {
          name: 'le',
          image: IMAGE,
          ready: false,
          restartCount: 2,
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s' },
          lastTerminated: { exitCode: 1, reason: 'Error' },
        },
      ],
    });
    const e = eventEvidence({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'x', creationTimestamp: '2026-11-30T09:00:00Z' },
      involvedObject: { kind: 'Pod', name: 'le-abc-1' },
      reason: 'BackOff',
      type: 'Warning',
      message: 'Back-off restarting failed container\n',
      lastTimestamp: '2026-11-30T10:00:00Z',
      count: 5,
    } as KubeObject);
    expect(e).toEqual({
      time: '2026-11-30T10:00:00Z',
      type: 'Warning',
      reason: 'BackOff',
      object: 'Pod/le-abc-1',
      message: 'Back-off restarting failed container',
      count: 5,
    });
  });

  test('evidence lines: pods, claims, then the last events', () => {
    const lines = evidenceLines(
      evidence({
        pods: [
          pod([
            container({
              waiting: { reason: 'CrashLoopBackOff' },
              restartCount: 3,
              lastTerminated: { exitCode: 3 },
            }),
          ]),
        ],
        claims: [{ name: 'le-var', phase: 'Bound', storageClass: 'standard' }],
        events: Array.from({ length: 15 }, (_, i) => event('BackOff', `m${i}`)),
      }),
    );
    expect(lines.slice(0, 2)).toEqual([
      'pod le-abc-1: Pending; container litmusedge: waiting CrashLoopBackOff (restarts 3, last exit code 3), not ready',
      'claim le-var: Bound (class standard)',
    ]);
    expect(lines).toHaveLength(2 + 12);
    expect(lines.at(-1)).toBe('2026-11-30T10:00:00Z Warning BackOff Pod/le-abc-1: m14');
  });
});
