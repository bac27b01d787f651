// skopeo, the real OCI client of the sandbox, run with its own signature policy (accept anything: the test images
// are unsigned) and its own auth file, so it neither needs nor touches /etc/containers/policy.json or ~/.docker.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './child.js';
import type { RunResult } from './child.js';
import { findTool } from './tools.js';

export interface Skopeo {
  /** Runs `skopeo --policy <own policy> <args>`; resolves with its output whatever the exit code. */
  run(args: string[], opts?: { timeoutMs?: number }): Promise<RunResult>;
  /** Like run, but throws (with skopeo's stderr) unless it exits 0. */
  ok(args: string[], opts?: { timeoutMs?: number }): Promise<RunResult>;
  /** `skopeo inspect` of a docker:// reference: the parsed JSON (Digest, Name, Layers, …). */
  inspect(
    reference: string,
    creds: string,
    certDir: string,
  ): Promise<{ Digest: string; [k: string]: unknown }>;
  dispose(): Promise<void>;
}

export async function createSkopeo(): Promise<Skopeo> {
  const binary = findTool('skopeo');
  const dir = await mkdtemp(join(tmpdir(), 'litmus-skopeo-'));
  const policy = join(dir, 'policy.json');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  const env = { ...process.env, REGISTRY_AUTH_FILE: join(dir, 'auth.json'), TMPDIR: dir };
  const run = (args: string[], o: { timeoutMs?: number } = {}) =>
    runCommand(binary, ['--policy', policy, ...args], { env, timeoutMs: o.timeoutMs ?? 60_000 });
  const ok = async (args: string[], o: { timeoutMs?: number } = {}) => {
    const r = await run(args, o);
    if (r.code !== 0) throw new Error(`skopeo ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r;
  };
  return {
    run,
    ok,
    async inspect(reference, creds, certDir) {
      const r = await ok(['inspect', '--creds', creds, '--cert-dir', certDir, reference]);
      return JSON.parse(r.stdout) as { Digest: string };
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
