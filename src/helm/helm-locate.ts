// Which helm binary a run uses, and whether it may: helm from PATH; or, when helm-version pins a version that PATH
// does not have and the run is on a GitHub runner (an installer is given), that version from the installer.
// The version check itself (>= 4.1.2, exactly the pinned one) runs on whichever binary this picks.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Logger } from '../pipeline/logger.js';
import type { HelmInstaller } from './helm-install.js';
import { runHelmProcess } from './helm-process.js';
import { helmArchiveName, helmArchiveUrl, helmPlatform } from './helm-release.js';
import {
  compareVersions,
  helmVersionProblem,
  MINIMUM_HELM,
  parseHelmVersion,
  type HelmVersion,
} from './helm-version.js';
import { HelmError, helmErrorText } from './helm.js';

export const INSTALL_FIX = `install helm ${MINIMUM_HELM.text.slice(1)} or newer on PATH before this step (in a workflow: azure/setup-helm with version: v4.1.4; elsewhere https://helm.sh/docs/intro/install/)`;

/** How to get exactly `pinned` where this tool cannot download it (outside GitHub Actions). */
export function pinnedInstallFix(pinned: string): string {
  const p = helmPlatform(process.platform, process.arch);
  const archive = p ? `, or unpack ${helmArchiveUrl('https://get.helm.sh', helmArchiveName(pinned, p))}` : '';
  return `install helm ${pinned} on PATH (https://helm.sh/docs/intro/install/${archive}), or change helm-version; on a GitHub runner this tool downloads it itself`;
}

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

const INSTALLED = 'from the tool cache';

export interface LocatedHelm {
  binary: string;
  /** For messages: "on PATH" or "from the tool cache". */
  where: string;
}

export interface LocateHelmOptions {
  /** helm's environment (PATH finds it). */
  env: NodeJS.ProcessEnv;
  pinned?: string;
  /** Present on a GitHub runner: installs `pinned` when PATH lacks it. */
  installer?: HelmInstaller;
  log: Logger;
  signal: AbortSignal;
}

/** The version a helm binary reports; undefined when it reports none it can run. */
async function reportedVersion(binary: string, env: NodeJS.ProcessEnv): Promise<HelmVersion | undefined> {
  const r = await runHelmProcess(binary, ['version', '--template', '{{.Version}}'], { env }).catch(
    () => undefined,
  );
  return r?.code === 0 ? parseHelmVersion(r.stdout) : undefined;
}

export async function locateHelm(o: LocateHelmOptions): Promise<LocatedHelm> {
  const onPath = findOnPath('helm', o.env['PATH']);
  const want = o.pinned ? parseHelmVersion(o.pinned) : undefined;
  if (!o.pinned || !want || !o.installer) {
    if (!onPath)
      throw new HelmError('helm was not found on PATH', o.pinned ? pinnedInstallFix(o.pinned) : INSTALL_FIX);
    return { binary: onPath, where: 'on PATH' };
  }
  const found = onPath ? await reportedVersion(onPath, o.env) : undefined;
  if (onPath && found && compareVersions(found, want) === 0) return { binary: onPath, where: 'on PATH' };
  o.log.info(
    `${onPath ? `helm on PATH is ${found?.text ?? 'not usable'}` : 'no helm on PATH'}, helm-version asks for ${o.pinned}: installing it`,
  );
  return { binary: await o.installer.install(o.pinned, o), where: INSTALLED };
}

function versionFix(h: LocatedHelm, pinned?: string): string {
  if (h.where === INSTALLED)
    return "check that helm-download-url serves helm's own release files, or install the helm you need on PATH";
  return pinned ? pinnedInstallFix(pinned) : INSTALL_FIX;
}

/** Checks the binary's version: the version in use (e.g. v4.1.4), or a HelmError saying what to do. */
export async function checkHelm(h: LocatedHelm, env: NodeJS.ProcessEnv, pinned?: string): Promise<string> {
  const r = await runHelmProcess(h.binary, ['version', '--template', '{{.Version}}'], { env });
  const found = r.code === 0 ? parseHelmVersion(r.stdout) : undefined;
  if (!found)
    throw new HelmError(
      `${h.binary} did not report a version (${r.code === 0 ? r.stdout.trim().slice(0, 60) : helmErrorText(r)})`,
      versionFix(h, pinned),
    );
  const problem = helmVersionProblem(found, pinned, h.where);
  if (problem) throw new HelmError(`${problem} (${h.binary})`, versionFix(h, pinned));
  return found.text;
}
