// The sandbox's cluster DNS for container processes. A container asks its kubelet over the IPC channel it already
// has (`{type: 'resolve', id, host, port}`); the kubelet answers (`{type: 'resolved', id, target?}`) with where a
// Service port really listens: the stand-in's port-forward target of `<ns>/<service>:<port>` (the broker mirror
// keeps those of aio-broker current). Names as cluster DNS takes them: `<svc>.<ns>.svc.cluster.local`, `<svc>.<ns>.svc`,
// `<svc>.<ns>`, or `<svc>` in the pod's own namespace. Asked per connection, so a Service that appears later is found.
// Only node: imports: the container side is bundled into container programs (programs.ts).

export interface DnsTarget {
  host: string;
  port: number;
}

const NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)(?:\.([a-z0-9]([-a-z0-9]*[a-z0-9])?))?(?:\.svc(?:\.cluster\.local)?)?\.?$/;

/** Where `host:port` leads from a pod in `podNamespace`, or undefined when it is no Service the sandbox knows. */
export function resolveClusterName(
  targets: ReadonlyMap<string, string>,
  podNamespace: string,
  host: string,
  port: number,
): DnsTarget | undefined {
  const m = NAME.exec(host.toLowerCase());
  if (!m) return undefined;
  const target = targets.get(`${m[3] ?? podNamespace}/${m[1]}:${port}`);
  if (!target) return undefined;
  const i = target.lastIndexOf(':');
  return {
    host: target.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: Number(target.slice(i + 1)),
  };
}

/** Kubelet side: answers a container's query message; false when `m` is not one. */
export function answerDnsQuery(
  m: Record<string, unknown>,
  send: (reply: unknown) => void,
  targets: ReadonlyMap<string, string>,
  podNamespace: string,
): boolean {
  if (m.type !== 'resolve') return false;
  const target = resolveClusterName(targets, podNamespace, String(m.host), Number(m.port));
  send({ type: 'resolved', id: m.id, ...(target ? { target } : {}) });
  return true;
}

/** Container side: a resolver asking the kubelet (undefined without an IPC channel, or for names it does not know). */
export function clusterDnsClient(): (host: string, port: number) => Promise<DnsTarget | undefined> {
  let seq = 0;
  const pending = new Map<number, (t: DnsTarget | undefined) => void>();
  process.on('message', (m: { type?: string; id?: number; target?: DnsTarget }) => {
    if (m?.type !== 'resolved' || typeof m.id !== 'number') return;
    pending.get(m.id)?.(m.target);
    pending.delete(m.id);
  });
  return (host, port) =>
    new Promise((resolve) => {
      if (!process.send || !process.connected) return resolve(undefined);
      const id = ++seq;
      pending.set(id, resolve);
      process.send({ type: 'resolve', id, host, port });
    });
}
