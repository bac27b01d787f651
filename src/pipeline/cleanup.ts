// Whatever a stage starts (a child process, a temp file) is registered here, persisted at once, and undone
// by the post step even when the main step failed or was cancelled.

export type CleanupEntry =
  | { kind: 'path'; path: string; label: string }
  /** A detached child started in its own process group: the post step signals -pid. */
  | { kind: 'process-group'; pid: number; label: string }
  /** A deploy lock (Lease) this run holds, freed here if the run could not free it itself (it was killed). */
  | { kind: 'lease'; namespace: string; name: string; identity: string; kubeconfig: string; label: string };

export interface CleanupRegistry {
  add(entry: CleanupEntry): void;
  /** Remove an entry the stage already cleaned up itself. */
  remove(entry: CleanupEntry): void;
  entries(): readonly CleanupEntry[];
}

/** Where the registry is persisted between main and post (GitHub: core.saveState; CLI: memory). */
export interface StateStore {
  save(key: string, value: string): void;
  load(key: string): string;
}

export const CLEANUP_STATE_KEY = 'cleanup';

const key = (e: CleanupEntry): string =>
  e.kind === 'path'
    ? `path:${e.path}`
    : e.kind === 'process-group'
      ? `pid:${e.pid}`
      : `lease:${e.namespace}/${e.name}/${e.identity}`;
const same = (a: CleanupEntry, b: CleanupEntry): boolean => key(a) === key(b);

export function createCleanupRegistry(store: StateStore): CleanupRegistry {
  const list: CleanupEntry[] = [];
  const persist = (): void => store.save(CLEANUP_STATE_KEY, JSON.stringify(list));
  return {
    add(entry) {
      if (!list.some((e) => same(e, entry))) list.push(entry);
      persist();
    },
    remove(entry) {
      const i = list.findIndex((e) => same(e, entry));
      if (i >= 0) list.splice(i, 1);
      persist();
    },
    entries: () => [...list],
  };
}

export function loadCleanupEntries(store: StateStore): CleanupEntry[] {
  const raw = store.load(CLEANUP_STATE_KEY);
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? (parsed as CleanupEntry[]) : [];
  } catch {
    return [];
  }
}
