// Azure Arc cluster connect: runs `az connectedk8s proxy` in its own process group and resolves once the kubeconfig
// it writes exists AND the cluster answers through it (ConfigMap azure-arc/azure-clusterconfig names the cluster we
// asked for). An early exit of az rejects at once with az's own words and the fix; a timeout rejects with what was
// seen. stop() signals the whole group (az and the arc proxy binary it starts): SIGINT, SIGTERM, then SIGKILL.
// Unlike a fixed sleep, time to ready is the proxy's own start-up time plus at most one poll interval.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { stopGroup } from '../../cleanup/run-cleanup.js';
import { pollUntil } from '../../util/poll.js';
import { loadKubeClient, probeArcCluster, type ArcProbe, type ProbeAnswer } from './arc-probe.js';
import { describeAz, spawnError, type AzLog } from './az-cli.js';
import {
  lastLines,
  maskLeadingSuffix,
  MaskedTail,
  maskSecrets,
  maskTrailingPrefix,
} from './masked-output.js';

export { ensureConnectedk8sExtension, azLoginWithFederatedToken, AzCliError } from './az-cli.js';
export type { ExtensionState, FederatedLogin, AzLog } from './az-cli.js';
export { probeArcCluster } from './arc-probe.js';
export type { ProbeAnswer, ArcProbe } from './arc-probe.js';

/** The port `az connectedk8s proxy` listens on when --port is not given (47010 is used internally). */
export const ARC_PROXY_DEFAULT_PORT = 47011;
const OUTPUT_MAX = 8192;
const PROBE_TIMEOUT_MS = 5000;

export interface ArcProxyOptions {
  /** Path to the az binary. */
  az: string;
  cluster: string;
  resourceGroup: string;
  subscription?: string;
  /** Fixed local port for the proxy (az --port). */
  port: number;
  /** Where az writes the kubeconfig; the caller creates its directory (0700). */
  kubeconfigPath: string;
  /** Service-account token (az --token). Secret: passed to az only, masked in everything logged or thrown. */
  token?: string;
  /** How long to wait for the kubeconfig and an API answer, from the call. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  log: AzLog;
  /** Injectable readiness probe; default: GET azure-arc/azure-clusterconfig with @kubernetes/client-node. */
  probe?: ArcProbe;
  signal?: AbortSignal;
  /** Grace after SIGINT and after SIGTERM when stopping; default 3000 ms. */
  graceMs?: number;
  /** Called with the process group id as soon as az runs: register it for the post step before waiting. */
  onSpawn?: (pgid: number) => void;
  /**
   * Send az's output to this file (created 0600) instead of pipes. Use it when the proxy must outlive this process
   * (main step → later steps → post step): a pipe would break when this process exits.
   */
  logFile?: string;
}

export interface ArcProxy {
  kubeconfigPath: string;
  /** Process id of az, which is also its process group id. */
  pid: number;
  /** From the call to ready (kubeconfig written and the cluster answered). */
  readyAfterMs: number;
  /** The kubeconfig's API server (the local proxy). */
  server: string;
  /** The last ~8 KB of az's output, secrets masked. */
  output(): string;
  /** Settles when az exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Lets this process exit while the proxy keeps running (stop it later by its group id). */
  unref(): void;
  /** Stops the whole process group; resolves when it is gone. Idempotent. */
  stop(): Promise<void>;
}

export type ArcProxyFailure = 'spawn' | 'exited' | 'timeout' | 'wrong-cluster' | 'unreachable' | 'aborted';

export class ArcProxyError extends Error {
  override name = 'ArcProxyError';
  constructor(
    message: string,
    readonly reason: ArcProxyFailure,
    /** az's output tail, masked. */
    readonly output = '',
  ) {
    super(message);
  }
}

function fileStamp(path: string): { stamp: string; size: number } | undefined {
  try {
    const s = statSync(path);
    return { stamp: `${s.ino}:${s.size}:${s.mtimeMs}`, size: s.size };
  } catch {
    return undefined;
  }
}

function readFileTail(path: string, max: number, secrets: readonly string[]): string {
  const longest = Math.max(0, ...secrets.map((s) => s.length));
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - max - longest);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    let text = maskTrailingPrefix(maskSecrets(buf.toString('utf8'), secrets), secrets);
    if (start > 0) text = maskLeadingSuffix(text, secrets);
    return text.length > max ? text.slice(text.length - max) : text;
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What to do about az's own error text. */
export function fixForAzOutput(
  output: string,
  o: Pick<ArcProxyOptions, 'cluster' | 'resourceGroup' | 'port' | 'subscription'>,
): string {
  const where = `cluster '${o.cluster}' in resource group '${o.resourceGroup}'${o.subscription ? ` (subscription ${o.subscription})` : ''}`;
  if (/uses port 47010 internally/i.test(output)) {
    return "port 47010 is the Arc proxy's internal port: choose another arc-proxy-port (default 47011)";
  }
  if (/Port 47010 is already in use/i.test(output)) {
    return 'port 47010 is used internally by the Arc proxy: stop the process holding it (an earlier az connectedk8s proxy?)';
  }
  if (/Port \d+ is already in use|address already in use|EADDRINUSE/i.test(output)) {
    return `another process holds port ${o.port} (an earlier proxy still running? ss -ltnp | grep :${o.port}): stop it or choose another arc-proxy-port`;
  }
  if (/Another instance of (arc )?proxy/i.test(output)) {
    return 'an earlier az connectedk8s proxy is still running on this runner: stop it, or update the extension (az extension update --name connectedk8s) so proxies on different ports can coexist';
  }
  if (
    /requires the extension connectedk8s|misspelled or not recognized|extension connectedk8s is not installed/i.test(
      output,
    )
  ) {
    return 'install the Azure CLI extension first: az extension add --name connectedk8s';
  }
  if (/az login|No subscription found|not logged in/i.test(output)) {
    return 'sign in to Azure before starting the proxy (az login; with GitHub OIDC the federated login does this)';
  }
  if (/AuthorizationFailed|does not have authorization|listClusterUserCredential/i.test(output)) {
    return `give the identity the 'Azure Arc Enabled Kubernetes Cluster User Role' (listClusterUserCredential) on ${where}`;
  }
  if (/cluster.?connect/i.test(output) && /not enabled|disabled/i.test(output)) {
    return `enable cluster connect: az connectedk8s enable-features --features cluster-connect -n ${o.cluster} -g ${o.resourceGroup}`;
  }
  if (/ResourceNotFound|ResourceGroupNotFound|was not found|could not be found|not found/i.test(output)) {
    return `check the name and resource group: ${where} (az connectedk8s list -g ${o.resourceGroup} -o table), and that the identity can read it`;
  }
  return `run the same command by hand with --debug to see why: az connectedk8s proxy -n ${o.cluster} -g ${o.resourceGroup} --port ${o.port} --debug`;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Resolves with the probe's answer, or undefined when `wake` fires or `ms` pass first. A throwing probe retries. */
function raceProbe(p: Promise<ProbeAnswer>, ms: number, wake: AbortSignal): Promise<ProbeAnswer | undefined> {
  return new Promise((resolve) => {
    if (wake.aborted) return resolve(undefined);
    const done = (v: ProbeAnswer | undefined): void => {
      clearTimeout(timer);
      wake.removeEventListener('abort', onWake);
      resolve(v);
    };
    const onWake = (): void => done(undefined);
    const timer = setTimeout(() => done(undefined), Math.max(0, ms));
    wake.addEventListener('abort', onWake, { once: true });
    p.then(done, (e: unknown) =>
      done({
        ok: false,
        retry: true,
        problem: `probe failed: ${e instanceof Error ? e.message : String(e)}`,
      }),
    );
  });
}

export async function startArcProxy(o: ArcProxyOptions): Promise<ArcProxy> {
  const t0 = performance.now();
  const deadline = t0 + o.timeoutMs;
  const secrets = o.token ? [o.token] : [];
  const mask = (m: string): string => maskSecrets(m, secrets);
  const log: AzLog = {
    debug: (m) => o.log.debug(mask(m)),
    info: (m) => o.log.info(mask(m)),
    warn: (m) => o.log.warn(mask(m)),
  };
  const graceMs = o.graceMs ?? 3000;
  const probe = o.probe ?? probeArcCluster;
  // Overlap loading the Kubernetes client with az's start-up (not on any path that does not start a proxy).
  if (!o.probe) void loadKubeClient().catch(() => undefined);

  const args = [
    'connectedk8s',
    'proxy',
    '--name',
    o.cluster,
    '--resource-group',
    o.resourceGroup,
    '--port',
    String(o.port),
    '--file',
    o.kubeconfigPath,
    ...(o.token ? ['--token', o.token] : []),
    ...(o.subscription ? ['--subscription', o.subscription] : []),
  ];
  const before = fileStamp(o.kubeconfigPath);
  if (before) log.debug(`${o.kubeconfigPath} exists already: waiting for az to rewrite it`);
  log.info(`Starting the Arc proxy: ${describeAz(args, secrets)} (ready within ${seconds(o.timeoutMs)})`);

  let logFd: number | undefined;
  if (o.logFile) logFd = openSync(o.logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(o.az, args, {
      detached: true,
      env: o.env ?? process.env,
      stdio: logFd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
    });
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
  const tail = new MaskedTail(secrets, OUTPUT_MAX, (line) => log.debug(`az connectedk8s proxy: ${line}`));
  child.stdout?.setEncoding('utf8').on('data', (c: string) => tail.push(c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => tail.push(c));
  const output = (): string => (o.logFile ? readFileTail(o.logFile, OUTPUT_MAX, secrets) : tail.tail());

  const pid = child.pid;
  if (pid === undefined) {
    const e = await new Promise<NodeJS.ErrnoException>((r) => child.once('error', r));
    throw new ArcProxyError(spawnError(o.az, e).message, 'spawn');
  }
  child.on('error', (e) => log.debug(`az: ${e.message}`));
  o.onSpawn?.(pid);

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitWake = new AbortController();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      exitWake.abort();
      resolve(exitInfo);
    }),
  );
  let closed = o.logFile !== undefined;
  child.once('close', () => {
    closed = true;
    tail.end();
  });
  const wake = o.signal ? AbortSignal.any([exitWake.signal, o.signal]) : exitWake.signal;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const outcome = await stopGroup(pid, graceMs);
      // Streams end once every holder of the pipes is gone; then the output tail is complete.
      await pollUntil(() => closed, { timeoutMs: graceMs, maxDelayMs: 100 });
      if (outcome === 'survived') {
        log.warn(
          `Arc proxy process group ${pid} is still listed after SIGKILL (zombies under a PID 1 that does not reap them?)`,
        );
      } else {
        log.debug(`Arc proxy process group ${pid}: ${outcome}`);
      }
    })();
    return stopping;
  };

  // Stop the group first: that also lets the pipes drain, so the message quotes all of az's last words.
  const fail = async (message: () => string, reason: ArcProxyFailure): Promise<never> => {
    await stop();
    throw new ArcProxyError(mask(message()), reason, output());
  };
  const quoted = (): string => {
    const out = lastLines(output());
    return out ? `\naz output:\n${out}` : '\naz printed nothing.';
  };
  const exitedMessage = (): string => {
    const how = exitInfo?.signal ? `on signal ${exitInfo.signal}` : `with code ${exitInfo?.code}`;
    return `az connectedk8s proxy exited ${how} after ${seconds(performance.now() - t0)}, before the cluster answered.${quoted()}\nFix: ${fixForAzOutput(output(), o)}`;
  };
  const aborted = (): boolean => o.signal?.aborted === true;

  // 1. The kubeconfig: polled with backoff; az exiting or the caller aborting wakes the wait at once.
  const kubeconfigFresh = (): boolean => {
    const now = fileStamp(o.kubeconfigPath);
    return now !== undefined && now.size > 0 && now.stamp !== before?.stamp;
  };
  await pollUntil(() => exitInfo !== undefined || aborted() || kubeconfigFresh(), {
    timeoutMs: Math.max(0, deadline - performance.now()),
    initialDelayMs: 20,
    maxDelayMs: 100, // a stat() per 100 ms: cheap, and keeps detection well within a second
    signal: wake,
  });
  if (aborted()) return fail(() => 'Starting the Arc proxy was cancelled.', 'aborted');
  if (exitInfo) return fail(exitedMessage, 'exited');
  if (!kubeconfigFresh()) {
    return fail(
      () =>
        `The Arc proxy was not ready within ${seconds(o.timeoutMs)} (arc-proxy-timeout): az has not written the kubeconfig ${o.kubeconfigPath}; az was still running (process group ${pid}) and is stopped now.${quoted()}\nFix: az could not fetch the cluster's credentials in time: check the runner reaches Azure (management.azure.com and the Arc relay endpoints), or raise arc-proxy-timeout (the first run downloads the proxy binary)`,
      'timeout',
    );
  }
  log.debug(
    `kubeconfig written after ${seconds(performance.now() - t0)}: probing the cluster through the proxy`,
  );

  // 2. An API answer through the proxy: transient failures (proxy warming up, 5xx) are retried with backoff.
  let last: ProbeAnswer | undefined;
  let probes = 0;
  await pollUntil(
    async () => {
      if (exitInfo || aborted()) return true;
      const left = deadline - performance.now();
      if (left <= 0) return true;
      probes++;
      const answer = await raceProbe(
        probe(o.kubeconfigPath, { timeoutMs: Math.min(PROBE_TIMEOUT_MS, left) }),
        left,
        wake,
      );
      if (!answer) return true;
      last = answer;
      if (answer.ok || !answer.retry) return true;
      log.debug(`cluster not answering yet (probe ${probes}): ${answer.problem}`);
      return false;
    },
    {
      timeoutMs: Math.max(0, deadline - performance.now()),
      initialDelayMs: 50,
      maxDelayMs: 500,
      signal: wake,
    },
  );
  if (aborted()) return fail(() => 'Starting the Arc proxy was cancelled.', 'aborted');
  if (exitInfo) return fail(exitedMessage, 'exited');
  if (!last?.ok) {
    if (last && !last.retry) {
      const fatal = last;
      return fail(
        () =>
          `The Arc proxy started (kubeconfig ${o.kubeconfigPath}, server ${fatal.server ?? 'unknown'}) but ${fatal.problem}.${fatal.fix ? `\nFix: ${fatal.fix}` : ''}`,
        'unreachable',
      );
    }
    const lastProblem = last?.problem;
    const lastServer = last?.server;
    return fail(
      () =>
        `The Arc proxy was not ready within ${seconds(o.timeoutMs)} (arc-proxy-timeout): the kubeconfig ${o.kubeconfigPath} was written${lastServer ? ` (server ${lastServer})` : ''}, but the cluster did not answer through it: ${probes} probe(s), last: ${lastProblem ?? 'none finished'}. az was still running (process group ${pid}) and is stopped now.${quoted()}\nFix: check the cluster's Arc agents are connected (az connectedk8s show -n ${o.cluster} -g ${o.resourceGroup} --query connectivityStatus) and the clusterconnect-agent pod in namespace azure-arc, or raise arc-proxy-timeout`,
      'timeout',
    );
  }
  const answer = last;
  const sameName =
    answer.clusterName === undefined || answer.clusterName.toLowerCase() === o.cluster.toLowerCase();
  const sameGroup =
    answer.resourceGroup === undefined ||
    answer.resourceGroup.toLowerCase() === o.resourceGroup.toLowerCase();
  if (!sameName || !sameGroup) {
    return fail(
      () =>
        `The kubeconfig ${o.kubeconfigPath} points at the wrong cluster: through ${answer.server} the cluster says it is Arc cluster '${answer.clusterName}' in resource group '${answer.resourceGroup ?? '?'}' (ConfigMap azure-arc/azure-clusterconfig), but '${o.cluster}' in '${o.resourceGroup}' was asked for.\nFix: check the cluster name and resource group inputs; if another proxy for a different cluster is using port ${o.port}, stop it or choose another arc-proxy-port`,
      'wrong-cluster',
    );
  }
  if (answer.note) log.warn(`Arc proxy: ${answer.note}`);
  const readyAfterMs = performance.now() - t0;
  log.info(
    `Arc proxy ready after ${seconds(readyAfterMs)}: cluster '${answer.clusterName ?? o.cluster}' answers via ${answer.server} (kubeconfig ${o.kubeconfigPath}, process group ${pid})`,
  );

  return {
    kubeconfigPath: o.kubeconfigPath,
    pid,
    readyAfterMs,
    server: answer.server,
    output,
    exited,
    unref() {
      child.unref();
      (child.stdout as Socket | null)?.unref?.();
      (child.stderr as Socket | null)?.unref?.();
    },
    stop,
  };
}
