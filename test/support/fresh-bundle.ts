// Builds the action into a temp dir so entry-point tests run the code as it is now, not a stale dist/.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from '../../scripts/bundle.js';

export async function freshBundle(): Promise<{ dir: string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'litmus-aio-dist-'));
  await bundle(dir);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The node binary the action ships for (node24 from node_modules), not whatever is first on PATH. */
export const NODE = process.execPath;
