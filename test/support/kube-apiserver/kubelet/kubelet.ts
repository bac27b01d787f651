// A simulated kubelet whose containers come from real images: it pulls each container's image from a real
// registry (OCI distribution API, imagePullSecrets, the registry's test CA), reads the image config's labels to learn
// what the container does (see test-images.ts), runs it as a local node process on loopback ports (published in
// `portForwardTargets`), restarts crashing containers with back-off (CrashLoopBackOff), runs startup/liveness/
// readiness probes against the process, serves `pods/log`, and reports Pod status and Events as the kubelet does.
// It is a PodRuntime (../pod-runtime.ts): the controllers hand it the Pods they scheduled and write what it reports.
//
// Time: every kubelet interval (probe initialDelaySeconds/periodSeconds, image pull and crash back-off 10s doubling
// to 300s) is multiplied by `timeScale` (default 0.1: a 10s period takes 1s). Messages keep the nominal durations
// ("back-off 20s restarting ..."). Probe timeouts (timeoutSeconds) and crash-after=... labels are not scaled.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { KubeApi } from '../api.js';
import type { PodRuntime, PodStatusSink } from '../pod-runtime.js';
import { findResource } from '../resources.js';
import { badRequest } from '../status.js';
import { isPlainObject, nowRfc3339, type KubeObject } from '../types.js';
import { answerDnsQuery } from './cluster-dns.js';
import { CONTAINER_SCRIPT, type ContainerConfig } from './container-process.js';
import { containerEnv, containerProgram } from './programs.js';
import { parseImageRef, PullError, RegistryClient, type Credential } from './registry-client.js';
import { BEHAVIOUR_LABEL, LISTEN_LABEL, TLS_PORTS_LABEL } from './test-images.js';

/**
 * Where a pod's status and events go: the controllers' PodStatusSink (../pod-runtime.ts). `fieldPath`
 * (spec.containers{name}) is passed as a 4th argument; a sink that does not take it drops it.
 */
interface Sink {
  setStatus(status: Obj): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void;
}

export interface KubeletOptions {
  /** The registry's CA (PEM) trusted for image pulls. */
  registryCa?: string;
  /** Multiplies kubelet intervals (probe periods, back-offs); default 0.1. */
  timeScale?: number;
  /** Registry hosts that may be contacted; default loopback only (others fail with `no such host`). */
  allowRegistryHost?: (host: string) => boolean;
  /** The stand-in's port-forward map: `ns/pod:containerPort` → `127.0.0.1:<host port>` is kept current here. */
  portForwardTargets: Map<string, string>;
  /** TLS certificate/key for containers' TLS ports (https probes, port-forward). */
  tls?: { cert: string; key: string };
}

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(o) : []);

const R = {
  pods: findResource('', 'v1', 'pods')!,
  events: findResource('', 'v1', 'events')!,
  secrets: findResource('', 'v1', 'secrets')!,
};
const MAX_LOG = 1024 * 1024;
const BACKOFF_BASE_S = 10;
const BACKOFF_MAX_S = 300;

/** Go's time.Duration formatting for whole seconds: 10s, 1m20s, 5m0s. */
function goDuration(s: number): string {
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

interface Probe {
  kind: 'Startup' | 'Liveness' | 'Readiness';
  spec: Obj;
  failures: number;
  successes: number;
  timer?: NodeJS.Timeout;
}

interface ContainerState {
  spec: Obj;
  name: string;
  image: string;
  state: Obj;
  lastState: Obj;
  restartCount: number;
  ready: boolean;
  started: boolean;
  imageID: string;
  containerID?: string;
  labels?: Record<string, string>;
  /** node arguments of a container program (programs.ts); undefined: the generic CONTAINER_SCRIPT. */
  program?: string[];
  env?: Record<string, string>;
  pullBackoffS: number;
  crashBackoffS: number;
  proc?: ChildProcess;
  /** containerPort → 127.0.0.1 port of the running process. */
  ports: Map<number, number>;
  current: string;
  previous?: string;
  probes: Probe[];
  timers: Set<NodeJS.Timeout>;
}

interface PodState {
  uid: string;
  namespace: string;
  name: string;
  ip: string;
  startTime: string;
  containers: ContainerState[];
  transitions: Map<string, { status: string; time: string }>;
  flushScheduled: boolean;
  stopped: boolean;
  sink: Sink;
}

let nextIp = 2;
const live = new Set<ChildProcess>();
let exitHook = false;

export class Kubelet implements PodRuntime {
  private readonly pods = new Map<string, PodState>();
  private readonly client: RegistryClient;
  private readonly scale: number;
  private closing?: Promise<void>;

  constructor(
    private readonly api: KubeApi,
    private readonly opts: KubeletOptions,
  ) {
    this.client = new RegistryClient({
      ...(opts.registryCa ? { ca: opts.registryCa } : {}),
      ...(opts.allowRegistryHost ? { allowHost: opts.allowRegistryHost } : {}),
    });
    this.scale = opts.timeScale ?? 0.1;
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => live.forEach((p) => p.kill('SIGKILL')));
    }
  }

  /** PodRuntime.run: pull, start and watch over the pod's containers, reporting through `sink`. */
  run(pod: KubeObject, sink: PodStatusSink): void {
    const uid = pod.metadata.uid!;
    if (this.pods.has(uid)) return;
    const st: PodState = {
      sink,
      uid,
      namespace: pod.metadata.namespace!,
      name: pod.metadata.name!,
      ip: `10.244.1.${(nextIp++ % 250) + 2}`,
      startTime: nowRfc3339(),
      transitions: new Map(),
      flushScheduled: false,
      stopped: false,
      containers: arr(o(pod.spec).containers).map((c) => ({
        spec: c,
        name: String(c.name),
        image: String(c.image ?? ''),
        state: { waiting: { reason: 'ContainerCreating' } },
        lastState: {},
        restartCount: 0,
        ready: false,
        started: false,
        imageID: '',
        pullBackoffS: BACKOFF_BASE_S,
        crashBackoffS: BACKOFF_BASE_S,
        ports: new Map(),
        current: '',
        probes: [],
        timers: new Set(),
      })),
    };
    this.pods.set(uid, st);
    this.flush(st);
    for (const c of st.containers) this.later(st, c, 0, () => void this.pull(st, c));
  }

  stop(pod: KubeObject): void {
    const st = this.pods.get(pod.metadata.uid!);
    if (!st) return;
    st.stopped = true;
    this.pods.delete(st.uid);
    for (const c of st.containers) this.kill(st, c);
  }

  /** PodRuntime.close: stops every container (SIGKILL); resolves when the processes are gone. */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    const exits: Promise<unknown>[] = [];
    for (const st of this.pods.values()) {
      st.stopped = true;
      for (const c of st.containers) {
        const p = c.proc;
        if (p && p.exitCode === null && p.signalCode === null) {
          exits.push(new Promise((r) => p.once('close', r)));
        }
        this.kill(st, c);
      }
    }
    this.pods.clear();
    await Promise.all(exits);
  }

  /** GET pods/{name}/log: the container's output (text), or undefined for a pod this kubelet does not run. */
  logs(namespace: string, name: string, query: URLSearchParams): string | undefined {
    const st = [...this.pods.values()].find((p) => p.namespace === namespace && p.name === name);
    if (!st) return undefined;
    const wanted = query.get('container');
    let c: ContainerState | undefined;
    if (wanted) {
      c = st.containers.find((x) => x.name === wanted);
      if (!c) throw badRequest(`container ${wanted} is not valid for pod ${name}`);
    } else if (st.containers.length === 1) {
      c = st.containers[0];
    } else {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${st.containers.map((x) => x.name).join(' ')}]`,
      );
    }
    c = c!;
    let text: string;
    if (query.get('previous') === 'true') {
      if (c.previous === undefined) {
        throw badRequest(`previous terminated container "${c.name}" in pod "${name}" not found`);
      }
      text = c.previous;
    } else {
      if (!c.containerID) {
        const w = o(c.state.waiting);
        const why =
          w.reason === 'ErrImagePull' || w.reason === 'ImagePullBackOff'
            ? 'trying and failing to pull image'
            : 'ContainerCreating';
        throw badRequest(`container "${c.name}" in pod "${name}" is waiting to start: ${why}`);
      }
      text = c.current;
    }
    const tail = query.get('tailLines');
    if (tail !== null && Number(tail) >= 0) {
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      text = lines.slice(Math.max(0, lines.length - Number(tail))).join('\n') + (lines.length ? '\n' : '');
    }
    return text;
  }

  // ---- image pulls -------------------------------------------------------------------------------------------

  private credentials(st: PodState, host: string): Credential[] {
    const pod = this.api.store.get(R.pods, st.namespace, st.name);
    const names = arr(o(pod?.spec).imagePullSecrets).map((s) => String(s.name));
    const creds: Credential[] = [];
    const missing: string[] = [];
    for (const n of names) {
      const s = this.api.store.get(R.secrets, st.namespace, n);
      if (!s) {
        missing.push(n);
        continue;
      }
      const raw = s.data?.['.dockerconfigjson'];
      if (s.type !== 'kubernetes.io/dockerconfigjson' || !raw) continue;
      try {
        const cfg = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as {
          auths?: Record<string, { username?: string; password?: string; auth?: string }>;
        };
        for (const [k, v] of Object.entries(cfg.auths ?? {})) {
          const key = k.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
          const dockerHub = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
          if (key !== host && !(host === 'docker.io' && dockerHub.includes(key))) continue;
          let { username, password } = v;
          if ((!username || password === undefined) && v.auth) {
            const dec = Buffer.from(v.auth, 'base64').toString('utf8');
            const i = dec.indexOf(':');
            username = dec.slice(0, i);
            password = dec.slice(i + 1);
          }
          if (username !== undefined) creds.push({ username, password: password ?? '' });
        }
      } catch {
        // a malformed secret contributes nothing, as in the kubelet's keyring
      }
    }
    if (missing.length) {
      this.event(
        st,
        undefined,
        'Warning',
        'FailedToRetrieveImagePullSecret',
        `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`,
      );
    }
    return creds;
  }

  private async pull(st: PodState, c: ContainerState): Promise<void> {
    if (st.stopped) return;
    this.event(st, c, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
    const t0 = Date.now();
    try {
      const ref = parseImageRef(c.image);
      const creds = this.credentials(st, ref.host);
      let result: Awaited<ReturnType<RegistryClient['pull']>> | undefined;
      let lastErr: unknown;
      for (const cred of creds.length ? creds : [undefined]) {
        try {
          result = await this.client.pull(ref, cred);
          break;
        } catch (e) {
          lastErr = e;
        }
      }
      if (!result) throw lastErr;
      if (st.stopped) return;
      const ms = Date.now() - t0;
      this.event(
        st,
        c,
        'Normal',
        'Pulled',
        `Successfully pulled image "${c.image}" in ${ms}ms (${ms}ms including waiting). Image size: ${result.size} bytes.`,
      );
      c.imageID = `${ref.host}/${ref.repository}@${result.digest}`;
      c.labels = o(o(result.config).config).Labels as Record<string, string> | undefined;
      c.labels = isPlainObject(c.labels) ? c.labels : {};
      c.env = containerEnv(result.config, c.spec);
      c.program = await containerProgram(c.labels[BEHAVIOUR_LABEL]);
      if (st.stopped) return;
      c.pullBackoffS = BACKOFF_BASE_S;
      this.launch(st, c);
    } catch (e) {
      if (st.stopped) return;
      const msg = e instanceof PullError ? e.message : String((e as Error)?.message ?? e);
      c.state = { waiting: { reason: 'ErrImagePull', message: msg } };
      this.event(st, c, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${msg}`);
      this.event(st, c, 'Warning', 'Failed', 'Error: ErrImagePull');
      this.flush(st);
      const backoff = c.pullBackoffS;
      c.pullBackoffS = Math.min(BACKOFF_MAX_S, backoff * 2);
      // The next sync reports the back-off; the pull is retried when it expires.
      this.later(st, c, Math.min(backoff, 5) * 1000 * this.scale, () => {
        c.state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` } };
        this.event(st, c, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
        this.event(st, c, 'Warning', 'Failed', 'Error: ImagePullBackOff');
        this.flush(st);
        this.later(st, c, backoff * 1000 * this.scale, () => void this.pull(st, c));
      });
    }
  }

  // ---- processes ---------------------------------------------------------------------------------------------

  private behaviour(c: ContainerState): { serve: boolean; crashAfterMs?: number; exitCode?: number } {
    const tokens = (c.labels?.[BEHAVIOUR_LABEL] ?? 'serve').split(/[\s,]+/).filter(Boolean);
    const out: { serve: boolean; crashAfterMs?: number; exitCode?: number } = { serve: true };
    for (const t of tokens) {
      const [k, v = ''] = t.split('=');
      if (k === 'never-ready') out.serve = false;
      else if (k === 'crash-after') {
        const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v);
        if (m) out.crashAfterMs = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
      } else if (k === 'exit') out.exitCode = Number(v);
    }
    if (out.crashAfterMs !== undefined && out.exitCode === undefined) out.exitCode = 1;
    return out;
  }

  private launch(st: PodState, c: ContainerState): void {
    if (st.stopped) return;
    const b = this.behaviour(c);
    const specPorts = arr(c.spec.ports);
    const tlsPorts = new Set((c.labels?.[TLS_PORTS_LABEL] ?? '').split(',').filter(Boolean).map(Number));
    for (const p of specPorts)
      if (String(p.name ?? '').startsWith('https')) tlsPorts.add(Number(p.containerPort));
    const listenPorts = c.labels?.[LISTEN_LABEL]
      ? c.labels[LISTEN_LABEL].split(',').filter(Boolean).map(Number)
      : specPorts.map((p) => Number(p.containerPort));
    const config: ContainerConfig = {
      pod: `${st.namespace}/${st.name}`,
      container: c.name,
      image: c.image,
      listen: b.serve ? listenPorts.map((port) => ({ port, tls: tlsPorts.has(port) })) : [],
      ...(b.crashAfterMs !== undefined ? { crashAfterMs: b.crashAfterMs, exitCode: b.exitCode! } : {}),
      ...(this.opts.tls ? { cert: this.opts.tls.cert, key: this.opts.tls.key } : {}),
    };
    const containerID = `containerd://${randomBytes(32).toString('hex')}`;
    const proc = spawn(process.execPath, c.program ?? ['-e', CONTAINER_SCRIPT], {
      env: { ...c.env, PATH: process.env.PATH, LITMUS_CONTAINER: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    live.add(proc);
    c.proc = proc;
    c.containerID = containerID;
    c.current = '';
    c.ports.clear();
    const startedAt = nowRfc3339();
    const append = (d: Buffer) => {
      if (c.proc !== proc) return;
      c.current += d.toString('utf8');
      if (c.current.length > MAX_LOG) c.current = c.current.slice(c.current.length - MAX_LOG);
    };
    proc.stdout!.on('data', append);
    proc.stderr!.on('data', append);
    c.state = { running: { startedAt } };
    c.ready = false;
    c.started = false;
    this.event(st, c, 'Normal', 'Created', `Created container: ${c.name}`);
    this.event(st, c, 'Normal', 'Started', `Started container ${c.name}`);
    proc.on('message', (m: unknown) => {
      const reply = (r: unknown) => void (proc.connected && proc.send(r as object));
      if (isPlainObject(m) && answerDnsQuery(m, reply, this.opts.portForwardTargets, st.namespace)) return;
      if (!isPlainObject(m) || m.type !== 'ports' || st.stopped || c.proc !== proc) return;
      for (const [k, v] of Object.entries(o(m.ports))) {
        c.ports.set(Number(k), Number(v));
        this.opts.portForwardTargets.set(`${st.namespace}/${st.name}:${k}`, `127.0.0.1:${String(v)}`);
      }
      this.startProbes(st, c);
    });
    proc.on('close', (code, signal) => {
      live.delete(proc);
      if (c.proc !== proc) return;
      this.onExit(st, c, code, signal, startedAt, containerID);
    });
    this.flush(st);
  }

  private onExit(
    st: PodState,
    c: ContainerState,
    code: number | null,
    signal: NodeJS.Signals | null,
    startedAt: string,
    containerID: string,
  ): void {
    c.proc = undefined;
    this.stopProbes(c);
    this.unpublish(st, c);
    if (st.stopped) return;
    const exitCode = code ?? (signal === 'SIGKILL' ? 137 : signal === 'SIGTERM' ? 143 : 1);
    const terminated = {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: nowRfc3339(),
      containerID,
    };
    c.previous = c.current;
    c.ready = false;
    c.started = false;
    const policy = String(
      o(this.api.store.get(R.pods, st.namespace, st.name)?.spec).restartPolicy ?? 'Always',
    );
    const restart = policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
    if (!restart) {
      c.state = { terminated };
      this.flush(st);
      return;
    }
    c.lastState = { terminated };
    const backoff = c.crashBackoffS;
    c.crashBackoffS = Math.min(BACKOFF_MAX_S, backoff * 2);
    c.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${goDuration(backoff)} restarting failed container=${c.name} pod=${st.name}_${st.namespace}(${st.uid})`,
      },
    };
    this.event(
      st,
      c,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${c.name} in pod ${st.name}_${st.namespace}(${st.uid})`,
    );
    this.flush(st);
    this.later(st, c, backoff * 1000 * this.scale, () => {
      c.restartCount++;
      this.event(st, c, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
      this.launch(st, c);
    });
  }

  private unpublish(st: PodState, c: ContainerState): void {
    for (const port of c.ports.keys())
      this.opts.portForwardTargets.delete(`${st.namespace}/${st.name}:${port}`);
    c.ports.clear();
  }

  private kill(st: PodState, c: ContainerState): void {
    for (const t of c.timers) clearTimeout(t);
    c.timers.clear();
    this.stopProbes(c);
    this.unpublish(st, c);
    const p = c.proc;
    if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }

  private later(st: PodState, c: ContainerState, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      c.timers.delete(t);
      if (!st.stopped) fn();
    }, ms);
    c.timers.add(t);
  }

  // ---- probes ------------------------------------------------------------------------------------------------

  private startProbes(st: PodState, c: ContainerState): void {
    this.stopProbes(c);
    const probe = (kind: Probe['kind'], key: string): Probe | undefined =>
      isPlainObject(c.spec[key]) ? { kind, spec: c.spec[key], failures: 0, successes: 0 } : undefined;
    const startup = probe('Startup', 'startupProbe');
    const liveness = probe('Liveness', 'livenessProbe');
    const readiness = probe('Readiness', 'readinessProbe');
    c.probes = [startup, liveness, readiness].filter((p): p is Probe => !!p);
    const begin = () => {
      c.started = true;
      if (!readiness) c.ready = true;
      this.flush(st);
      for (const p of [liveness, readiness]) if (p) this.schedule(st, c, p, true);
    };
    if (startup) this.schedule(st, c, startup, true, begin);
    else begin();
  }

  private stopProbes(c: ContainerState): void {
    for (const p of c.probes) if (p.timer) clearTimeout(p.timer);
    c.probes = [];
  }

  private schedule(st: PodState, c: ContainerState, p: Probe, first: boolean, onStarted?: () => void): void {
    const num = (k: string, d: number) => (typeof p.spec[k] === 'number' ? (p.spec[k] as number) : d);
    const delayS = first ? num('initialDelaySeconds', 0) : num('periodSeconds', 10);
    p.timer = setTimeout(
      () => {
        void this.probeOnce(st, c, p).then((err) => {
          if (st.stopped || !c.probes.includes(p)) return;
          if (err === undefined) {
            p.failures = 0;
            p.successes++;
            if (p.kind === 'Startup') {
              this.stopProbe(c, p);
              onStarted?.();
              return;
            }
            if (p.kind === 'Readiness' && !c.ready && p.successes >= num('successThreshold', 1)) {
              c.ready = true;
              this.flush(st);
            }
          } else {
            p.successes = 0;
            p.failures++;
            this.event(st, c, 'Warning', 'Unhealthy', `${p.kind} probe failed: ${err}`);
            if (p.failures >= num('failureThreshold', 3)) {
              if (p.kind === 'Readiness') {
                if (c.ready) {
                  c.ready = false;
                  this.flush(st);
                }
              } else {
                this.event(
                  st,
                  c,
                  'Normal',
                  'Killing',
                  `Container ${c.name} failed ${p.kind.toLowerCase()} probe, will be restarted`,
                );
                c.proc?.kill('SIGKILL');
                return;
              }
            }
          }
          this.schedule(st, c, p, false, onStarted);
        });
      },
      delayS * 1000 * this.scale,
    );
  }

  private stopProbe(c: ContainerState, p: Probe): void {
    if (p.timer) clearTimeout(p.timer);
    c.probes = c.probes.filter((x) => x !== p);
  }

  /** The pod's IP as the API shows it (the controllers assign it), for messages. */
  private podIp(st: PodState): string {
    const ip = o(this.api.store.get(R.pods, st.namespace, st.name)?.status).podIP;
    return typeof ip === 'string' ? ip : st.ip;
  }

  /** Runs one probe: undefined on success, else the failure as the kubelet words it. */
  private probeOnce(st: PodState, c: ContainerState, p: Probe): Promise<string | undefined> {
    const ip = this.podIp(st);
    const timeoutMs = (typeof p.spec.timeoutSeconds === 'number' ? p.spec.timeoutSeconds : 1) * 1000;
    const resolvePort = (v: unknown): number | string => {
      if (typeof v === 'number') return v;
      const named = arr(c.spec.ports).find((x) => x.name === v);
      return named ? Number(named.containerPort) : String(v);
    };
    if (isPlainObject(p.spec.tcpSocket)) {
      const port = resolvePort(p.spec.tcpSocket.port);
      const addr = `${ip}:${port}`;
      if (typeof port === 'string') return Promise.resolve(`unknown port ${port}`);
      const hostPort = c.ports.get(port);
      if (hostPort === undefined) return Promise.resolve(`dial tcp ${addr}: connect: connection refused`);
      return new Promise((resolve) => {
        const s = connect({ host: '127.0.0.1', port: hostPort, timeout: timeoutMs });
        s.once('connect', () => {
          s.destroy();
          resolve(undefined);
        });
        s.once('timeout', () => {
          s.destroy();
          resolve(`dial tcp ${addr}: i/o timeout`);
        });
        s.once('error', () => resolve(`dial tcp ${addr}: connect: connection refused`));
      });
    }
    if (isPlainObject(p.spec.httpGet)) {
      const g = p.spec.httpGet;
      const port = resolvePort(g.port);
      const scheme = String(g.scheme ?? 'HTTP').toLowerCase();
      const path = typeof g.path === 'string' ? g.path : '/';
      const url = `${scheme}://${ip}:${port}${path}`;
      if (typeof port === 'string') return Promise.resolve(`unknown port ${port}`);
      const hostPort = c.ports.get(port);
      const refused = `Get "${url}": dial tcp ${ip}:${port}: connect: connection refused`;
      if (hostPort === undefined) return Promise.resolve(refused);
      const doRequest = scheme === 'https' ? httpsRequest : httpRequest;
      const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.34', accept: '*/*' };
      for (const h of arr(g.httpHeaders)) headers[String(h.name).toLowerCase()] = String(h.value);
      return new Promise((resolve) => {
        const req = doRequest(
          {
            host: '127.0.0.1',
            port: hostPort,
            path,
            method: 'GET',
            headers,
            timeout: timeoutMs,
            agent: false,
            ...(scheme === 'https' ? { rejectUnauthorized: false } : {}),
          },
          (res) => {
            res.resume();
            const code = res.statusCode ?? 0;
            resolve(code >= 200 && code < 400 ? undefined : `HTTP probe failed with statuscode: ${code}`);
          },
        );
        req.on('timeout', () => {
          req.destroy();
          resolve(`Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
        });
        req.on('error', (e: NodeJS.ErrnoException) =>
          resolve(
            e.code === 'ECONNREFUSED'
              ? refused
              : e.code === 'ECONNRESET'
                ? `Get "${url}": read tcp ${ip}:${port}: read: connection reset by peer`
                : `Get "${url}": ${e.message}`,
          ),
        );
        req.end();
      });
    }
    // exec and grpc probes are not modelled: they succeed.
    return Promise.resolve(undefined);
  }

  // ---- status and events -------------------------------------------------------------------------------------

  private flush(st: PodState): void {
    if (st.flushScheduled || st.stopped) return;
    st.flushScheduled = true;
    setImmediate(() => {
      st.flushScheduled = false;
      if (st.stopped) return;
      try {
        this.writeStatus(st);
      } catch {
        // the pod was deleted or raced with a write; the next change flushes again
      }
    });
  }

  private condition(st: PodState, type: string, ok: boolean, reason?: string, message?: string): Obj {
    const status = ok ? 'True' : 'False';
    const prev = st.transitions.get(type);
    const time = prev?.status === status ? prev.time : nowRfc3339();
    st.transitions.set(type, { status, time });
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: time,
      ...(!ok && reason ? { reason, message } : {}),
    };
  }

  private writeStatus(st: PodState): void {
    const everRan = st.containers.some((c) => c.containerID !== undefined);
    const allTerminated = st.containers.every((c) => isPlainObject(c.state.terminated));
    const phase = allTerminated
      ? st.containers.every((c) => o(c.state.terminated).exitCode === 0)
        ? 'Succeeded'
        : 'Failed'
      : everRan
        ? 'Running'
        : 'Pending';
    const unready = st.containers.filter((c) => !c.ready).map((c) => c.name);
    const ready = unready.length === 0;
    const notReadyMsg = `containers with unready status: [${unready.join(' ')}]`;
    const status = {
      phase,
      conditions: [
        this.condition(st, 'PodReadyToStartContainers', true),
        this.condition(st, 'Initialized', true),
        this.condition(st, 'Ready', ready, 'ContainersNotReady', notReadyMsg),
        this.condition(st, 'ContainersReady', ready, 'ContainersNotReady', notReadyMsg),
        this.condition(st, 'PodScheduled', true),
      ],
      // hostIP(s) and podIP(s) are the controllers' (the sink fills them in).
      startTime: st.startTime,
      containerStatuses: st.containers.map((c) => ({
        name: c.name,
        state: c.state,
        lastState: c.lastState,
        ready: c.ready,
        restartCount: c.restartCount,
        image: c.image,
        imageID: c.imageID,
        ...(c.containerID ? { containerID: c.containerID } : {}),
        started: c.started,
      })),
      qosClass: 'BestEffort',
    };
    st.sink.setStatus(status);
  }

  private event(
    st: PodState,
    c: ContainerState | undefined,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    if (st.stopped) return;
    try {
      st.sink.event(type, reason, message, c ? `spec.containers{${c.name}}` : undefined);
    } catch {
      // the pod or its namespace is going away
    }
  }
}
