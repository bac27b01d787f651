// Where the official Azure OpenAPI specs live. They are data beside the repository, not in it: locally
// /work/shared/specs, in CI a fresh clone with `shared/` copied next to it. So the default is resolved from the
// repository root (`<repo>/../shared/specs`), never from an absolute path.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Environment variable that overrides the default location. */
export const SPECS_DIR_ENV = 'ARM_STAND_IN_SPECS_DIR';

/** The repository root (this file is test/support/arm/specs.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function defaultSpecsDir(): string {
  return resolve(REPO_ROOT, '..', 'shared', 'specs');
}

export class SpecsNotFoundError extends Error {
  constructor(
    readonly expectedPath: string,
    detail: string,
  ) {
    super(
      `ARM stand-in: the Azure OpenAPI specs folder was not found at ${expectedPath} (${detail}). ` +
        'It must hold specification/<service>/resource-manager/... as in Azure/azure-rest-api-specs. ' +
        `Copy the shared/ folder beside the repository (so <repo>/../shared/specs exists), set ${SPECS_DIR_ENV}, ` +
        'or pass specsDir.',
    );
    this.name = 'SpecsNotFoundError';
  }
}

/** Resolves and checks the specs root; throws SpecsNotFoundError naming the path when it is unusable. */
export function resolveSpecsDir(specsDir?: string): string {
  const dir = resolve(specsDir ?? process.env[SPECS_DIR_ENV] ?? defaultSpecsDir());
  if (!existsSync(dir)) throw new SpecsNotFoundError(dir, 'no such directory');
  if (!statSync(dir).isDirectory()) throw new SpecsNotFoundError(dir, 'not a directory');
  const specification = join(dir, 'specification');
  if (!existsSync(specification) || readdirSync(specification).length === 0) {
    throw new SpecsNotFoundError(dir, 'it has no specification/ subfolder with specs');
  }
  return dir;
}
