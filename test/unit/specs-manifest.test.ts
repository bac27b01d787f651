// The vendored Azure OpenAPI specs (test/contracts/azure) match their manifest, and the check catches a tampered
// file, an unlisted file and a missing file.
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { checkSpecsManifest, defaultContractsDir } from '../../scripts/specs-check.js';
import type { SpecsManifest } from '../../scripts/specs-check.js';
import { defaultSpecsDir } from '../support/arm/specs.js';
import { findRepoRoot, repoRoot } from '../support/repo-root.js';

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

function tempCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'specs-manifest-'));
  temps.push(dir);
  cpSync(defaultContractsDir(), dir, { recursive: true });
  return dir;
}

function manifestOf(dir: string): SpecsManifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as SpecsManifest;
}

describe('vendored Azure specs manifest', () => {
  test('the real tree matches: every file listed, hashed and from Azure/azure-rest-api-specs under MIT', () => {
    const result = checkSpecsManifest();
    expect(result.problems).toEqual([]);
    expect(result.listed).toBeGreaterThan(0);
    expect(result.verified).toBe(result.listed);
    const manifest = manifestOf(defaultContractsDir());
    for (const f of manifest.files) {
      expect(f.repository).toBe('Azure/azure-rest-api-specs');
      expect(f.license).toBe('MIT');
      expect(f.upstreamPath).toMatch(/^specification\//);
    }
    // The stand-in's default specs folder is this vendored copy.
    expect(defaultSpecsDir()).toBe(defaultContractsDir());
  });

  test('detects a tampered file', () => {
    const dir = tempCopy();
    const victim = manifestOf(dir).files[0]!.path;
    appendFileSync(join(dir, victim), ' ');
    const result = checkSpecsManifest(dir);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(new RegExp(`^sha256 mismatch: ${victim.replace(/\./g, '\\.')} `));
    expect(result.verified).toBe(result.listed - 1);
  });

  test('detects an unlisted file and a missing one', () => {
    const dir = tempCopy();
    const manifest = manifestOf(dir);
    writeFileSync(join(dir, 'specification', 'common-types', 'extra.json'), '{}\n');
    const gone = manifest.files[1]!.path;
    unlinkSync(join(dir, gone));
    const result = checkSpecsManifest(dir);
    expect(result.problems.sort()).toEqual([
      `missing: ${gone}`,
      'unlisted: specification/common-types/extra.json',
    ]);
  });

  test('reports a malformed entry instead of throwing', () => {
    const dir = tempCopy();
    const manifest = manifestOf(dir);
    manifest.files[0]!.sha256 = 'nope';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    expect(checkSpecsManifest(dir).problems).toEqual([
      `manifest entry 0 (${manifest.files[0]!.path}): sha256 must be 64 lowercase hex digits`,
    ]);
  });
});

describe('repoRoot', () => {
  test('is the folder of the package.json named litmus-aio-action', () => {
    const root = repoRoot();
    expect((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name).toBe(
      'litmus-aio-action',
    );
    expect(findRepoRoot(join(root, 'test', 'support', 'arm'))).toBe(root);
    expect(findRepoRoot(join(root, '.tools', 'run-ts'))).toBe(root);
  });

  test('throws a clear error when there is no such package.json above', () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-repo-'));
    temps.push(dir);
    expect(() => findRepoRoot(dir)).toThrow(
      /repository root not found: no package.json named "litmus-aio-action"/,
    );
  });
});
