// The CA keys on the runner (ca-key-dir). Never changes the mode of a directory that exists; refuses one other
// users can write to or that is not ours; writes each key to a fresh temp file (O_EXCL, O_NOFOLLOW, 0600) and
// renames it into place, so a symlink is replaced, never followed. New keys arrive under `<file>.new` and are
// promoted (renamed over the old) only after the Secret that names their certificates is committed.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { caKeyDirPathProblem } from '../../config/ca-key-dir-path.js';

export const CA_KEY_FILES = { root: 'root-ca.key', intermediate: 'intermediate-ca.key' } as const;
export type CaKeyKind = keyof typeof CA_KEY_FILES;
export const NEW_SUFFIX = '.new';

export interface CaKeys {
  rootKey?: string;
  intermediateKey?: string;
}

/** What a key directory holds: the committed key files and any `.new` ones a crashed run left. */
export interface KeyDirState {
  /** As the input gave it, for messages. */
  dir: string;
  exists: boolean;
  current: Partial<Record<CaKeyKind, string>>;
  pending: Partial<Record<CaKeyKind, string>>;
  /** Why the directory cannot be used (then nothing else is filled in). */
  problem?: string;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new Error(`cannot read CA key ${path}: ${(e as Error).message}`, { cause: e });
  }
}

const uid = (): number | undefined => (typeof process.getuid === 'function' ? process.getuid() : undefined);

/** Why an existing directory must not hold CA keys (pure on its stat and the path). */
export function keyDirProblem(
  dir: string,
  real: string,
  s: { isDirectory(): boolean; mode: number; uid: number },
  me: number | undefined,
): string | undefined {
  const where = `ca-key-dir ${dir}${real !== dir ? ` (${real})` : ''}`;
  const pathProblem = caKeyDirPathProblem(real, homedir());
  if (pathProblem) return `${where}: ${pathProblem}`;
  if (!s.isDirectory()) return `${where} is not a directory. Fix: point ca-key-dir at a directory`;
  if (me !== undefined && s.uid !== me) {
    return `${where} is owned by uid ${s.uid}, not by this user (uid ${me}): its owner could read or replace the CA keys. Fix: use a directory you own (e.g. \${{ runner.temp }}/litmus-ca), or chown ${me} ${real}`;
  }
  if ((s.mode & 0o022) !== 0) {
    return `${where} is writable by other users (mode ${(s.mode & 0o7777).toString(8)}): anyone on this machine could replace the CA keys. Fix: chmod 700 ${real} (this tool never changes the mode of an existing directory), or use a private directory such as \${{ runner.temp }}/litmus-ca`;
  }
  return undefined;
}

/** Reads the directory (following a symlinked directory to check what it really is); writes nothing. */
export async function inspectKeyDir(dir: string): Promise<KeyDirState> {
  const state: KeyDirState = { dir, exists: false, current: {}, pending: {} };
  try {
    await lstat(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return state;
    throw e;
  }
  const real = await realpath(dir);
  const problem = keyDirProblem(dir, real, await stat(real), uid());
  if (problem) return { ...state, exists: true, problem };
  state.exists = true;
  for (const kind of ['root', 'intermediate'] as const) {
    const [cur, next] = await Promise.all([
      readIfPresent(join(real, CA_KEY_FILES[kind])),
      readIfPresent(join(real, CA_KEY_FILES[kind] + NEW_SUFFIX)),
    ]);
    if (cur !== undefined) state.current[kind] = cur;
    if (next !== undefined) state.pending[kind] = next;
  }
  return state;
}

/** The directory, created 0700 only when missing (never chmod-ed), and checked again. Returns its real path. */
async function ensureKeyDir(dir: string): Promise<string> {
  try {
    await lstat(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  const real = await realpath(dir);
  const problem = keyDirProblem(dir, real, await stat(real), uid());
  if (problem) throw new Error(problem);
  return real;
}

async function syncDir(real: string): Promise<void> {
  try {
    const h = await open(real, constants.O_RDONLY);
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Not every platform can fsync a directory; the rename itself is still atomic.
  }
}

/** Writes `<file>.new` via a temp file: O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, fsync, rename. */
export async function writePendingKey(dir: string, kind: CaKeyKind, pem: string): Promise<void> {
  const real = await ensureKeyDir(dir);
  const tmp = join(real, `.${CA_KEY_FILES[kind]}.${randomBytes(6).toString('hex')}.tmp`);
  const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0);
  const h = await open(tmp, flags, 0o600);
  try {
    await h.writeFile(pem, 'utf8');
    await h.sync();
  } finally {
    await h.close();
  }
  try {
    await rename(tmp, join(real, CA_KEY_FILES[kind] + NEW_SUFFIX));
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDir(real);
}

/** Renames `<file>.new` over `<file>` (atomic; a symlink at `<file>` is replaced, not followed). */
export async function promotePendingKey(dir: string, kind: CaKeyKind): Promise<void> {
  const real = await ensureKeyDir(dir);
  await rename(join(real, CA_KEY_FILES[kind] + NEW_SUFFIX), join(real, CA_KEY_FILES[kind]));
  await syncDir(real);
}

/** Removes a `<file>.new` no committed certificate names (a run stopped before its commit). */
export async function removePendingKey(dir: string, kind: CaKeyKind): Promise<void> {
  const real = await ensureKeyDir(dir);
  await unlink(join(real, CA_KEY_FILES[kind] + NEW_SUFFIX)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
