// A bench's measured child: `contents` (TypeScript importing from the repo) bundled on its own with esbuild, as
// scripts/run-ts.ts does, so the child loads only what it measures, not the bench's peers and their dependencies.
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

/** Bundles `contents` to .tools/run-ts/<name>.mjs and returns that path. */
export async function bundleChild(name: string, contents: string): Promise<string> {
  const root = dirname(dirname(process.argv[1] ?? '')); // run-ts hands the script its own path: <root>/bench/x.ts
  const outfile = join(root, '.tools', 'run-ts', `${name}.mjs`);
  await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: `${name}.ts` },
    outfile,
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node24',
    logLevel: 'warning',
  });
  return outfile;
}
