// What process a container runs besides the generic one (container-process.ts), and with which environment.
//
// A test image whose behaviour label (test-images.ts) has a program token runs that program instead: a TypeScript
// entry bundled once per process with esbuild (dependencies stay external, so the bundle is written inside the
// checkout, in .tools/kubelet-programs/, where node_modules resolves). The entry gets the same LITMUS_CONTAINER
// config, reports its ports over IPC as the generic process does, and may ask the cluster DNS (cluster-dns.ts).
//
//   litmus-edge   the Litmus Edge stand-in (../../litmus-edge/container.ts) on the container's TLS port
//
// The environment is the image config's Env overlaid by the container's `env` (plain `value`s; valueFrom is not
// modelled), as a container runtime does; PATH stays the host's (the process is a host process).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../repo-root.js';

const PROGRAMS: Record<string, string> = {
  'litmus-edge': 'test/support/litmus-edge/container.ts',
};

const built = new Map<string, Promise<string>>();

async function bundle(name: string, entry: string): Promise<string> {
  const { build } = await import('esbuild');
  const root = repoRoot();
  const out = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node22',
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]!.contents;
  const dir = join(root, '.tools', 'kubelet-programs');
  // Named by content, written then renamed: concurrent test processes never see a half-written file.
  const file = join(dir, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return file;
}

/** node arguments of the program the behaviour tokens name, or undefined for the generic container process. */
export function containerProgram(behaviour: string | undefined): Promise<string[]> | undefined {
  const name = (behaviour ?? '').split(/[\s,]+/).find((t) => t in PROGRAMS);
  if (!name) return undefined;
  let file = built.get(name);
  if (!file) {
    file = bundle(name, PROGRAMS[name]!);
    built.set(name, file);
    file.catch(() => built.delete(name));
  }
  return file.then((f) => [f]);
}

/** The container's environment: image config Env (`K=V`), then the container spec's env values. */
export function containerEnv(imageConfig: unknown, spec: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  const cfg = (imageConfig as { config?: { Env?: unknown } } | undefined)?.config;
  for (const kv of Array.isArray(cfg?.Env) ? cfg.Env : []) {
    const s = String(kv);
    const i = s.indexOf('=');
    if (i > 0) env[s.slice(0, i)] = s.slice(i + 1);
  }
  for (const e of Array.isArray(spec.env) ? spec.env : []) {
    const { name, value, valueFrom } = (e ?? {}) as { name?: unknown; value?: unknown; valueFrom?: unknown };
    if (typeof name === 'string' && valueFrom === undefined)
      env[name] = typeof value === 'string' ? value : '';
  }
  delete env.PATH;
  return env;
}
