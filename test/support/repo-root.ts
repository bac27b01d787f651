// The repository root, found by walking up from this module to the package.json named "litmus-aio-action". A fixed
// number of '../' from import.meta.url is wrong once scripts/run-ts.ts bundles a file into .tools/run-ts/*.mjs; the
// walk works from the source tree and from a bundle alike. Only node: imports, so plain `node` can run it too.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The "name" in the repository's package.json. */
export const PACKAGE_NAME = 'litmus-aio-action';

let cached: string | undefined;

function isRepoRoot(dir: string): boolean {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/**
 * The first directory at or above `start` holding a package.json named "litmus-aio-action" (no trailing slash).
 * Throws naming `start` when there is none.
 */
export function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (isRepoRoot(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) {
      throw new Error(
        `repository root not found: no package.json named "${PACKAGE_NAME}" at or above ${start}`,
      );
    }
    dir = up;
  }
}

/** The repository root (absolute, no trailing slash), from this module's location; computed once. */
export function repoRoot(): string {
  cached ??= findRepoRoot(dirname(fileURLToPath(import.meta.url)));
  return cached;
}
