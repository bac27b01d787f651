// pods/portforward: forwards a pod port to a local TCP address configured by the test.
//
// Three wire protocols, as kubelet/apiserver offer them:
//  - WebSocket `v4.channel.k8s.io` (@kubernetes/client-node): per port i, channel 2i carries data and 2i+1 errors;
//    each frame starts with its channel byte, and the server's first frame on each channel is the port (uint16 LE).
//  - WebSocket `SPDY/3.1+portforward.k8s.io` (kubectl >= 1.31 default): SPDY/3.1 tunnelled in binary messages.
//  - HTTP Upgrade `SPDY/3.1` with X-Stream-Protocol-Version `portforward.k8s.io` (kubectl's fallback, and
//    KUBECTL_PORT_FORWARD_WEBSOCKETS=false). Over SPDY, each forwarded connection is a pair of client-opened
//    streams (headers streamtype=error|data, port, requestID).
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { findResource } from './resources.js';
import { selectorMatches } from './selectors.js';
import { SpdySession, type SpdyStream } from './spdy.js';
import type { Store } from './store.js';
import type { UpgradeContext } from './server.js';
import { isPlainObject, type KubeObject } from './types.js';

const SPDY_TUNNEL = 'SPDY/3.1+portforward.k8s.io';
// `ws` rejects subprotocols that are not RFC 7230 tokens ('/' is not a token character), while kubectl offers
// SPDY_TUNNEL; the handshake sees this stand-in token instead and answers with the real name.
const SPDY_TUNNEL_TOKEN = 'x-spdy-3.1-portforward.k8s.io';
const CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', 'channel.k8s.io'];
const PODS = findResource('', 'v1', 'pods')!;
const SERVICES = findResource('', 'v1', 'services')!;

export interface Target {
  host: string;
  port: number;
}

function parseTarget(s: string): Target {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(s.slice(i + 1)) };
}

export class PortForwarder {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols: Set<string>) => {
      if (protocols.has(SPDY_TUNNEL_TOKEN)) return SPDY_TUNNEL;
      return CHANNEL_PROTOCOLS.find((p) => protocols.has(p)) ?? false;
    },
  });
  private readonly open = new Set<() => void>();

  constructor(
    private readonly store: Store,
    /** `ns/pod:port` or `ns/service:port` → `host:port`. */
    readonly targets: Map<string, string>,
  ) {}

  /** Finds where a pod port leads: a pod entry, or an entry of a Service selecting the pod on that target port. */
  resolve(namespace: string, podName: string, port: number): Target | undefined {
    const direct = this.targets.get(`${namespace}/${podName}:${port}`);
    if (direct) return parseTarget(direct);
    const pod = this.store.get(PODS, namespace, podName);
    if (!pod) return undefined;
    for (const svc of this.store.list(SERVICES, namespace)) {
      const spec = isPlainObject(svc.spec) ? svc.spec : {};
      const selector = isPlainObject(spec.selector) ? (spec.selector as Record<string, string>) : undefined;
      if (!selector || !selectorMatches(selector, pod.metadata.labels)) continue;
      for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
        if (!isPlainObject(p)) continue;
        if (containerPort(pod, p.targetPort ?? p.port) !== port) continue;
        const t = this.targets.get(`${namespace}/${svc.metadata.name}:${String(p.port)}`);
        if (t) return parseTarget(t);
      }
    }
    return undefined;
  }

  handle(ctx: UpgradeContext): void {
    const { req, socket, head, target } = ctx;
    const ns = target.namespace ?? 'default';
    const pod = target.name!;
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgrade === 'websocket') {
      const offered = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim());
      if (!offered.includes(SPDY_TUNNEL) && !CHANNEL_PROTOCOLS.some((p) => offered.includes(p))) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return;
      }
      req.headers['sec-websocket-protocol'] = offered
        .map((p) => (p === SPDY_TUNNEL ? SPDY_TUNNEL_TOKEN : p))
        .join(', ');
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        if (ws.protocol === SPDY_TUNNEL) this.spdyOverWebSocket(ws, ns, pod);
        else this.channels(ws, ns, pod, ctx.query);
      });
      return;
    }
    if (upgrade.startsWith('spdy/3.1')) {
      const versions = String(req.headers['x-stream-protocol-version'] ?? '');
      if (!versions.split(',').some((v) => v.trim() === 'portforward.k8s.io')) {
        socket.end(
          'HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\nunable to upgrade: unsupported protocol',
        );
        return;
      }
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
          'X-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n',
      );
      const session = this.spdySession(
        { write: (d) => socket.write(d), end: () => socket.end() },
        ns,
        pod,
        () => socket.destroy(),
      );
      if (head.length > 0) session.feed(head);
      socket.on('data', (d: Buffer) => session.feed(d));
      socket.on('close', () => session.terminated());
      socket.on('error', () => session.terminated());
      return;
    }
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  }

  private spdyOverWebSocket(ws: WebSocket, ns: string, pod: string): void {
    const session = this.spdySession(
      { write: (d) => ws.send(d, { binary: true }), end: () => ws.close(1000) },
      ns,
      pod,
      () => ws.terminate(),
    );
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) session.feed(Buffer.from(data));
    });
    ws.on('close', () => session.terminated());
    ws.on('error', () => session.terminated());
  }

  private spdySession(
    transport: { write(d: Buffer): void; end(): void },
    ns: string,
    pod: string,
    kill: () => void,
  ): SpdySession {
    const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
    const sockets = new Set<Socket>();
    const session = new SpdySession(
      transport,
      (stream) => {
        const id = stream.headers.get('requestid') ?? '';
        const pair = pairs.get(id) ?? {};
        pairs.set(id, pair);
        if (stream.headers.get('streamtype') === 'error') pair.error = stream;
        else if (stream.headers.get('streamtype') === 'data') pair.data = stream;
        else return stream.reset();
        if (pair.error && pair.data) {
          pairs.delete(id);
          const sock = this.forwardSpdy(pair.error, pair.data, ns, pod, Number(stream.headers.get('port')));
          if (sock) {
            sockets.add(sock);
            sock.on('close', () => sockets.delete(sock));
          }
        }
      },
      () => {
        for (const s of sockets) s.destroy();
        this.open.delete(kill);
      },
    );
    this.open.add(kill);
    return session;
  }

  private forwardSpdy(
    error: SpdyStream,
    data: SpdyStream,
    ns: string,
    pod: string,
    port: number,
  ): Socket | undefined {
    // kubelet: PortForward errors go to the error stream as `error forwarding port %d to pod %s, uid %v: %v`,
    // then both streams are closed. The runtime (containerd) reports only a failed connect; once connected, copy
    // errors (a reset from the container, ...) are logged on the node and the streams simply close. kubectl (client-go
    // >= 1.27) ends the whole session on any error-stream message ("error: lost connection to pod"), so reporting a
    // reset after connect would end sessions that a real cluster keeps.
    const fail = (why: string) => {
      error.write(Buffer.from(kubeletForwardError(this.store, ns, pod, port, why)));
      error.end();
      data.end();
    };
    const target = this.resolve(ns, pod, port);
    if (!target) {
      fail(runtimeConnectError(this.store, ns, pod, port, 'ECONNREFUSED'));
      return undefined;
    }
    const sock = connect(target.port, target.host);
    let connected = false;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      data.end();
      error.end();
    };
    sock.on('connect', () => (connected = true));
    sock.on('data', (d: Buffer) => data.write(d));
    sock.on('end', close);
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (connected) return close();
      closed = true;
      fail(runtimeConnectError(this.store, ns, pod, port, e.code ?? e.message));
    });
    sock.on('close', close);
    data.onData((d) => sock.write(d));
    data.onEnd(() => sock.end());
    data.onReset(() => sock.destroy());
    error.onReset(() => sock.destroy());
    return sock;
  }

  private channels(ws: WebSocket, ns: string, pod: string, query: URLSearchParams): void {
    const ports = query
      .getAll('ports')
      .flatMap((p) => p.split(','))
      .map((p) => Number(p.trim()))
      .filter((p) => Number.isInteger(p) && p > 0);
    const sockets: (Socket | undefined)[] = [];
    if (ports.length === 0) {
      ws.close(1008, 'query parameter "port" is required');
      return;
    }
    const kill = () => ws.terminate();
    this.open.add(kill);
    const frame = (channel: number, payload: Buffer) => {
      if (ws.readyState === ws.OPEN)
        ws.send(Buffer.concat([Buffer.from([channel]), payload]), { binary: true });
    };
    ports.forEach((port, i) => {
      const portBytes = Buffer.alloc(2);
      portBytes.writeUInt16LE(port);
      frame(2 * i, portBytes);
      frame(2 * i + 1, portBytes);
      const target = this.resolve(ns, pod, port);
      if (!target) {
        const why = runtimeConnectError(this.store, ns, pod, port, 'ECONNREFUSED');
        frame(2 * i + 1, Buffer.from(kubeletForwardError(this.store, ns, pod, port, why)));
        return;
      }
      const sock = connect(target.port, target.host);
      sockets[i] = sock;
      let connected = false;
      sock.on('connect', () => (connected = true));
      sock.on('data', (d: Buffer) => frame(2 * i, d));
      sock.on('error', (e: NodeJS.ErrnoException) => {
        if (connected) return; // as over SPDY: only a failed connect is reported
        const why = runtimeConnectError(this.store, ns, pod, port, e.code ?? e.message);
        frame(2 * i + 1, Buffer.from(kubeletForwardError(this.store, ns, pod, port, why)));
      });
      sock.on('close', () => ws.close(1000));
    });
    ws.on('message', (msg: Buffer) => {
      const buf = Buffer.from(msg);
      if (buf.length < 1 || buf[0]! % 2 !== 0) return;
      sockets[buf[0]! / 2]?.write(buf.subarray(1));
    });
    ws.on('close', () => {
      this.open.delete(kill);
      for (const s of sockets) s?.destroy();
    });
  }

  closeAll(): void {
    for (const kill of [...this.open]) kill();
    this.open.clear();
    this.wss.close();
  }
}

/** kubelet's wording for a failed port-forward (pkg/kubelet/cri/streaming/portforward). */
function kubeletForwardError(store: Store, ns: string, pod: string, port: number, why: string): string {
  return `error forwarding port ${port} to pod ${pod}, uid ${store.get(PODS, ns, pod)?.metadata.uid ?? ''}: ${why}`;
}

/**
 * containerd's wording for a port nobody listens on in the pod's network namespace (its sandbox id is derived from
 * the pod uid here), with Go's dial errors.
 */
function runtimeConnectError(store: Store, ns: string, pod: string, port: number, code: string): string {
  const uid = String(store.get(PODS, ns, pod)?.metadata.uid ?? pod);
  const sandbox = createHash('sha256').update(uid).digest('hex');
  const errno: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused',
    ETIMEDOUT: 'connect: connection timed out',
    EHOSTUNREACH: 'connect: no route to host',
  };
  const what = errno[code] ?? code;
  return (
    `failed to connect to localhost:${port} inside namespace "${sandbox}", ` +
    `IPv4: dial tcp4 127.0.0.1:${port}: ${what} IPv6 dial tcp6 [::1]:${port}: ${what} `
  );
}

function containerPort(pod: KubeObject, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) {
    if (!isPlainObject(c) || !Array.isArray(c.ports)) continue;
    for (const p of c.ports) if (isPlainObject(p) && p.name === port) return Number(p.containerPort);
  }
  return undefined;
}
