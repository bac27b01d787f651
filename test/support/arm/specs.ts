// Where the official Azure OpenAPI specs live: vendored in the repository at test/contracts/azure (upstream layout of
// Azure/azure-rest-api-specs under specification/, so relative `$ref`s resolve; provenance and hashes in
// test/contracts/azure/manifest.json, checked by `npm run specs:check`). The default is resolved from the
// repository root, never from an absolute path; ARM_STAND_IN_SPECS_DIR or `specsDir` points elsewhere.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../repo-root.js';

/** Environment variable that overrides the default location. */
export const SPECS_DIR_ENV = 'ARM_STAND_IN_SPECS_DIR';

/** The repository root, with a trailing slash (found by test/support/repo-root.ts, so it also works bundled). */
export const REPO_ROOT = `${repoRoot()}/`;

/** `<repo>/test/contracts/azure`: the vendored specs (it holds specification/). */
export function defaultSpecsDir(): string {
  return join(repoRoot(), 'test', 'contracts', 'azure');
}

export class SpecsNotFoundError extends Error {
  constructor(
    readonly expectedPath: string,
    detail: string,
  ) {
    super(
      `ARM stand-in: the Azure OpenAPI specs folder was not found at ${expectedPath} (${detail}). ` +
        'It must hold specification/<service>/resource-manager/... as in Azure/azure-rest-api-specs. ' +
        'The repository vendors them in test/contracts/azure (run `npm run specs:check` to verify that copy); ' +
        `unset ${SPECS_DIR_ENV} to use it, set ${SPECS_DIR_ENV} to another specs folder, or pass specsDir.`,
    );
    this.name = 'SpecsNotFoundError';
  }
}

/** Resolves and checks the specs root; throws SpecsNotFoundError naming the path when it is unusable. */
export function resolveSpecsDir(specsDir?: string): string {
  const fromEnv = process.env[SPECS_DIR_ENV];
  const dir = resolve(specsDir ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : defaultSpecsDir()));
  if (!existsSync(dir)) throw new SpecsNotFoundError(dir, 'no such directory');
  if (!statSync(dir).isDirectory()) throw new SpecsNotFoundError(dir, 'not a directory');
  const specification = join(dir, 'specification');
  if (!existsSync(specification) || readdirSync(specification).length === 0) {
    throw new SpecsNotFoundError(dir, 'it has no specification/ subfolder with specs');
  }
  return dir;
}
