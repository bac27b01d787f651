// Cold start: how long the bundled action takes to load and reject an invalid input, beside a bare Node
// start and beside a bundle of only @actions/core + zod doing the same rejection, measured in the same run.
// Prints figures and ratios; asserts nothing. Run: npm run bench:cold-start [-- --runs 40]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundle } from '../scripts/bundle.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;
const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'cold-start-'));
const node = process.execPath;

const actionDir = join(work, 'action');
await bundle(actionDir);
const floorDir = join(work, 'floor');
await build({
  absWorkingDir: root,
  entryPoints: { main: 'bench/floor-entry.ts' },
  outdir: floorDir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
for (const d of [actionDir, floorDir]) writeFileSync(join(d, 'package.json'), '{"type":"module"}\n');

const env = { PATH: process.env['PATH'] ?? '', INPUT_COMMAND: 'deplyo' };
const subjects = [
  { name: 'bare node -e 0', args: ['-e', '0'] },
  { name: '@actions/core + zod', args: [join(floorDir, 'main.js')] },
  { name: 'litmus-aio dist/main.js', args: [join(actionDir, 'main.js')] },
];

function once(args: string[], extra: string[] = []): { ms: number; stderr: string; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(node, [...extra, ...args], { env, encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, stderr: r.stderr, stdout: r.stdout };
}

// Sanity: both bundles really reject the input (otherwise we would time the wrong thing).
for (const s of subjects.slice(1)) {
  const out = once(s.args).stdout;
  if (!out.includes('::error')) throw new Error(`${s.name} did not reject the invalid input:\n${out}`);
}

const times = new Map(subjects.map((s) => [s.name, [] as number[]]));
for (let i = 0; i < 3; i++) for (const s of subjects) once(s.args); // warm the page cache
for (let i = 0; i < RUNS; i++) for (const s of subjects) times.get(s.name)!.push(once(s.args).ms); // interleaved
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const peakMiB = (args: string[]): number => {
  const m = /MAXRSS_KIB=(\d+)/.exec(once(args, ['--import', join(root, 'bench/rss-hook.mjs')]).stderr);
  return m ? Number(m[1]) / 1024 : NaN;
};
const size = (dir: string, entry: string): { entry: number; total: number } => {
  let total = 0;
  const walk = (d: string): void => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(d, f.name));
      else if (f.name.endsWith('.js')) total += statSync(join(d, f.name)).size;
    }
  };
  walk(dir);
  return { entry: statSync(join(dir, entry)).size, total };
};

const bare = median(times.get(subjects[0]!.name)!);
const floor = median(times.get(subjects[1]!.name)!);
console.log(
  `cold start: load the bundle and reject an invalid input (median of ${RUNS} interleaved runs, ${node})`,
);
console.log('subject                      median ms   x bare   x floor   peak RSS MiB');
for (const s of subjects) {
  const m = median(times.get(s.name)!);
  console.log(
    `${s.name.padEnd(28)} ${m.toFixed(1).padStart(9)} ${(m / bare).toFixed(2).padStart(8)} ${(m / floor).toFixed(2).padStart(9)} ${peakMiB(s.args).toFixed(1).padStart(14)}`,
  );
}
const a = size(actionDir, 'main.js');
const f = size(floorDir, 'main.js');
console.log(
  `bundle size: litmus-aio ${(a.total / 1024).toFixed(0)} KiB in all chunks (loaded lazily: stages' clients), floor ${(f.total / 1024).toFixed(0)} KiB`,
);
console.log('targets: within 1.15x of the floor, under 60 MiB peak');
rmSync(work, { recursive: true, force: true });
