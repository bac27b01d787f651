// The Helm port on the real helm binary from PATH. Every run gets a private directory (mode 0700) holding HOME
// and the XDG directories (no user's repositories, caches or plugins leak in; concurrent runs do not share a
// cache), the kubeconfig (0600) and the values files (0600, they may hold secrets). The directory is registered
// with the cleanup registry at once, so the post step removes it even when this process is killed.
import { accessSync, constants } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { CleanupEntry, CleanupRegistry } from '../pipeline/cleanup.js';
import { loadYaml } from '../config/yaml.js';
import { chartMetaOf, parseHistory, parseStatus, parseValues, type ChartMeta } from './helm-json.js';
import { runHelmProcess, type HelmRunResult } from './helm-process.js';
import { helmVersionProblem, MINIMUM_HELM, parseHelmVersion } from './helm-version.js';
import { HelmError, helmErrorText, type Helm, type HelmWriteOptions } from './helm.js';

export interface OpenHelmOptions {
  /** The run's environment: PATH finds helm; proxies and Azure settings are passed on. */
  env: NodeJS.ProcessEnv;
  /** The kubeconfig (YAML or JSON text) for the run's cluster. */
  kubeconfig: string;
  cleanup: CleanupRegistry;
  /** helm-version: the exact version helm on PATH must be. */
  pinned?: string;
  /** An explicit helm binary instead of looking on PATH. */
  binary?: string;
  /** Grace period for helm to exit after SIGINT (see helm-process.ts). */
  graceMs?: number;
}

const INSTALL_FIX = `install helm ${MINIMUM_HELM.text.slice(1)} or newer on PATH before this step (in a workflow: azure/setup-helm with version: v4.1.4; elsewhere https://helm.sh/docs/intro/install/)`;

export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
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

/** Finds and checks helm, prepares its private directory; close() removes it. */
export async function openHelm(o: OpenHelmOptions): Promise<Helm> {
  const binary = o.binary ?? findOnPath('helm', o.env['PATH']);
  if (!binary) throw new HelmError('helm was not found on PATH', INSTALL_FIX);
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
    const version = await checkVersion(binary, env, o.pinned);
    return helmCli({
      binary,
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

async function checkVersion(binary: string, env: NodeJS.ProcessEnv, pinned?: string): Promise<string> {
  const r = await runHelmProcess(binary, ['version', '--template', '{{.Version}}'], { env });
  const found = r.code === 0 ? parseHelmVersion(r.stdout) : undefined;
  if (!found)
    throw new HelmError(
      `${binary} did not report a version (${r.code === 0 ? r.stdout.trim().slice(0, 60) : helmErrorText(r)})`,
      INSTALL_FIX,
    );
  const problem = helmVersionProblem(found, pinned);
  if (problem)
    throw new HelmError(
      `${problem} (${binary})`,
      pinned ? `install helm ${pinned} on PATH, or change helm-version` : INSTALL_FIX,
    );
  return found.text;
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
