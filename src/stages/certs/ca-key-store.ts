// Where the CA private keys live: in the cluster Secret (default) or in a directory on the runner.
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';

export const CA_KEY_FILES = { root: 'root-ca.key', intermediate: 'intermediate-ca.key' } as const;

export interface CaKeys {
  rootKey?: string;
  intermediateKey?: string;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read CA key ${path}: ${(e as Error).message}`, { cause: e });
  }
}

export async function readCaKeyDir(dir: string): Promise<CaKeys> {
  const [rootKey, intermediateKey] = await Promise.all([
    readIfPresent(join(dir, CA_KEY_FILES.root)),
    readIfPresent(join(dir, CA_KEY_FILES.intermediate)),
  ]);
  return { ...(rootKey ? { rootKey } : {}), ...(intermediateKey ? { intermediateKey } : {}) };
}

/** Owner-only: the directory 0700, the key files 0600. */
export async function writeCaKeyDir(dir: string, keys: Required<CaKeys>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  for (const [file, pem] of [
    [CA_KEY_FILES.root, keys.rootKey],
    [CA_KEY_FILES.intermediate, keys.intermediateKey],
  ] as const) {
    await writeFile(join(dir, file), pem, { mode: 0o600 });
    await chmod(join(dir, file), 0o600);
  }
}
