// Installs the helm a run pins (helm-version) on a GitHub runner: from the runner's tool cache when an earlier step
// of the job put it there, else downloaded from helm-download-url (helm's own get.helm.sh by default), checked
// against the .sha256sum published beside it before anything is unpacked, then unpacked and kept in the tool cache.
// Off a runner (no RUNNER_TOOL_CACHE and RUNNER_TEMP) there is no installer: helm comes from PATH, as before.
import { access, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../pipeline/logger.js';
import {
  DEFAULT_RETRY,
  DownloadError,
  downloadFile,
  fetchText,
  type DownloadOptions,
  type RetryPolicy,
} from './download.js';
import {
  bareVersion,
  helmArchiveDir,
  helmArchiveName,
  helmArchiveUrl,
  helmPlatform,
  parseSha256Sum,
  type HelmPlatform,
} from './helm-release.js';
import { HelmError } from './helm.js';
import type { ToolCache } from './tool-cache.js';

export interface InstallRun {
  log: Logger;
  signal: AbortSignal;
}

export interface HelmInstaller {
  /** The path of the helm binary of `version`: from the tool cache, else downloaded, verified and cached. */
  install(version: string, run: InstallRun): Promise<string>;
}

export interface HelmInstallerOptions {
  /** The run's environment: RUNNER_TOOL_CACHE and RUNNER_TEMP say this is a GitHub runner. */
  env: NodeJS.ProcessEnv;
  /** helm-download-url: where helm's release archives are, e.g. https://get.helm.sh. */
  baseUrl: string;
  /** The tool cache, loaded on first use; its own chatter goes to `log`. */
  toolCache(log: Logger): Promise<ToolCache>;
  fetch?: typeof fetch;
  retry?: RetryPolicy;
  /** This machine, as Node names it (tests pass others). */
  platform?: NodeJS.Platform;
  arch?: string;
}

/** A GitHub runner (hosted or self-hosted) sets both; the helm installer works only there. */
export const onGitHubRunner = (env: NodeJS.ProcessEnv): boolean =>
  Boolean(env['RUNNER_TOOL_CACHE'] && env['RUNNER_TEMP']);

/** The installer on a GitHub runner; undefined elsewhere (helm must then be on PATH). */
export function helmInstaller(o: HelmInstallerOptions): HelmInstaller | undefined {
  const temp = o.env['RUNNER_TEMP'];
  if (!onGitHubRunner(o.env) || !temp) return undefined;
  return {
    async install(version, run) {
      const v = bareVersion(version);
      const platform = o.platform ?? process.platform;
      const arch = o.arch ?? process.arch;
      const p = helmPlatform(platform, arch);
      if (!p)
        throw new HelmError(
          `helm publishes no build for ${platform}/${arch}, so helm-version ${v} cannot be downloaded`,
          `install helm ${v} on PATH before this step`,
        );
      const tc = await o.toolCache(run.log);
      const cached = tc.find('helm', v);
      if (cached) {
        run.log.info(`helm ${v} from the runner's tool cache (${cached})`);
        return join(cached, p.binary);
      }
      const work = await mkdtemp(join(temp, 'litmus-aio-helm-download-'));
      try {
        return await downloadAndCache({ o, tc, p, v, work }, run);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

interface Job {
  o: HelmInstallerOptions;
  tc: ToolCache;
  p: HelmPlatform;
  v: string;
  /** A private directory under RUNNER_TEMP for the archive and what it unpacks to (removed afterwards). */
  work: string;
}

/** Checksum first, then the archive (hashed as it streams): a mismatch stops before anything is unpacked. */
async function downloadAndCache(j: Job, run: InstallRun): Promise<string> {
  const name = helmArchiveName(j.v, j.p);
  const url = helmArchiveUrl(j.o.baseUrl, name);
  const d: DownloadOptions = {
    fetch: j.o.fetch ?? fetch,
    retry: j.o.retry ?? DEFAULT_RETRY,
    signal: run.signal,
    log: run.log,
  };
  const sumText = await explained(j, name, () => fetchText(`${url}.sha256sum`, d));
  const expected = parseSha256Sum(sumText, name);
  if (!expected)
    throw new HelmError(
      `${url}.sha256sum holds no SHA-256 for ${name}; nothing was installed`,
      'set helm-download-url to a server that keeps helm release files with their .sha256sum files (default https://get.helm.sh)',
    );
  run.log.info(`downloading helm ${j.v} (${j.p.os}-${j.p.arch}) from ${url}`);
  const archive = join(j.work, name);
  const got = await explained(j, name, () => downloadFile(url, archive, name, d));
  if (got.sha256 !== expected)
    throw new HelmError(
      `the helm archive ${url} has SHA-256 ${got.sha256}, but ${url}.sha256sum says ${expected}; nothing was installed`,
      "the archive was changed on the way or on the server: check that helm-download-url serves helm's own release files, then run again",
    );
  const dir = join(await j.tc.extract(archive, j.p.archive, join(j.work, 'unpacked')), helmArchiveDir(j.p));
  await access(join(dir, j.p.binary)).catch(() => {
    throw new HelmError(
      `the helm archive ${url} has no ${helmArchiveDir(j.p)}/${j.p.binary}; nothing was installed`,
      "set helm-download-url to a server that keeps helm's release archives as helm publishes them",
    );
  });
  const cached = await j.tc.cacheDir(dir, 'helm', j.v);
  run.log.info(`helm ${j.v} verified (SHA-256 ${expected}) and kept in the runner's tool cache (${cached})`);
  return join(cached, j.p.binary);
}

/** A failed download as a HelmError that says what to check. */
async function explained<T>(j: Job, name: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (!(e instanceof DownloadError)) throw e;
    const fix =
      e.status === 404
        ? `check that helm-version ${j.v} is a released helm (https://github.com/helm/helm/releases) and that helm-download-url (${j.o.baseUrl}) keeps ${name}`
        : `check that the runner reaches ${j.o.baseUrl} (or set helm-download-url to a mirror), or install helm ${j.v} on PATH before this step`;
    throw new HelmError(`helm ${j.v} could not be downloaded: ${e.message}; nothing was installed`, fix);
  }
}
