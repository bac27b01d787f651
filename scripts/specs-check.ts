// Checks the vendored OpenAPI specs (test/contracts/azure, and the GitHub subset in test/contracts/github) against
// their manifests: every listed file exists with the listed sha256, and no unlisted file sits under specification/.
// `node scripts/specs-check.ts [dir]` (npm run specs:check) prints a one-line summary; exit 1 names each mismatch.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../test/support/repo-root.ts';

export interface ManifestEntry {
  /** Relative to the contracts folder (test/contracts/azure), '/'-separated. */
  path: string;
  repository: string;
  upstreamPath: string;
  commit: string;
  license: string;
  sha256: string;
  note?: string;
}

export interface SpecsManifest {
  description?: string;
  files: ManifestEntry[];
}

export interface SpecsCheckResult {
  /** Entries in the manifest. */
  listed: number;
  /** Listed files present with the right sha256. */
  verified: number;
  /** One line per problem: missing, sha256 mismatch, unlisted, malformed entry. */
  problems: string[];
}

/** `<repo>/test/contracts/azure`. */
export function defaultContractsDir(): string {
  return join(repoRoot(), 'test', 'contracts', 'azure');
}

/** `<repo>/test/contracts/github`: the subset of GitHub's REST API description (same manifest format). */
export function githubContractsDir(): string {
  return join(repoRoot(), 'test', 'contracts', 'github');
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => f.split(sep).join('/'));
}

function entryProblem(e: Partial<ManifestEntry>, i: number): string | undefined {
  const where = `manifest entry ${i}${typeof e.path === 'string' ? ` (${e.path})` : ''}`;
  if (
    typeof e.path !== 'string' ||
    !e.path.startsWith('specification/') ||
    e.path.split('/').includes('..')
  ) {
    return `${where}: path must be a relative path under specification/`;
  }
  for (const key of ['repository', 'upstreamPath', 'commit', 'license'] as const) {
    if (typeof e[key] !== 'string' || e[key] === '') return `${where}: missing ${key}`;
  }
  if (!/^[0-9a-f]{40}$/.test(e.commit!)) return `${where}: commit must be 40 hex digits`;
  if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) {
    return `${where}: sha256 must be 64 lowercase hex digits`;
  }
  return undefined;
}

/** Verifies `<dir>/manifest.json` against `<dir>/specification`; never throws for a bad tree, it reports. */
export function checkSpecsManifest(dir: string = defaultContractsDir()): SpecsCheckResult {
  const manifestFile = join(dir, 'manifest.json');
  let manifest: SpecsManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as SpecsManifest;
  } catch (e) {
    return { listed: 0, verified: 0, problems: [`${manifestFile}: unreadable (${(e as Error).message})`] };
  }
  if (!Array.isArray(manifest.files)) {
    return { listed: 0, verified: 0, problems: [`${manifestFile}: no "files" array`] };
  }
  const problems: string[] = [];
  const listed = new Set<string>();
  let verified = 0;
  manifest.files.forEach((entry, i) => {
    const bad = entryProblem(entry, i);
    if (bad !== undefined) {
      problems.push(bad);
      if (typeof entry.path !== 'string') return;
    }
    if (listed.has(entry.path)) problems.push(`listed twice: ${entry.path}`);
    listed.add(entry.path);
    if (bad !== undefined) return;
    const file = join(dir, ...entry.path.split('/'));
    if (!existsSync(file) || !statSync(file).isFile()) {
      problems.push(`missing: ${entry.path}`);
      return;
    }
    const actual = sha256(file);
    if (actual !== entry.sha256) {
      problems.push(`sha256 mismatch: ${entry.path} (manifest ${entry.sha256}, file ${actual})`);
      return;
    }
    verified++;
  });
  for (const f of filesUnder(join(dir, 'specification'))) {
    const path = `specification/${f}`;
    if (!listed.has(path)) problems.push(`unlisted: ${path}`);
  }
  return { listed: manifest.files.length, verified, problems };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Without an argument: the Azure specs and the GitHub description subset (test/contracts/github).
  const dirs = process.argv[2] ? [process.argv[2]] : [defaultContractsDir(), githubContractsDir()];
  for (const dir of dirs) {
    const { listed, verified, problems } = checkSpecsManifest(dir);
    const where = relative(process.cwd(), dir) || '.';
    if (problems.length === 0) {
      console.log(`specs:check: ${verified}/${listed} vendored spec files in ${where} match manifest.json`);
    } else {
      for (const p of problems) console.error(`specs:check: ${p}`);
      console.error(
        `specs:check: FAILED: ${problems.length} problem(s); ${verified}/${listed} files verified in ${where}`,
      );
      process.exitCode = 1;
    }
  }
}
