// The Helm port on the real helm binary: from PATH, or on a GitHub runner the version helm-version pins from the
// tool cache (helm-locate.ts, helm-install.ts). Every run gets a private directory (mode 0700) holding HOME
// and the XDG directories (no user's repositories, caches or plugins leak in; concurrent runs do not share a
// cache), the kubeconfig (0600) and the values files (0600, they may hold secrets). The directory is registered
// with the cleanup registry at once, so the post step removes it even when this process is killed.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CleanupEntry, CleanupRegistry } from '../pipeline/cleanup.js';
import { silentLogger, type Logger } from '../pipeline/logger.js';
import { loadYaml } from '../config/yaml.js';
import { chartMetaOf, parseHistory, parseStatus, parseValues, type ChartMeta } from './helm-json.js';
import type { HelmInstaller } from './helm-install.js';
import { checkHelm, locateHelm } from './helm-locate.js';
import { runHelmProcess, type HelmRunResult } from './helm-process.js';
import { HelmError, helmErrorText, type Helm, type HelmWriteOptions } from './helm.js';

export interface OpenHelmOptions {
  /** The run's environment: PATH finds helm; proxies and Azure settings are passed on. */
  env: NodeJS.ProcessEnv;
  /** The kubeconfig (YAML or JSON text) for the run's cluster. */
  kubeconfig: string;
  cleanup: CleanupRegistry;
  /** helm-version: the exact version helm must be. */
  pinned?: string;
  /** On a GitHub runner: installs `pinned` when helm on PATH is missing or another version (helm-install.ts). */
  installer?: HelmInstaller;
  /** An explicit helm binary instead of looking on PATH. */
  binary?: string;
  /** Grace period for helm to exit after SIGINT (see helm-process.ts). */
  graceMs?: number;
  /** Where the helm in use (and a download's progress) is logged. */
  log?: Logger;
  /** Cancels a download. */
  signal?: AbortSignal;
}

/** Our environment for helm: the run's, with helm's own homes, caches and KUBECONFIG replaced by private ones. */
function helmEnv(base: NodeJS.ProcessEnv, dir: string, kubeconfig: string): NodeJS.ProcessEnv {
  const keep = new Set(['HELM_DRIVER', 'HELM_REGISTRY_CONFIG', 'HELM_MAX_HISTORY']);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (/^(HELM_|XDG_)/.test(k) && !keep.has(k)) continue;
    if (k === 'KUBECONFIG' || k === 'HOME') continue;
    env[k] = v;
  }
  // A kubeconfig whose user runs `kubelogin`/`az` finds the Azure CLI's sign-in where it always is.
  env['AZURE_CONFIG_DIR'] ??= join(base['HOME'] || homedir(), '.azure');
  return {
    ...env,
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_DATA_HOME: join(dir, 'data'),
    KUBECONFIG: kubeconfig,
  };
}

async function privateDir(env: NodeJS.ProcessEnv): Promise<string> {
  const dir = await mkdtemp(join(env['RUNNER_TEMP'] || tmpdir(), 'litmus-aio-helm-'));
  await chmod(dir, 0o700);
  await Promise.all(['home', 'config', 'cache', 'data'].map((d) => mkdir(join(dir, d), { mode: 0o700 })));
  return dir;
}

/** Prepares helm's private directory, finds helm (installing a pinned version on a runner) and checks it. */
export async function openHelm(o: OpenHelmOptions): Promise<Helm> {
  const dir = await privateDir(o.env);
  const entry: CleanupEntry = { kind: 'path', path: dir, label: 'helm private directory (kubeconfig)' };
  o.cleanup.add(entry);
  const close = async (): Promise<void> => {
    await rm(dir, { recursive: true, force: true });
    o.cleanup.remove(entry);
  };
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, o.kubeconfig, { mode: 0o600 });
    const env = helmEnv(o.env, dir, kubeconfig);
    const log = o.log ?? silentLogger;
    const located = o.binary
      ? { binary: o.binary, where: 'given' }
      : await locateHelm({
          env,
          log,
          signal: o.signal ?? new AbortController().signal,
          ...(o.pinned ? { pinned: o.pinned } : {}),
          ...(o.installer ? { installer: o.installer } : {}),
        });
    const version = await checkHelm(located, env, o.pinned);
    log.info(`helm ${version} (${located.binary})`);
    return helmCli({
      binary: located.binary,
      env,
      dir,
      kubeconfig,
      version,
      close,
      ...(o.graceMs ? { graceMs: o.graceMs } : {}),
    });
  } catch (e) {
    await close();
    throw e;
  }
}

const NOT_FOUND = /release: not found/;

interface CliParts {
  binary: string;
  env: NodeJS.ProcessEnv;
  dir: string;
  kubeconfig: string;
  version: string;
  close(): Promise<void>;
  graceMs?: number;
}

function helmCli(p: CliParts): Helm {
  let files = 0;
  const run = (args: string[], o: { signal?: AbortSignal; onLine?: (l: string) => void } = {}) =>
    runHelmProcess(p.binary, args, {
      env: p.env,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onLine ? { onLine: o.onLine } : {}),
      ...(p.graceMs ? { graceMs: p.graceMs } : {}),
    });
  /** A read that must succeed (or say "not found"). */
  const read = async (args: string[]): Promise<string | undefined> => {
    const r = await run(args);
    if (r.code === 0) return r.stdout;
    if (NOT_FOUND.test(r.stderr)) return undefined;
    throw new HelmError(
      `helm ${args.slice(0, 2).join(' ')} failed: ${helmErrorText(r)}`,
      'check that the cluster is reachable and the identity may read Secrets in the namespace (helm keeps releases there)',
    );
  };
  const write = (args: string[], o: HelmWriteOptions): Promise<HelmRunResult> =>
    run([...args, '--wait=watcher', '--timeout', `${o.timeoutS}s`], o);
  return {
    version: p.version,
    kubeconfigPath: p.kubeconfig,
    async history(release, namespace) {
      const out = await read(['history', release, '-n', namespace, '-o', 'json']);
      return out === undefined ? [] : parseHistory(out);
    },
    async status(release, namespace) {
      const out = await read(['status', release, '-n', namespace, '-o', 'json']);
      return out === undefined ? undefined : parseStatus(out);
    },
    async values(release, namespace, revision) {
      const rev = revision === undefined ? [] : ['--revision', String(revision)];
      const out = await read(['get', 'values', release, '-n', namespace, '-o', 'json', ...rev]);
      return out === undefined ? {} : parseValues(out);
    },
    async chartMeta(chart): Promise<ChartMeta> {
      const r = await run(['show', 'chart', chart]);
      const meta = r.code === 0 ? chartMetaOf((await loadYaml()).parse(r.stdout)) : undefined;
      if (!meta)
        throw new HelmError(
          `the chart ${chart} cannot be read: ${r.code === 0 ? 'its Chart.yaml has no name or version' : helmErrorText(r)}`,
          'set chart to a chart directory, a packaged .tgz or an oci:// reference (or leave it empty for the chart shipped with this tool)',
        );
      return meta;
    },
    async upgradeInstall(o) {
      const file = join(p.dir, `values-${++files}.json`);
      // JSON is YAML: helm reads exactly these types back (no YAML coercion of strings like "on" or "1.0").
      await writeFile(file, JSON.stringify(o.values), { mode: 0o600 });
      try {
        return await write(['upgrade', '--install', o.release, o.chart, '-n', o.namespace, '-f', file], o);
      } finally {
        await rm(file, { force: true });
      }
    },
    rollback: (release, namespace, revision, o) =>
      write(['rollback', release, String(revision), '-n', namespace], o),
    uninstall: (release, namespace, o) => write(['uninstall', release, '-n', namespace], o),
    close: p.close,
  };
}
