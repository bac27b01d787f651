// Endpoints and EndpointSlice controllers, and the LoadBalancer "cloud provider": for every Service with a selector,
// the Pods it selects that have an IP, with each Service port resolved against the Pod's container ports (a named
// targetPort the Pod lacks leaves the Pod out). Ready Pods are addresses; the others notReadyAddresses (Endpoints)
// or ready: false (EndpointSlice).
import { selectorMatches } from '../selectors.js';
import type { KubeObject } from '../types.js';
import {
  arr,
  labelsOf,
  MANAGER,
  o,
  ownerRef,
  podReady,
  podTerminal,
  R,
  type Ctx,
  type Obj,
} from './context.js';
import { containersOf } from '../pod-runtime.js';

const MANAGED_BY = 'endpointslice-controller.k8s.io';

interface Resolved {
  name?: string;
  port: number;
  protocol: string;
}

function resolvePorts(svc: KubeObject, pod: KubeObject): Resolved[] {
  const out: Resolved[] = [];
  for (const sp of arr(o(svc.spec).ports)) {
    const protocol = String(sp.protocol ?? 'TCP');
    const target = sp.targetPort ?? sp.port;
    let port: number | undefined;
    if (typeof target === 'number') port = target;
    else if (/^\d+$/.test(String(target))) port = Number(target);
    else {
      for (const c of containersOf(pod)) {
        const cp = arr(c.ports).find((p) => p.name === target && String(p.protocol ?? 'TCP') === protocol);
        if (cp) port = Number(cp.containerPort);
      }
    }
    if (port !== undefined) out.push({ ...(sp.name ? { name: String(sp.name) } : {}), port, protocol });
  }
  return out;
}

function target(pod: KubeObject): Obj {
  return {
    kind: 'Pod',
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    uid: pod.metadata.uid,
  };
}

/** Recomputes Endpoints and EndpointSlices of every selector Service in the namespace. */
export function reconcileEndpoints(ctx: Ctx, namespace: string): void {
  const pods = ctx.store.list(R.pods, namespace).filter((p) => !podTerminal(p) && o(p.status).podIP);
  for (const svc of ctx.store.list(R.services, namespace)) {
    const selector = labelsOf(o(svc.spec).selector);
    if (Object.keys(selector).length === 0) continue;
    const name = svc.metadata.name!;
    const publishNotReady = o(svc.spec).publishNotReadyAddresses === true;
    const groups = new Map<string, { ports: Resolved[]; pods: KubeObject[] }>();
    for (const p of pods) {
      if (!selectorMatches(selector, p.metadata.labels)) continue;
      const ports = resolvePorts(svc, p);
      if (ports.length === 0) continue;
      const key = JSON.stringify(ports);
      const g = groups.get(key) ?? { ports, pods: [] };
      g.pods.push(p);
      groups.set(key, g);
    }
    const ready = (p: KubeObject) => publishNotReady || podReady(p);
    const address = (p: KubeObject) => ({
      ip: o(p.status).podIP,
      ...(o(p.spec).nodeName ? { nodeName: o(p.spec).nodeName } : {}),
      targetRef: target(p),
    });
    const subsets = [...groups.values()].map((g) => {
      const r = g.pods.filter(ready);
      const nr = g.pods.filter((p) => !ready(p));
      return {
        ...(r.length ? { addresses: r.map(address) } : {}),
        ...(nr.length ? { notReadyAddresses: nr.map(address) } : {}),
        ports: g.ports,
      };
    });
    const labels = { ...(svc.metadata.labels ?? {}) };
    const ep = {
      metadata: { name, namespace, labels },
      ...(subsets.length ? { subsets } : {}),
    };
    const existing = ctx.store.get(R.endpoints, namespace, name);
    if (!existing) ctx.api.create(R.endpoints, namespace, ep, MANAGER);
    else {
      ctx.api.update(
        R.endpoints,
        namespace,
        name,
        { ...ep, metadata: { ...existing.metadata, labels } },
        MANAGER,
      );
    }

    // One EndpointSlice per port set (a placeholder without endpoints when nothing matches).
    const slices = ctx.store
      .list(R.endpointSlices, namespace)
      .filter(
        (s) =>
          s.metadata.labels?.['kubernetes.io/service-name'] === name &&
          s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === MANAGED_BY,
      );
    const wanted = groups.size
      ? [...groups.values()]
      : [{ ports: [] as Resolved[], pods: [] as KubeObject[] }];
    wanted.forEach((g, i) => {
      const body: Obj = {
        addressType: 'IPv4',
        endpoints: g.pods.map((p) => ({
          addresses: [o(p.status).podIP],
          conditions: { ready: ready(p), serving: ready(p), terminating: false },
          ...(o(p.spec).nodeName ? { nodeName: o(p.spec).nodeName } : {}),
          targetRef: target(p),
        })),
        ...(g.ports.length ? { ports: g.ports } : {}),
      };
      const sliceLabels = {
        ...labels,
        'kubernetes.io/service-name': name,
        'endpointslice.kubernetes.io/managed-by': MANAGED_BY,
      };
      const cur = slices[i];
      if (!cur) {
        ctx.api.create(
          R.endpointSlices,
          namespace,
          {
            metadata: {
              generateName: `${name}-`,
              namespace,
              labels: sliceLabels,
              ownerReferences: [ownerRef(svc)],
            },
            ...body,
          },
          MANAGER,
        );
      } else {
        ctx.api.update(
          R.endpointSlices,
          namespace,
          cur.metadata.name!,
          { ...body, metadata: { ...cur.metadata, labels: sliceLabels } },
          MANAGER,
        );
      }
    });
    for (const extra of slices.slice(wanted.length)) {
      ctx.api.delete(R.endpointSlices, namespace, extra.metadata.name!, {});
    }
  }
}

/** A Service is gone: its Endpoints go too (slices are garbage-collected through their owner reference). */
export function serviceDeleted(ctx: Ctx, svc: KubeObject): void {
  if (ctx.store.get(R.endpoints, svc.metadata.namespace, svc.metadata.name!)) {
    ctx.api.delete(R.endpoints, svc.metadata.namespace, svc.metadata.name!, {});
  }
}

export function assignLoadBalancer(ctx: Ctx, namespace: string, name: string): void {
  const svc = ctx.store.get(R.services, namespace, name);
  if (!svc || o(svc.spec).type !== 'LoadBalancer' || o(o(svc.status).loadBalancer).ingress) return;
  ctx.setStatus(R.services, svc, { loadBalancer: { ingress: [{ ip: '192.168.49.100', ipMode: 'VIP' }] } });
}
