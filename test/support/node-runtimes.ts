// The Node.js runtimes the CLI is tested on, installed by scripts/install-node-runtimes.sh (npm run setup):
// the minimum package.json declares for the CLI, and an older one the CLI must refuse. The action's runtime
// (node24) is the one vitest itself runs on: process.execPath.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';

const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';

function runtime(slot: 'min' | 'old'): string {
  const bin = join(repoRoot(), '.tools', 'node', slot, 'node_modules', `node-linux-${ARCH}`, 'bin', 'node');
  if (!existsSync(bin)) {
    throw new Error(
      `Node.js runtime '${slot}' is not installed at ${bin}: run npm run setup (scripts/install-node-runtimes.sh)`,
    );
  }
  return bin;
}

/** The minimum Node.js the CLI declares in package.json `engines`. */
export const minNode = (): string => runtime('min');
/** A Node.js older than the minimum (20.x), on which the CLI must exit 2 with a clear sentence. */
export const oldNode = (): string => runtime('old');
