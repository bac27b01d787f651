// Scheduler + attach/detach controller + the hand-off to the PodRuntime (the kubelet's part).
// A new Pod waits (PodScheduled=False, FailedScheduling) while a PersistentVolumeClaim it mounts is unbound, then gets
// a node round-robin across the Ready Nodes (honouring nodeSelector). A ReadWriteOnce volume attached to another
// node keeps it ContainerCreating with a FailedAttachVolume "Multi-Attach error" Event until the other Pod goes.
// Pods of a Deployment named in failDeployment() get CrashLoopBackOff/ImagePullBackOff instead of the runtime.
import type { PodStatusSink } from '../pod-runtime.js';
import { containersOf, waitingStatus } from '../pod-runtime.js';
import { clone, type KubeObject } from '../types.js';
import { arr, controllerOf, o, podTerminal, R, type Ctx, type Obj } from './context.js';

export type FailureReason = 'CrashLoopBackOff' | 'ImagePullBackOff' | 'ErrImagePull' | (string & {});

interface Attachment {
  namespace: string;
  node: string;
  /** uid → pod name of the Pods using the volume on that node. */
  pods: Map<string, string>;
}

/** How long an unschedulable Pod waits before the scheduler says so (status and FailedScheduling Event). */
const QUIET_MS = 1000;

const pulling = (f: FailureReason) => f === 'ImagePullBackOff' || f === 'ErrImagePull';

export function claimNames(pod: KubeObject): string[] {
  return arr(o(pod.spec).volumes)
    .map((v) => o(v.persistentVolumeClaim).claimName)
    .filter((c): c is string => typeof c === 'string');
}

export class PodLifecycle {
  /** uid → who drives the Pod's status now. */
  private readonly started = new Map<string, 'runtime' | 'failing' | 'external'>();
  private readonly attachments = new Map<string, Attachment>();
  private readonly ips = new Map<string, string>();
  private readonly unschedulable = new Set<string>();
  private readonly pendingSince = new Map<string, number>();
  private nextNode = 0;
  private nextIp = 0;

  constructor(
    private readonly ctx: Ctx,
    /** The failDeployment() reason that applies to a Pod, if any. */
    private readonly failureFor: (pod: KubeObject) => FailureReason | undefined,
  ) {}

  /** Drives one Pod a step further: schedule, attach, start. */
  sync(namespace: string, name: string): void {
    const pod = this.ctx.store.get(R.pods, namespace, name);
    if (!pod) return;
    const uid = pod.metadata.uid!;
    if (podTerminal(pod)) {
      this.release(pod);
      return;
    }
    const driver = this.started.get(uid);
    if (driver) {
      const failure = this.failureFor(pod);
      if (driver === 'runtime' && failure) {
        this.ctx.runtime.stop(pod);
        this.fail(pod, failure);
      } else if (driver === 'failing' && !failure) {
        this.started.set(uid, 'runtime');
        this.ctx.runtime.run(pod, this.sink(pod));
      }
      return;
    }
    const status = o(pod.status);
    if (status.phase && status.phase !== 'Pending' && !this.ips.has(uid)) {
      // Created with a status of its own (the seed, a test): leave it alone.
      this.started.set(uid, 'external');
      return;
    }
    const spec = o(pod.spec);
    if (typeof spec.nodeName !== 'string' || spec.nodeName === '') {
      this.schedule(pod);
      return;
    }
    const node = spec.nodeName;
    const blockers = this.attach(pod, node);
    if (blockers) return;
    this.started.set(uid, 'runtime');
    this.write(pod, waitingStatus(pod));
    const failure = this.failureFor(pod);
    const fresh = this.ctx.store.get(R.pods, namespace, name) ?? pod;
    if (failure) this.fail(fresh, failure);
    else this.ctx.runtime.run(fresh, this.sink(fresh));
  }

  /** A Pod is gone: stop it, free its volumes, and retry Pods that waited for them. */
  deleted(pod: KubeObject): void {
    const uid = pod.metadata.uid!;
    if (this.started.get(uid) === 'runtime') this.ctx.runtime.stop(pod);
    this.started.delete(uid);
    this.ips.delete(uid);
    this.unschedulable.delete(uid);
    this.pendingSince.delete(uid);
    this.release(pod);
  }

  /** Re-examines every Pod of the namespace that has not started (a claim bound, a volume freed). */
  retryWaiting(namespace: string): void {
    for (const p of this.ctx.store.list(R.pods, namespace)) {
      if (!this.started.has(p.metadata.uid!)) {
        this.ctx.schedule(`pod:${namespace}/${p.metadata.name}`, () =>
          this.sync(namespace, p.metadata.name!),
        );
      }
    }
  }

  private schedule(pod: KubeObject): void {
    const namespace = pod.metadata.namespace!;
    const unbound = claimNames(pod).filter(
      (c) => o(this.ctx.store.get(R.pvcs, namespace, c)?.status).phase !== 'Bound',
    );
    const nodes = this.nodes();
    const selector = o(o(pod.spec).nodeSelector) as Record<string, string>;
    const fitting = nodes.filter((n) =>
      Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v),
    );
    let message: string | undefined;
    if (unbound.length > 0) {
      const missing = unbound.find((c) => !this.ctx.store.get(R.pvcs, namespace, c));
      message = missing
        ? `0/${nodes.length} nodes are available: persistentvolumeclaim "${missing}" not found. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`
        : `0/${nodes.length} nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
    } else if (fitting.length === 0 && nodes.length > 0) {
      message = `0/${nodes.length} nodes are available: ${nodes.length} node(s) didn't match Pod's node affinity/selector. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
    }
    if (message) {
      // A claim that is about to bind (the usual case with `helm install`) is waited for quietly for a moment;
      // only then the scheduler reports the Pod unschedulable.
      const first = this.pendingSince.get(pod.metadata.uid!) ?? Date.now();
      this.pendingSince.set(pod.metadata.uid!, first);
      if (Date.now() - first < QUIET_MS) {
        this.ctx.schedule(
          `pod:${namespace}/${pod.metadata.name}`,
          () => this.sync(namespace, pod.metadata.name!),
          QUIET_MS - (Date.now() - first) + 5,
        );
        return;
      }
      if (!this.unschedulable.has(pod.metadata.uid!)) {
        this.unschedulable.add(pod.metadata.uid!);
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        this.ctx.setStatus(
          R.pods,
          pod,
          {
            phase: 'Pending',
            conditions: [
              {
                type: 'PodScheduled',
                status: 'False',
                lastProbeTime: null,
                lastTransitionTime: now,
                reason: 'Unschedulable',
                message,
              },
            ],
            qosClass: o(pod.status).qosClass ?? 'BestEffort',
          },
          'kube-scheduler',
        );
        this.ctx.record(pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
      }
      return;
    }
    this.unschedulable.delete(pod.metadata.uid!);
    const names = (fitting.length ? fitting : nodes).map((n) => n.metadata.name!);
    const node = names.length ? names[this.nextNode++ % names.length]! : 'node-a';
    // The binding subresource, as the scheduler would post it.
    const next = clone(pod);
    o(next.spec).nodeName = node;
    this.ctx.api.update(R.pods, pod.metadata.namespace, pod.metadata.name!, next, {
      manager: 'kube-scheduler',
    });
  }

  private nodes(): KubeObject[] {
    return this.ctx.store
      .list(R.nodes)
      .filter(
        (n) =>
          o(n.spec).unschedulable !== true &&
          arr(o(n.status).conditions).some((c) => c.type === 'Ready' && c.status === 'True'),
      );
  }

  /** Attaches the Pod's ReadWriteOnce volumes to `node`; on a conflict reports it and returns the blockers. */
  private attach(pod: KubeObject, node: string): string[] | undefined {
    const namespace = pod.metadata.namespace!;
    const uid = pod.metadata.uid!;
    const exclusive: { key: string; volume: string; once: boolean }[] = [];
    for (const claim of claimNames(pod)) {
      const pvc = this.ctx.store.get(R.pvcs, namespace, claim);
      const modes = (o(pvc?.spec).accessModes as string[] | undefined) ?? ['ReadWriteOnce'];
      if (modes.includes('ReadWriteMany') || modes.includes('ReadOnlyMany')) continue;
      const volume = String(o(pvc?.spec).volumeName ?? `pvc-${pvc?.metadata.uid ?? claim}`);
      exclusive.push({ key: `${namespace}/${claim}`, volume, once: modes.includes('ReadWriteOncePod') });
    }
    for (const v of exclusive) {
      const att = this.attachments.get(v.key);
      if (!att) continue;
      this.prune(att);
      const others = [...att.pods].filter(([u]) => u !== uid).map(([, n]) => n);
      if (others.length > 0 && (att.node !== node || v.once)) {
        this.write(pod, waitingStatus(pod));
        this.ctx.record(
          pod,
          'Warning',
          'FailedAttachVolume',
          `Multi-Attach error for volume "${v.volume}" Volume is already used by pod(s) ${others.join(', ')}`,
          'attachdetach-controller',
        );
        return others;
      }
    }
    for (const v of exclusive) {
      const att = this.attachments.get(v.key);
      if (att && att.pods.size > 0) att.pods.set(uid, pod.metadata.name!);
      else this.attachments.set(v.key, { namespace, node, pods: new Map([[uid, pod.metadata.name!]]) });
    }
    return undefined;
  }

  /** Drops Pods that no longer exist (or have terminated) from an attachment. */
  private prune(att: Attachment): void {
    for (const [uid, name] of att.pods) {
      const p = this.ctx.store.get(R.pods, att.namespace, name);
      if (!p || p.metadata.uid !== uid || podTerminal(p)) att.pods.delete(uid);
    }
  }

  private release(pod: KubeObject): void {
    const namespace = pod.metadata.namespace!;
    let freed = false;
    for (const claim of claimNames(pod)) {
      const key = `${namespace}/${claim}`;
      const att = this.attachments.get(key);
      if (att?.pods.delete(pod.metadata.uid!)) {
        freed = true;
        if (att.pods.size === 0) this.attachments.delete(key);
      }
    }
    if (freed) this.retryWaiting(namespace);
  }

  private fail(pod: KubeObject, failure: FailureReason): void {
    const uid = pod.metadata.uid!;
    this.started.set(uid, 'failing');
    const namespace = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    const pull = pulling(failure);
    const message = (c: Obj) =>
      pull
        ? `Back-off pulling image "${String(c.image)}"`
        : `back-off 40s restarting failed container=${String(c.name)} pod=${name}_${namespace}(${uid})`;
    const status = waitingStatus(pod, failure, message, {
      phase: pull ? 'Pending' : 'Running',
      restartCount: pull ? 0 : 3,
      lastTerminated: !pull,
    });
    const updated = this.write(pod, status);
    for (const c of containersOf(pod)) {
      this.ctx.record(
        updated,
        'Warning',
        'BackOff',
        pull
          ? `Back-off pulling image "${String(c.image)}"`
          : `Back-off restarting failed container ${String(c.name)} in pod ${name}_${namespace}(${uid})`,
        'kubelet',
        `spec.containers{${String(c.name)}}`,
      );
    }
  }

  private sink(pod: KubeObject): PodStatusSink {
    const uid = pod.metadata.uid!;
    const live = () => {
      const cur = this.ctx.store.get(R.pods, pod.metadata.namespace, pod.metadata.name!);
      return cur && cur.metadata.uid === uid && this.started.get(uid) === 'runtime' ? cur : undefined;
    };
    return {
      setStatus: (status) => {
        const cur = live();
        if (!cur || this.ctx.stopped) return;
        try {
          this.write(cur, status);
        } catch {
          // The Pod went away meanwhile.
        }
      },
      event: (type, reason, message) => {
        const cur = live();
        if (cur) this.ctx.record(cur, type, reason, message, 'kubelet');
      },
    };
  }

  /** Writes a status as the kubelet, filling in node/IP fields. */
  private write(pod: KubeObject, status: Obj): KubeObject {
    const uid = pod.metadata.uid!;
    const node = String(o(pod.spec).nodeName ?? '');
    const nodeObj = node ? this.ctx.store.get(R.nodes, undefined, node) : undefined;
    const hostIP = String(
      arr(o(nodeObj?.status).addresses).find((a) => a.type === 'InternalIP')?.address ?? '192.168.49.2',
    );
    const prev = o(pod.status);
    const full: Obj = { ...status };
    full.hostIP ??= hostIP;
    full.hostIPs ??= [{ ip: full.hostIP }];
    const sandboxUp = !(
      full.phase === 'Pending' && JSON.stringify(full.containerStatuses ?? []).includes('"ContainerCreating"')
    );
    if (sandboxUp && full.podIP === undefined) {
      let ip = this.ips.get(uid);
      if (!ip) {
        const n = this.nextIp++;
        const nodeIndex = Math.max(
          0,
          this.nodes().findIndex((x) => x.metadata.name === node),
        );
        ip = `10.244.${nodeIndex}.${(n % 250) + 3}`;
        this.ips.set(uid, ip);
      }
      full.podIP = ip;
      full.podIPs = [{ ip }];
    }
    full.startTime ??= prev.startTime ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    full.qosClass ??= prev.qosClass ?? 'BestEffort';
    return this.ctx.setStatus(R.pods, pod, full, 'kubelet');
  }
}

/** The controller (ReplicaSet, StatefulSet, Job) and, for ReplicaSets, the Deployment a Pod belongs to. */
export function podOwners(ctx: Ctx, pod: KubeObject): { kind: string; name: string }[] {
  const ref = controllerOf(pod);
  if (!ref) return [];
  const out = [{ kind: ref.kind, name: ref.name }];
  if (ref.kind === 'ReplicaSet') {
    const rs = ctx.store.get(R.replicasets, pod.metadata.namespace, ref.name);
    const d = rs ? controllerOf(rs) : undefined;
    if (d?.kind === 'Deployment') out.push({ kind: 'Deployment', name: d.name });
  }
  return out;
}
