// Runs a TypeScript file that uses the project's NodeNext-style '.js' imports (which Node's own type stripping
// cannot resolve): bundles it with esbuild into .tools/run-ts/ (dependencies stay external) and imports it.
// Usage: node scripts/run-ts.ts bench/pki.ts [args...]
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run-ts.ts <file.ts> [args...]');
  process.exit(2);
}
const outdir = join(root, '.tools', 'run-ts');
mkdirSync(outdir, { recursive: true });
const outfile = join(outdir, `${basename(entry, '.ts')}.mjs`);
await build({
  entryPoints: [resolve(entry)],
  outfile,
  bundle: true,
  packages: 'external',
  format: 'esm',
  platform: 'node',
  target: 'node24',
  logLevel: 'warning',
});
process.argv.splice(1, 2, resolve(entry)); // the script sees its own path and its own arguments
await import(pathToFileURL(outfile).href);
