// Finding and running the real kubectl and helm against the stand-in.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { repoRoot } from '../repo-root.js';

/** <repo>/.tools/bin, where scripts/install-test-tools.sh puts helm (and kubectl when apt has none). */
function toolsBin(): string {
  return join(repoRoot(), '.tools', 'bin');
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function find(name: string, toolsFirst: boolean): string {
  const onPath = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, name));
  const candidates = toolsFirst ? [join(toolsBin(), name), ...onPath] : [...onPath, join(toolsBin(), name)];
  const found = candidates.find(executable);
  if (!found) {
    throw new Error(
      `${name} not found in .tools/bin or on PATH: run scripts/install-test-tools.sh to install the test tools`,
    );
  }
  return found;
}

/** helm v4: <repo>/.tools/bin/helm first, then PATH. Throws naming scripts/install-test-tools.sh when missing. */
export function helmPath(): string {
  return find('helm', true);
}

/** kubectl: PATH first (Debian's /usr/bin/kubectl), then <repo>/.tools/bin/kubectl. */
export function kubectlPath(): string {
  return find('kubectl', false);
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * An environment for kubectl/helm that keeps their caches and config out of the real home directory: HOME (and
 * so ~/.kube/cache, helm's XDG directories) points into `home`.
 */
export function toolEnv(
  home: string,
  kubeconfig: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, KUBECONFIG: kubeconfig, ...extra };
  return env;
}

/** Runs a tool to completion; never throws on a non-zero exit. */
export function runTool(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { input?: string; timeoutMs?: number } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A child that exits before reading its stdin must not crash the test process with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
