// Where the chart shipped with this tool lives: `charts/litmusedge` at the root of the action (or CLI) checkout.
// The root is found by walking up from this module to the package.json named "litmus-aio-action": that works from
// the source tree (tests), from dist/*.js and from dist/chunks/*.js alike, wherever the action is checked out.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'litmus-aio-action';

function isPackageRoot(dir: string): boolean {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** The first directory at or above `start` holding our package.json; undefined when there is none. */
export function findPackageRoot(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (isPackageRoot(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The shipped chart directory (absolute). Throws when this copy of the tool has none. */
export function shippedChartDir(from = dirname(fileURLToPath(import.meta.url))): string {
  const root = findPackageRoot(from);
  const chart = root ? join(root, 'charts', 'litmusedge') : undefined;
  if (!chart || !existsSync(join(chart, 'Chart.yaml')))
    throw new Error(
      `the chart shipped with litmus-aio-action was not found (looked for charts/litmusedge/Chart.yaml above ${from}). Fix: use a complete checkout of the action, or set chart to a chart directory or oci:// reference`,
    );
  return chart;
}
