// A small stand-in for kube-controller-manager + kubelet: Deployments get a ReplicaSet and Running/Ready Pods and a
// status kstatus and `helm --wait` accept; StatefulSets get Pods and status; PersistentVolumeClaims get Bound;
// LoadBalancer Services get an ingress IP.
// failDeployment() turns a Deployment's Pods into CrashLoopBackOff/ImagePullBackOff with Events and its status into
// Progressing=False/ProgressDeadlineExceeded.
import { createHash, randomBytes } from 'node:crypto';
import { randomSuffix, type KubeApi } from './api.js';
import { findResource, type ResourceType } from './resources.js';
import type { StoreEvent } from './store.js';
import { clone, isPlainObject, nowRfc3339, type KubeObject, type OwnerReference } from './types.js';

const R = {
  deployments: findResource('apps', 'v1', 'deployments')!,
  replicasets: findResource('apps', 'v1', 'replicasets')!,
  statefulsets: findResource('apps', 'v1', 'statefulsets')!,
  pods: findResource('', 'v1', 'pods')!,
  events: findResource('', 'v1', 'events')!,
  pvcs: findResource('', 'v1', 'persistentvolumeclaims')!,
  services: findResource('', 'v1', 'services')!,
};

const MANAGER = { manager: 'kube-controller-manager' };
const KUBELET = { manager: 'kubelet', subresource: 'status' };
const NODE = 'sandbox-node';

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (isPlainObject(v) ? v : {});

export type FailureReason = 'CrashLoopBackOff' | 'ImagePullBackOff' | 'ErrImagePull' | (string & {});

function ownerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function ownedBy(owner: KubeObject) {
  return (x: KubeObject) => !!x.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid);
}

function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template)).digest();
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...digest.subarray(0, 10)].map((b) => alphabet[b % alphabet.length]).join('');
}

let podIp = 10;

export class Controller {
  private readonly failures = new Map<string, FailureReason>();
  private readonly seen = new Map<string, string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(private readonly api: KubeApi) {}

  start(): void {
    this.unsubscribe = this.api.store.subscribe((e) => this.onEvent(e));
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** From now on the Deployment's Pods fail with `reason` (also when it is created later). */
  failDeployment(namespace: string, name: string, reason: FailureReason = 'CrashLoopBackOff'): void {
    this.failures.set(`${namespace}/${name}`, reason);
    this.schedule('deploy', namespace, name);
  }

  /** Undoes failDeployment. */
  recoverDeployment(namespace: string, name: string): void {
    this.failures.delete(`${namespace}/${name}`);
    this.schedule('deploy', namespace, name);
  }

  private onEvent(e: StoreEvent): void {
    const md = e.object.metadata;
    const key = `${md.namespace}/${md.name}`;
    if (e.resource === R.deployments && e.type !== 'DELETED') {
      const sig = `${md.generation}|${this.failures.get(key) ?? ''}`;
      if (this.seen.get(`deploy:${key}`) !== sig) this.schedule('deploy', md.namespace!, md.name!);
    } else if (e.resource === R.deployments) {
      this.seen.delete(`deploy:${key}`);
    } else if (e.resource === R.statefulsets && e.type !== 'DELETED') {
      if (this.seen.get(`sts:${key}`) !== String(md.generation))
        this.schedule('sts', md.namespace!, md.name!);
    } else if (e.resource === R.pvcs && e.type === 'ADDED') {
      this.schedule('pvc', md.namespace!, md.name!);
    } else if (e.resource === R.services && e.type !== 'DELETED') {
      const spec = o(e.object.spec);
      if (spec.type === 'LoadBalancer' && !o(o(e.object.status).loadBalancer).ingress) {
        this.schedule('lb', md.namespace!, md.name!);
      }
    } else if (e.resource === R.pods && e.type === 'DELETED') {
      // A deleted Pod of ours is replaced, as a ReplicaSet would.
      const rsRef = md.ownerReferences?.find((r) => r.kind === 'ReplicaSet');
      const rs = rsRef ? this.api.store.get(R.replicasets, md.namespace, rsRef.name) : undefined;
      const dRef = rs?.metadata.ownerReferences?.find((r) => r.kind === 'Deployment');
      if (dRef) {
        this.seen.delete(`deploy:${md.namespace}/${dRef.name}`);
        this.schedule('deploy', md.namespace!, dRef.name);
      }
      const stsRef = md.ownerReferences?.find((r) => r.kind === 'StatefulSet');
      if (stsRef) {
        this.seen.delete(`sts:${md.namespace}/${stsRef.name}`);
        this.schedule('sts', md.namespace!, stsRef.name);
      }
    }
  }

  private schedule(kind: 'deploy' | 'sts' | 'pvc' | 'lb', namespace: string, name: string): void {
    if (this.stopped) return;
    const key = `${kind}:${namespace}/${name}`;
    if (this.timers.has(key)) return;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (this.stopped) return;
        try {
          if (kind === 'deploy') this.reconcileDeployment(namespace, name);
          else if (kind === 'sts') this.reconcileStatefulSet(namespace, name);
          else if (kind === 'pvc') this.bindClaim(namespace, name);
          else this.assignLoadBalancer(namespace, name);
        } catch {
          // Raced with a delete or a concurrent write: the next event reconciles again.
          this.seen.delete(key);
        }
      }, 15),
    );
  }

  private reconcileDeployment(namespace: string, name: string): void {
    const d = this.api.store.get(R.deployments, namespace, name);
    if (!d) return;
    const key = `${namespace}/${name}`;
    const failure = this.failures.get(key);
    const spec = o(d.spec);
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const template = o(spec.template);
    const hash = templateHash(template);
    const rsName = `${name}-${hash}`;
    const match = o(o(spec.selector).matchLabels) as Record<string, string>;
    const podLabels = {
      ...(o(o(template.metadata).labels) as Record<string, string>),
      'pod-template-hash': hash,
    };

    const owned = this.api.store.list(R.replicasets, namespace, ownedBy(d));
    const revisions = owned.map((rs) =>
      Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
    );
    let rs = owned.find((x) => x.metadata.name === rsName);
    const revision =
      rs?.metadata.annotations?.['deployment.kubernetes.io/revision'] ??
      String(Math.max(0, ...revisions) + 1);
    if (!rs) {
      rs = this.api.create(
        R.replicasets,
        namespace,
        {
          metadata: {
            name: rsName,
            namespace,
            labels: podLabels,
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(replicas),
              'deployment.kubernetes.io/max-replicas': String(replicas + 1),
              'deployment.kubernetes.io/revision': revision,
            },
            ownerReferences: [ownerRef(d)],
          },
          spec: {
            replicas,
            selector: { matchLabels: { ...match, 'pod-template-hash': hash } },
            template: { ...template, metadata: { ...o(template.metadata), labels: podLabels } },
          },
        },
        MANAGER,
      );
    } else if (o(rs.spec).replicas !== replicas) {
      const next = clone(rs);
      o(next.spec).replicas = replicas;
      rs = this.api.update(R.replicasets, namespace, rsName, next, MANAGER);
    }
    for (const old of owned.filter((x) => x.metadata.name !== rsName)) {
      for (const p of this.api.store.list(R.pods, namespace, ownedBy(old))) {
        this.api.delete(R.pods, namespace, p.metadata.name!, {});
      }
      if (o(old.spec).replicas !== 0) {
        const next = clone(old);
        o(next.spec).replicas = 0;
        this.api.update(R.replicasets, namespace, old.metadata.name!, next, MANAGER);
        this.setStatus(R.replicasets, old, { replicas: 0, observedGeneration: old.metadata.generation });
      }
    }
    if (d.metadata.annotations?.['deployment.kubernetes.io/revision'] !== revision) {
      const next = clone(d);
      next.metadata.annotations = {
        ...next.metadata.annotations,
        'deployment.kubernetes.io/revision': revision,
      };
      this.api.update(R.deployments, namespace, name, next, MANAGER);
    }

    const pods = this.syncPods(rs, replicas, (podName) => `${podName}`, failure);
    const ready = failure ? 0 : pods.length;
    this.setStatus(R.replicasets, rs, {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      ...(ready ? { readyReplicas: ready, availableReplicas: ready } : {}),
      observedGeneration: rs.metadata.generation,
    });

    const fresh = this.api.store.get(R.deployments, namespace, name);
    if (!fresh) return;
    const prev = o(fresh.status);
    const now = nowRfc3339();
    const condition = (type: string, status: string, reason: string, message: string) => {
      const old = (Array.isArray(prev.conditions) ? prev.conditions : []).map(o).find((c) => c.type === type);
      const same = old?.status === status;
      return {
        type,
        status,
        lastUpdateTime: same && old?.reason === reason ? old.lastUpdateTime : now,
        lastTransitionTime: same ? old?.lastTransitionTime : now,
        reason,
        message,
      };
    };
    const status = failure
      ? {
          observedGeneration: fresh.metadata.generation,
          replicas,
          updatedReplicas: replicas,
          unavailableReplicas: replicas,
          conditions: [
            condition(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
            ),
            condition(
              'Progressing',
              'False',
              'ProgressDeadlineExceeded',
              `ReplicaSet "${rsName}" has timed out progressing.`,
            ),
          ],
        }
      : {
          observedGeneration: fresh.metadata.generation,
          replicas,
          updatedReplicas: replicas,
          ...(replicas > 0 ? { readyReplicas: replicas, availableReplicas: replicas } : {}),
          conditions: [
            condition(
              'Available',
              'True',
              'MinimumReplicasAvailable',
              'Deployment has minimum availability.',
            ),
            condition(
              'Progressing',
              'True',
              'NewReplicaSetAvailable',
              `ReplicaSet "${rsName}" has successfully progressed.`,
            ),
          ],
        };
    this.setStatus(R.deployments, fresh, status);
    this.seen.set(`deploy:${key}`, `${fresh.metadata.generation}|${failure ?? ''}`);
  }

  private reconcileStatefulSet(namespace: string, name: string): void {
    const sts = this.api.store.get(R.statefulsets, namespace, name);
    if (!sts) return;
    const spec = o(sts.spec);
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const revision = `${name}-${templateHash(spec.template)}`;
    const pods = this.syncPods(sts, replicas, (_p, i) => `${name}-${i}`, undefined, {
      'controller-revision-hash': revision,
    });
    const fresh = this.api.store.get(R.statefulsets, namespace, name);
    if (!fresh) return;
    this.setStatus(R.statefulsets, fresh, {
      observedGeneration: fresh.metadata.generation,
      replicas: pods.length,
      readyReplicas: pods.length,
      currentReplicas: pods.length,
      updatedReplicas: pods.length,
      availableReplicas: pods.length,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    });
    this.seen.set(`sts:${namespace}/${name}`, String(fresh.metadata.generation));
  }

  private bindClaim(namespace: string, name: string): void {
    const pvc = this.api.store.get(R.pvcs, namespace, name);
    if (!pvc || o(pvc.status).phase === 'Bound') return;
    const spec = o(pvc.spec);
    let next = clone(pvc);
    if (!spec.volumeName) {
      o(next.spec).volumeName = `pvc-${pvc.metadata.uid}`;
      next = this.api.update(R.pvcs, namespace, name, next, MANAGER);
    }
    this.setStatus(R.pvcs, next, {
      phase: 'Bound',
      accessModes: spec.accessModes ?? ['ReadWriteOnce'],
      capacity: { storage: o(o(spec.resources).requests).storage ?? '1Gi' },
    });
  }

  private assignLoadBalancer(namespace: string, name: string): void {
    const svc = this.api.store.get(R.services, namespace, name);
    if (!svc || o(svc.spec).type !== 'LoadBalancer') return;
    this.setStatus(R.services, svc, { loadBalancer: { ingress: [{ ip: '192.168.49.100', ipMode: 'VIP' }] } });
  }

  /** Makes the owner's Pods number `replicas`, each Running and Ready (or failing). */
  private syncPods(
    owner: KubeObject,
    replicas: number,
    podName: (generated: string, index: number) => string,
    failure: FailureReason | undefined,
    extraLabels: Record<string, string> = {},
  ): KubeObject[] {
    const namespace = owner.metadata.namespace!;
    const template = o(o(owner.spec).template);
    const labels = { ...(o(o(template.metadata).labels) as Record<string, string>), ...extraLabels };
    let pods = this.api.store.list(R.pods, namespace, ownedBy(owner));
    for (const extra of pods.slice(replicas)) this.api.delete(R.pods, namespace, extra.metadata.name!, {});
    pods = pods.slice(0, replicas);
    for (let i = pods.length; i < replicas; i++) {
      const generated = owner.kind === 'ReplicaSet' ? `${owner.metadata.name}-${randomSuffix()}` : '';
      const name = podName(generated, i);
      if (this.api.store.get(R.pods, namespace, name)) continue;
      const created = this.api.create(
        R.pods,
        namespace,
        {
          metadata: {
            name,
            namespace,
            labels:
              owner.kind === 'StatefulSet'
                ? { ...labels, 'statefulset.kubernetes.io/pod-name': name }
                : labels,
            ownerReferences: [ownerRef(owner)],
          },
          spec: { ...o(template.spec), nodeName: NODE },
        },
        MANAGER,
      );
      pods.push(created);
    }
    return pods.map((p) => this.podStatus(p, failure));
  }

  private podStatus(pod: KubeObject, failure: FailureReason | undefined): KubeObject {
    const namespace = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    const uid = pod.metadata.uid!;
    const prev = o(pod.status);
    const started = typeof prev.startTime === 'string' ? prev.startTime : nowRfc3339();
    const ip = typeof prev.podIP === 'string' ? prev.podIP : `10.244.0.${(podIp++ % 250) + 2}`;
    const containers = (
      Array.isArray(o(pod.spec).containers) ? (o(pod.spec).containers as unknown[]) : []
    ).map(o);
    const ready = !failure;
    const waiting = (c: Obj) =>
      failure === 'ImagePullBackOff' || failure === 'ErrImagePull'
        ? { reason: failure, message: `Back-off pulling image "${String(c.image)}"` }
        : {
            reason: failure,
            message: `back-off 40s restarting failed container=${String(c.name)} pod=${name}_${namespace}(${uid})`,
          };
    const pulling = failure === 'ImagePullBackOff' || failure === 'ErrImagePull';
    const cond = (type: string, ok: boolean) => ({
      type,
      status: ok ? 'True' : 'False',
      lastProbeTime: null,
      lastTransitionTime: started,
      ...(ok
        ? {}
        : {
            reason: 'ContainersNotReady',
            message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`,
          }),
    });
    const status = {
      phase: pulling ? 'Pending' : 'Running',
      conditions: [
        cond('PodReadyToStartContainers', true),
        cond('Initialized', true),
        cond('Ready', ready),
        cond('ContainersReady', ready),
        cond('PodScheduled', true),
      ],
      hostIP: '192.168.49.2',
      hostIPs: [{ ip: '192.168.49.2' }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: started,
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: pulling
          ? ''
          : `${String(c.image).split(':')[0]}@sha256:${createHash('sha256').update(String(c.image)).digest('hex')}`,
        ...(pulling
          ? {}
          : {
              containerID: `containerd://${createHash('sha256')
                .update(uid + String(c.name))
                .digest('hex')}`,
            }),
        ready,
        started: ready,
        restartCount: failure && !pulling ? 3 : 0,
        state: failure ? { waiting: waiting(c) } : { running: { startedAt: started } },
        ...(failure && !pulling
          ? {
              lastState: {
                terminated: { exitCode: 1, reason: 'Error', startedAt: started, finishedAt: started },
              },
            }
          : {}),
      })),
      qosClass: 'BestEffort',
    };
    const wasFailing = JSON.stringify(prev.containerStatuses ?? []).includes('"waiting"');
    const updated = this.setStatus(R.pods, pod, status, KUBELET);
    if (failure && !wasFailing) this.podEvents(updated, containers, failure);
    return updated;
  }

  private podEvents(pod: KubeObject, containers: Obj[], failure: FailureReason): void {
    const namespace = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    const now = nowRfc3339();
    for (const c of containers) {
      const pulling = failure === 'ImagePullBackOff' || failure === 'ErrImagePull';
      this.api.create(
        R.events,
        namespace,
        {
          metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace },
          involvedObject: {
            kind: 'Pod',
            namespace,
            name,
            uid: pod.metadata.uid,
            apiVersion: 'v1',
            resourceVersion: pod.metadata.resourceVersion,
            fieldPath: `spec.containers{${String(c.name)}}`,
          },
          reason: 'BackOff',
          message: pulling
            ? `Back-off pulling image "${String(c.image)}"`
            : `Back-off restarting failed container ${String(c.name)} in pod ${name}_${namespace}(${pod.metadata.uid})`,
          source: { component: 'kubelet', host: NODE },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          type: 'Warning',
          eventTime: null,
          reportingComponent: 'kubelet',
          reportingInstance: NODE,
        },
        MANAGER,
      );
    }
  }

  private setStatus(
    r: ResourceType,
    obj: KubeObject,
    status: Obj,
    opts: { manager: string; subresource?: string } = { ...MANAGER, subresource: 'status' },
  ): KubeObject {
    const cur = this.api.store.get(r, obj.metadata.namespace, obj.metadata.name!);
    if (!cur) return obj;
    const next = clone(cur);
    next.status = status;
    return this.api.update(r, cur.metadata.namespace, cur.metadata.name!, next, {
      subresource: 'status',
      ...opts,
    });
  }
}
