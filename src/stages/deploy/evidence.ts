// The evidence of a rollout that did not become ready, read BEFORE any rollback (a rollback replaces the pods and
// with them the evidence): the release's pods and container states, its claims, its events sorted by time, and
// the crashed containers' last log lines. diagnose.ts turns it into one error that says what to do.
import type { KubeClient, KubeObject } from '../../kube/kube-client.js';
import type { PodLogReader } from '../../kube/pod-logs.js';
import { looseList, looseObject } from '../../kube/loose-object.js';

export interface ContainerEvidence {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
  waiting?: { reason: string; message?: string };
  running?: boolean;
  /** The current instance ended (restartPolicy Never/OnFailure), or the last one did (lastState). */
  terminated?: { exitCode: number; reason?: string };
  lastTerminated?: { exitCode: number; reason?: string };
  /** Last log lines of the crashed (previous) instance, or of the current one. */
  logs?: string[];
}

export interface PodEvidence {
  name: string;
  phase: string;
  /** PodScheduled=False: the scheduler's message. */
  unschedulable?: string;
  pullSecrets: string[];
  containers: ContainerEvidence[];
}

export interface EventEvidence {
  time: string;
  type: string;
  reason: string;
  /** Kind/name of the object. */
  object: string;
  message: string;
  count: number;
}

export interface RolloutEvidence {
  pods: PodEvidence[];
  claims: { name: string; phase: string; storageClass?: string }[];
  /** Oldest first. */
  events: EventEvidence[];
}

const o = looseObject;
const arr = looseList;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

const belongs = (release: string, name: string): boolean =>
  name === release || name.startsWith(`${release}-`);

function terminatedOf(v: unknown): ContainerEvidence['terminated'] {
  const t = o(o(v)['terminated']);
  if (typeof t['exitCode'] !== 'number') return undefined;
  return { exitCode: t['exitCode'], ...(str(t['reason']) ? { reason: str(t['reason'])! } : {}) };
}

export function podEvidence(pod: KubeObject): PodEvidence {
  const status = o(pod['status']);
  const spec = o(pod['spec']);
  const scheduled = arr(status['conditions']).find((c) => c['type'] === 'PodScheduled');
  const images = new Map(arr(spec['containers']).map((c) => [String(c['name']), String(c['image'] ?? '')]));
  const containers = arr(status['containerStatuses']).map((c): ContainerEvidence => {
    const state = o(c['state']);
    const waiting = o(state['waiting']);
    const terminated = terminatedOf(state);
    const lastTerminated = terminatedOf(c['lastState']);
    return {
      name: String(c['name']),
      image: images.get(String(c['name'])) ?? String(c['image'] ?? ''),
      ready: c['ready'] === true,
      restartCount: num(c['restartCount']),
      ...(str(waiting['reason'])
        ? {
            waiting: {
              reason: str(waiting['reason'])!,
              ...(str(waiting['message']) ? { message: str(waiting['message'])! } : {}),
            },
          }
        : {}),
      ...(state['running'] ? { running: true } : {}),
      ...(terminated ? { terminated } : {}),
      ...(lastTerminated ? { lastTerminated } : {}),
    };
  });
  return {
    name: pod.metadata.name,
    phase: str(status['phase']) ?? 'Pending',
    ...(scheduled?.['status'] === 'False'
      ? { unschedulable: str(scheduled['message']) ?? 'not scheduled' }
      : {}),
    pullSecrets: arr(spec['imagePullSecrets']).map((s) => String(s['name'])),
    containers,
  };
}

export function eventEvidence(e: KubeObject): EventEvidence {
  const involved = o(e['involvedObject']);
  const time =
    str(e['lastTimestamp']) ??
    str(e['eventTime']) ??
    str(e['firstTimestamp']) ??
    e.metadata.creationTimestamp ??
    '';
  return {
    time,
    type: str(e['type']) ?? 'Normal',
    reason: str(e['reason']) ?? '',
    object: `${str(involved['kind']) ?? '?'}/${str(involved['name']) ?? '?'}`,
    message: (str(e['message']) ?? '').trim(),
    count: num(e['count']) || 1,
  };
}

/** A crashed container's last instance's output, else the current one's; the last `lines` lines. */
async function lastLines(logs: PodLogReader, ns: string, pod: string, c: ContainerEvidence, lines: number) {
  const ask = (previous: boolean) =>
    logs({ namespace: ns, pod, container: c.name, tailLines: lines, ...(previous ? { previous } : {}) });
  const text = (c.lastTerminated ? await ask(true) : undefined) ?? (await ask(false));
  return text
    ?.split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .slice(-lines);
}

/** The release's pods (by app.kubernetes.io/instance), claims, events, and crashed containers' last log lines. */
export async function collectEvidence(
  kube: KubeClient,
  logs: PodLogReader,
  c: { release: string; namespace: string },
): Promise<RolloutEvidence> {
  const ns = c.namespace;
  const mine = (x: KubeObject) =>
    x.metadata.labels?.['app.kubernetes.io/instance'] === c.release || belongs(c.release, x.metadata.name);
  const [pods, claims, events] = await Promise.all([
    kube.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }),
    kube.list({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns }),
    kube.list({ apiVersion: 'v1', kind: 'Event', namespace: ns }),
  ]);
  const podList = pods
    .filter((p) => p.metadata.labels?.['app.kubernetes.io/instance'] === c.release)
    .map(podEvidence);
  for (const p of podList)
    for (const ct of p.containers)
      if (ct.restartCount > 0 || ct.terminated || ct.waiting?.reason === 'CrashLoopBackOff') {
        const lines = await lastLines(logs, ns, p.name, ct, 20).catch(() => undefined);
        if (lines?.length) ct.logs = lines;
      }
  return {
    pods: podList,
    claims: claims.filter(mine).map((x) => ({
      name: x.metadata.name,
      phase: str(o(x['status'])['phase']) ?? 'Pending',
      ...(str(o(x['spec'])['storageClassName'])
        ? { storageClass: str(o(x['spec'])['storageClassName'])! }
        : {}),
    })),
    // Events of the release's objects; of pods only those that still exist (a pod replaced before this rollout
    // says nothing about it). Server times, so no clock of this runner is trusted.
    events: events
      .map(eventEvidence)
      .filter((e) => {
        const [kind, name = ''] = e.object.split('/');
        return kind === 'Pod' ? podList.some((p) => p.name === name) : belongs(c.release, name);
      })
      .sort((a, b) => a.time.localeCompare(b.time)),
  };
}
