// The seam between the workload controllers and whatever "runs" a Pod's containers.
//
// The controllers (controllers/pods.ts) act as scheduler and attach/detach controller: they pick a node, attach the
// Pod's volumes, then hand the Pod to a PodRuntime, which plays the kubelet from then on: it reports what the
// containers do through the sink until the Pod is deleted (stop). A runtime never writes the API itself.
//
// The default runtime simulates containers: Running and Ready after a short varied delay; a Pod with
// restartPolicy Never or OnFailure (Job pods, helm test hooks) then terminates: Succeeded, or Failed when its
// command says `exit N` with N ≠ 0 (e.g. `command: [sh, -c, "exit 3"]`).
import { createHash } from 'node:crypto';
import { isPlainObject, nowRfc3339, type KubeObject } from './types.js';

type Obj = Record<string, unknown>;

/** What a runtime reports back. Both calls are ignored once the Pod is gone (or replaced by one with a new uid). */
export interface PodStatusSink {
  /**
   * Replaces `status` of the Pod (phase, conditions, containerStatuses, ...). hostIP(s), podIP(s), startTime and
   * qosClass are filled in when absent; helpers below build the usual shapes.
   */
  setStatus(status: Obj): void;
  /** Records an Event (core v1, mirrored to events.k8s.io/v1) about the Pod, from component "kubelet". */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface PodRuntime {
  /** Starts the (scheduled, volume-attached) Pod's containers; report through `sink`, asynchronously. */
  run(pod: KubeObject, sink: PodStatusSink): void;
  /** The Pod was deleted (or is being taken over by failDeployment): stop its containers and timers. */
  stop(pod: KubeObject): void;
  /** Optional: the sandbox stops; cancel everything still pending. */
  close?(): void;
}

const o = (v: unknown): Obj => (isPlainObject(v) ? v : {});

export function containersOf(pod: KubeObject): Obj[] {
  const list = o(pod.spec).containers;
  return Array.isArray(list) ? list.map(o) : [];
}

function podCondition(type: string, ok: boolean, at: string, reason?: string, message?: string): Obj {
  return {
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: at,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

function imageId(image: unknown): string {
  const img = String(image);
  return `${img.split(':')[0]}@sha256:${createHash('sha256').update(img).digest('hex')}`;
}

function containerId(pod: KubeObject, c: Obj): string {
  const h = createHash('sha256');
  h.update(`${pod.metadata.uid ?? ''}${String(c.name)}`);
  return `containerd://${h.digest('hex')}`;
}

/** Pending, scheduled, containers waiting with `reason` (ContainerCreating, ImagePullBackOff, ...). */
export function waitingStatus(
  pod: KubeObject,
  reason = 'ContainerCreating',
  message?: (c: Obj) => string,
  extra: { phase?: string; restartCount?: number; lastTerminated?: boolean } = {},
): Obj {
  const now = nowRfc3339();
  const containers = containersOf(pod);
  const names = containers.map((c) => String(c.name)).join(' ');
  const creating = reason === 'ContainerCreating';
  return {
    phase: extra.phase ?? 'Pending',
    conditions: [
      podCondition('PodReadyToStartContainers', !creating, now),
      podCondition('Initialized', true, now),
      podCondition('Ready', false, now, 'ContainersNotReady', `containers with unready status: [${names}]`),
      podCondition(
        'ContainersReady',
        false,
        now,
        'ContainersNotReady',
        `containers with unready status: [${names}]`,
      ),
      podCondition('PodScheduled', true, now),
    ],
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: false,
      started: false,
      restartCount: extra.restartCount ?? 0,
      state: { waiting: { reason, ...(message ? { message: message(c) } : {}) } },
      ...(extra.lastTerminated
        ? {
            containerID: containerId(pod, c),
            imageID: imageId(c.image),
            lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } },
          }
        : {}),
    })),
  };
}

/** Running; every container started and (when `ready`) ready. */
export function runningStatus(pod: KubeObject, ready = true): Obj {
  const now = nowRfc3339();
  const prev = o(pod.status);
  const started = typeof prev.startTime === 'string' ? prev.startTime : now;
  const containers = containersOf(pod);
  const names = containers.map((c) => String(c.name)).join(' ');
  const notReady = ready ? [] : ['ContainersNotReady', `containers with unready status: [${names}]`];
  return {
    phase: 'Running',
    conditions: [
      podCondition('PodReadyToStartContainers', true, now),
      podCondition('Initialized', true, now),
      podCondition('Ready', ready, now, ...notReady),
      podCondition('ContainersReady', ready, now, ...notReady),
      podCondition('PodScheduled', true, now),
    ],
    startTime: started,
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: imageId(c.image),
      containerID: containerId(pod, c),
      ready,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    })),
  };
}

/** Succeeded (exitCode 0) or Failed (any other exit code). */
export function terminatedStatus(pod: KubeObject, exitCode: number): Obj {
  const now = nowRfc3339();
  const prev = o(pod.status);
  const started = typeof prev.startTime === 'string' ? prev.startTime : now;
  const containers = containersOf(pod);
  const reason = exitCode === 0 ? 'Completed' : 'Error';
  const cond = (type: string) => podCondition(type, false, now, 'PodCompleted');
  return {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: [
      podCondition('PodReadyToStartContainers', false, now),
      podCondition('Initialized', true, now, 'PodCompleted'),
      cond('Ready'),
      cond('ContainersReady'),
      podCondition('PodScheduled', true, now),
    ],
    startTime: started,
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: imageId(c.image),
      containerID: containerId(pod, c),
      ready: false,
      started: false,
      restartCount: 0,
      state: { terminated: { exitCode, reason, startedAt: started, finishedAt: now } },
    })),
  };
}

/** The exit code the default runtime gives a terminating Pod: `exit N` in a command or args, else 0. */
export function simulatedExitCode(pod: KubeObject): number {
  for (const c of containersOf(pod)) {
    const words = [c.command, c.args].flatMap((x) => (Array.isArray(x) ? x.map(String) : []));
    const m = /\bexit\s+(\d+)/.exec(words.join(' '));
    if (m && Number(m[1]) !== 0) return Number(m[1]);
  }
  return 0;
}

export interface DefaultRuntimeOptions {
  /** Delay before containers run, and again before a run-to-completion Pod terminates: [min, max] ms. */
  delayMs?: [number, number];
}

/** Simulated containers: Running+Ready after 50–300 ms; restartPolicy Never/OnFailure pods then terminate. */
export class SimulatedPodRuntime implements PodRuntime {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly delay: [number, number];

  constructor(options: DefaultRuntimeOptions = {}) {
    this.delay = options.delayMs ?? [50, 300];
  }

  private wait(): number {
    const [min, max] = this.delay;
    return min + Math.floor(Math.random() * (max - min + 1));
  }

  private later(uid: string, fn: () => void): void {
    this.timers.set(
      uid,
      setTimeout(() => {
        this.timers.delete(uid);
        fn();
      }, this.wait()),
    );
  }

  run(pod: KubeObject, sink: PodStatusSink): void {
    const uid = pod.metadata.uid ?? '';
    const restart = String(o(pod.spec).restartPolicy ?? 'Always');
    this.later(uid, () => {
      const running = runningStatus(pod);
      sink.setStatus(running);
      if (restart === 'Always') return;
      const started = { ...pod, status: running };
      this.later(uid, () => sink.setStatus(terminatedStatus(started, simulatedExitCode(pod))));
    });
  }

  stop(pod: KubeObject): void {
    const uid = pod.metadata.uid ?? '';
    const t = this.timers.get(uid);
    if (t) clearTimeout(t);
    this.timers.delete(uid);
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
