// A small kube-controller-manager + scheduler: watches the store and drives the controllers in controllers/ through
// a keyed timer queue, so that things happen over time as on a cluster. Pods are run by a PodRuntime
// (pod-runtime.ts; the simulated one by default). failDeployment() turns a Deployment's Pods into
// CrashLoopBackOff/ImagePullBackOff with Events and its status into Progressing=False/ProgressDeadlineExceeded at once.
import type { KubeApi } from './api.js';
import { reconcileDeployment } from './controllers/deployment.js';
import { mirrorEvent } from './controllers/events.js';
import { reconcileJob } from './controllers/job.js';
import { PodLifecycle, podOwners, type FailureReason } from './controllers/pods.js';
import { claimDeleted, reconcileClaim } from './controllers/pvc.js';
import { reconcileReplicaSet } from './controllers/replicaset.js';
import { assignLoadBalancer, reconcileEndpoints, serviceDeleted } from './controllers/service-endpoints.js';
import { reconcileStatefulSet } from './controllers/statefulset.js';
import { Ctx, controllerOf, o, R } from './controllers/context.js';
import { SimulatedPodRuntime, type PodRuntime } from './pod-runtime.js';
import type { StoreEvent } from './store.js';
import type { KubeObject } from './types.js';

export type { FailureReason } from './controllers/pods.js';

/** A varied small delay, so that concurrent things interleave differently from run to run. */
const jitter = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

export class Controller {
  private readonly failures = new Map<string, FailureReason>();
  private readonly ctx: Ctx;
  private readonly pods: PodLifecycle;
  private unsubscribe?: () => void;
  /** Set while the mirror writes, so that its own writes are not mirrored back. */
  private mirroring = false;

  constructor(api: KubeApi, runtime: PodRuntime = new SimulatedPodRuntime()) {
    this.ctx = new Ctx(api, runtime);
    this.pods = new PodLifecycle(this.ctx, (pod) => this.failureFor(pod));
  }

  start(): void {
    this.unsubscribe = this.ctx.store.subscribe((e) => this.onEvent(e));
    // What exists already (the seed) gets reconciled once.
    const namespaces = new Set<string>();
    for (const svc of this.ctx.store.list(R.services)) namespaces.add(svc.metadata.namespace!);
    for (const ns of namespaces) this.endpoints(ns);
    for (const p of this.ctx.store.list(R.pods)) this.pod(p);
    for (const c of this.ctx.store.list(R.pvcs)) this.claim(c.metadata.namespace!, c.metadata.name!);
  }

  stop(): void {
    this.unsubscribe?.();
    this.ctx.stop();
    this.ctx.runtime.close?.();
  }

  /** From now on the Deployment's Pods fail with `reason` (also when it is created later). */
  failDeployment(namespace: string, name: string, reason: FailureReason = 'CrashLoopBackOff'): void {
    this.failures.set(`${namespace}/${name}`, reason);
    this.touchDeploymentPods(namespace, name);
  }

  /** Undoes failDeployment. */
  recoverDeployment(namespace: string, name: string): void {
    this.failures.delete(`${namespace}/${name}`);
    this.touchDeploymentPods(namespace, name);
  }

  private touchDeploymentPods(namespace: string, name: string): void {
    this.deployment(namespace, name);
    for (const p of this.ctx.store.list(R.pods, namespace)) {
      if (podOwners(this.ctx, p).some((x) => x.kind === 'Deployment' && x.name === name)) this.pod(p);
    }
  }

  private failureFor(pod: KubeObject): FailureReason | undefined {
    const d = podOwners(this.ctx, pod).find((x) => x.kind === 'Deployment');
    return d ? this.failures.get(`${pod.metadata.namespace}/${d.name}`) : undefined;
  }

  private deployment(namespace: string, name: string, delay = 5): void {
    const run = () =>
      reconcileDeployment(this.ctx, namespace, name, {
        failing: this.failures.has(`${namespace}/${name}`),
        requeue: (ms) => this.ctx.schedule(`deploy-deadline:${namespace}/${name}`, run, ms),
      });
    this.ctx.schedule(`deploy:${namespace}/${name}`, run, delay);
  }

  private replicaSet(namespace: string, name: string): void {
    this.ctx.schedule(`rs:${namespace}/${name}`, () => reconcileReplicaSet(this.ctx, namespace, name), 5);
  }

  private statefulSet(namespace: string, name: string): void {
    this.ctx.schedule(`sts:${namespace}/${name}`, () => reconcileStatefulSet(this.ctx, namespace, name), 5);
  }

  private job(namespace: string, name: string): void {
    const run = () =>
      reconcileJob(this.ctx, namespace, name, (ms) =>
        this.ctx.schedule(`job-backoff:${namespace}/${name}`, run, ms),
      );
    this.ctx.schedule(`job:${namespace}/${name}`, run, 5);
  }

  private endpoints(namespace: string): void {
    this.ctx.schedule(`endpoints:${namespace}`, () => reconcileEndpoints(this.ctx, namespace), 10);
  }

  private claim(namespace: string, name: string): void {
    this.ctx.schedule(
      `pvc:${namespace}/${name}`,
      () => reconcileClaim(this.ctx, namespace, name),
      jitter(40, 150),
    );
  }

  private pod(p: KubeObject): void {
    const ns = p.metadata.namespace!;
    this.ctx.schedule(`pod:${ns}/${p.metadata.name}`, () => this.pods.sync(ns, p.metadata.name!), 5);
  }

  private owners(p: KubeObject): void {
    const ns = p.metadata.namespace!;
    for (const owner of podOwners(this.ctx, p)) {
      if (owner.kind === 'ReplicaSet') this.replicaSet(ns, owner.name);
      else if (owner.kind === 'Deployment') this.deployment(ns, owner.name);
      else if (owner.kind === 'StatefulSet') this.statefulSet(ns, owner.name);
      else if (owner.kind === 'Job') this.job(ns, owner.name);
    }
  }

  private onEvent(e: StoreEvent): void {
    if (this.ctx.stopped) return;
    const obj = e.object;
    const md = obj.metadata;
    const ns = md.namespace!;
    const name = md.name!;
    const gone = e.type === 'DELETED';
    switch (e.resource) {
      case R.deployments:
        if (!gone) this.deployment(ns, name);
        break;
      case R.replicasets: {
        if (!gone) this.replicaSet(ns, name);
        const d = controllerOf(obj);
        if (d?.kind === 'Deployment') this.deployment(ns, d.name);
        break;
      }
      case R.statefulsets:
        if (!gone) this.statefulSet(ns, name);
        break;
      case R.jobs:
        if (!gone) this.job(ns, name);
        break;
      case R.pods:
        if (gone) this.pods.deleted(obj);
        else this.pod(obj);
        this.owners(obj);
        this.endpoints(ns);
        break;
      case R.pvcs:
        if (gone) claimDeleted(this.ctx, obj);
        else if (o(obj.status).phase !== 'Bound') this.claim(ns, name);
        else this.pods.retryWaiting(ns);
        break;
      case R.storageClasses:
        for (const c of this.ctx.store.list(R.pvcs)) {
          if (o(c.status).phase !== 'Bound') this.claim(c.metadata.namespace!, c.metadata.name!);
        }
        break;
      case R.services:
        if (gone) serviceDeleted(this.ctx, obj);
        else if (o(obj.spec).type === 'LoadBalancer') {
          this.ctx.schedule(`lb:${ns}/${name}`, () => assignLoadBalancer(this.ctx, ns, name), 15);
        }
        this.endpoints(ns);
        break;
      case R.events:
      case R.newEvents: {
        if (this.mirroring) break;
        const fromCore = e.resource === R.events;
        this.ctx.schedule(
          `mirror:${e.resource.group}:${ns}/${name}`,
          () => {
            const cur = this.ctx.store.get(e.resource, ns, name);
            this.mirroring = true;
            try {
              mirrorEvent(this.ctx, fromCore, cur ? 'MODIFIED' : 'DELETED', cur ?? obj);
            } finally {
              this.mirroring = false;
            }
          },
          0,
        );
        break;
      }
    }
  }
}
