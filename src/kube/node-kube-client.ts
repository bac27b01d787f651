// KubeClient on @kubernetes/client-node's generic object API. Imported lazily (dynamic import) by the stages
// that need a cluster, so the 4 MiB client never loads to validate inputs.
import type { KubeConfig } from '@kubernetes/client-node';
import {
  ApiException,
  AuthorizationV1Api,
  KubernetesObjectApi,
  PortForward,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { connectionFailure } from './connection-failure.js';
import { loadKubeconfig } from './kubeconfig-load.js';
import type { KubeconfigSource } from './kubeconfig-source.js';
import {
  describeRef,
  KubeApiError,
  type AccessCheck,
  type KubeClient,
  type KubeObject,
  type LocalForward,
  type ObjectRef,
} from './kube-client.js';

interface StatusBody {
  reason?: string;
  message?: string;
}

function statusOf(e: ApiException<unknown>): StatusBody {
  const body = e.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return (body ?? {}) as StatusBody;
}

function translateError(e: unknown, request: string, server: string): never {
  if (e instanceof ApiException) {
    const s = statusOf(e);
    throw new KubeApiError(e.code, s.reason ?? '', s.message ?? e.message, request);
  }
  // No HTTP answer: fetch's "fetch failed" hides the cause (refused, reset, timeout, untrusted certificate).
  const f = connectionFailure(e, server);
  throw new KubeApiError(0, f.code || 'Unreachable', f.problem, request, f.fix);
}

const header = (r: ObjectRef): KubernetesObject => ({
  apiVersion: r.apiVersion,
  kind: r.kind,
  metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
});

export function kubeClientFromConfig(kc: KubeConfig, fieldManager = 'litmus-aio'): KubeClient {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const authz = kc.makeApiClient(AuthorizationV1Api);
  /** create and replace differ only in the verb; both record this tool as the field manager. */
  const write = async <T extends KubeObject>(verb: 'create' | 'replace', obj: T): Promise<T> => {
    try {
      return (await objects[verb](
        obj as KubernetesObject,
        undefined,
        undefined,
        fieldManager,
      )) as unknown as T;
    } catch (e) {
      return translate(e, `${verb} ${describeRef({ ...obj, ...obj.metadata })}`);
    }
  };
  const server = kc.getCurrentCluster()?.server ?? 'unknown';
  const translate = (e: unknown, request: string): never => translateError(e, request, server);
  return {
    server,
    async get<T extends KubeObject>(ref: ObjectRef) {
      try {
        return (await objects.read(header(ref) as never)) as unknown as T;
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) return undefined;
        return translate(e, `get ${describeRef(ref)}`);
      }
    },
    async list<T extends KubeObject>(ref: { apiVersion: string; kind: string; namespace?: string }) {
      try {
        const res = await objects.list(ref.apiVersion, ref.kind, ref.namespace);
        // Lists carry apiVersion/kind on the list, not on each item.
        return res.items.map((o) => ({ apiVersion: ref.apiVersion, kind: ref.kind, ...o }) as unknown as T);
      } catch (e) {
        return translate(e, `list ${ref.kind}${ref.namespace ? ` in ${ref.namespace}` : ''}`);
      }
    },
    create: <T extends KubeObject>(obj: T) => write('create', obj),
    replace: <T extends KubeObject>(obj: T) => write('replace', obj),
    async delete(ref: ObjectRef) {
      try {
        await objects.delete(header(ref));
        return true;
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) return false;
        return translate(e, `delete ${describeRef(ref)}`);
      }
    },
    async forwardServicePort(namespace: string, service: string, port: number): Promise<LocalForward> {
      const pf = new PortForward(kc);
      const sockets = new Set<Socket>();
      const errors: string[] = [];
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => socket.destroy());
        // The pod side reports a refused or failed connection on the error channel, then closes the tunnel.
        const tunnelErrors = new Writable({
          write(chunk: Buffer, _enc, done) {
            const text = chunk.toString('utf8').trim();
            if (text) errors.push(`port-forward to Service ${namespace}/${service}:${port}: ${text}`);
            done();
          },
        });
        pf.portForwardService(namespace, service, [port], socket, tunnelErrors, socket).then(
          (tunnel) => {
            // The tunnel's WebSocket outlives the local socket unless closed: it would keep the process alive.
            // And the other way round: a tunnel closed by the far end must close the local connection, or
            // its client waits for an answer that never comes (as kubectl's does, it sees a reset at once).
            const ws = typeof tunnel === 'function' ? tunnel() : tunnel;
            const closeTunnel = (): void => ws?.close();
            if (socket.destroyed) closeTunnel();
            else socket.once('close', closeTunnel);
            ws?.once('close', () => socket.destroy());
          },
          (e: unknown) => {
            errors.push(`port-forward to Service ${namespace}/${service}:${port}: ${tunnelFailure(e)}`);
            socket.destroy();
          },
        );
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      return {
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        errors: () => [...errors],
        close: () =>
          new Promise<void>((resolve) => {
            for (const s of sockets) s.destroy();
            server.close(() => resolve());
          }),
      };
    },
    async denied(checks: readonly AccessCheck[]) {
      const results = await Promise.all(
        checks.map(async (c) => {
          try {
            const review = await authz.createSelfSubjectAccessReview({
              body: {
                apiVersion: 'authorization.k8s.io/v1',
                kind: 'SelfSubjectAccessReview',
                spec: { resourceAttributes: { ...c } },
              },
            });
            return review.status?.allowed ? undefined : c;
          } catch (e) {
            return translate(e, `access review ${c.verb} ${c.resource}`);
          }
        }),
      );
      return results.filter((c): c is AccessCheck => c !== undefined);
    },
  };
}

/** A client for the kubeconfig this run uses (see kubeconfig-source.ts); checked as the preflight checks it. */
export async function kubeClientFromSource(source: KubeconfigSource): Promise<KubeClient> {
  return kubeClientFromConfig((await loadKubeconfig(source)).kc);
}

/** One line for a tunnel that could not open: client-node's ApiException message spans the whole HTTP answer. */
export function tunnelFailure(e: unknown): string {
  const x = (e ?? {}) as { code?: unknown; body?: unknown; message?: unknown };
  if (typeof x.code === 'number' && x.code > 0) {
    let said = '';
    try {
      const body: unknown = typeof x.body === 'string' ? JSON.parse(x.body) : x.body;
      const m = (body as { message?: unknown } | undefined)?.message;
      if (typeof m === 'string') said = m;
    } catch {
      // Not a Kubernetes Status: the status code alone.
    }
    return `HTTP ${x.code}${said ? `: ${said}` : ''}`;
  }
  return String(x.message ?? e).split('\n')[0] ?? '';
}
