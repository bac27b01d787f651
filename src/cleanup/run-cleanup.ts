// Undoes what the cleanup registry recorded: stops process groups (SIGINT, then SIGTERM, then SIGKILL) and
// removes temp files. Runs in the post step, and at the end of a CLI run.
import { rm } from 'node:fs/promises';
import type { CleanupEntry } from '../pipeline/cleanup.js';
import type { Logger } from '../pipeline/logger.js';
import { pollUntil } from '../util/poll.js';

/** Whether process group `pid` still has a member (EPERM counts as alive: it exists but is not ours). */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (e) {
    // EPERM means it exists but is not ours to signal; treat it as alive so we report it.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops process group `pid`: SIGINT, then SIGTERM, then SIGKILL, each followed by up to `graceMs` of polling
 * for the group to be gone. 'gone': nothing was running; 'stopped': it ended; 'survived': it outlived SIGKILL.
 */
export async function stopGroup(pid: number, graceMs: number): Promise<'stopped' | 'gone' | 'survived'> {
  if (!groupAlive(pid)) return 'gone';
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    try {
      process.kill(-pid, signal);
    } catch {
      return 'stopped';
    }
    if (await pollUntil(() => !groupAlive(pid), { timeoutMs: graceMs })) return 'stopped';
  }
  return 'survived';
}

export interface CleanupReport {
  done: string[];
  failed: string[];
}

export async function runCleanup(
  entries: readonly CleanupEntry[],
  log: Logger,
  options: { graceMs?: number } = {},
): Promise<CleanupReport> {
  const report: CleanupReport = { done: [], failed: [] };
  // Locks first (freeing one needs the cluster, which an Arc proxy process may provide), then processes (they may
  // hold the files), newest first.
  const rank = { lease: 0, 'process-group': 1, path: 2 } as const;
  const ordered = [...entries].reverse().sort((a, b) => rank[a.kind] - rank[b.kind]);
  for (const e of ordered) {
    if (e.kind === 'lease') {
      const { releaseLeaseEntry } = await import('../kube/lease-cleanup.js');
      const line = await releaseLeaseEntry(e);
      if (line.ok) log.info(line.text);
      else log.warn(line.text);
      (line.ok ? report.done : report.failed).push(line.text);
    } else if (e.kind === 'process-group') {
      const outcome = await stopGroup(e.pid, options.graceMs ?? 3000);
      const line = `${e.label} (process group ${e.pid}): ${outcome}`;
      if (outcome === 'survived') {
        report.failed.push(line);
        log.warn(line);
      } else {
        report.done.push(line);
        log.info(line);
      }
    } else {
      try {
        await rm(e.path, { recursive: true, force: true });
        report.done.push(`${e.label}: removed ${e.path}`);
        log.info(`${e.label}: removed`);
      } catch (err) {
        const line = `${e.label}: could not remove ${e.path}: ${(err as Error).message}`;
        report.failed.push(line);
        log.warn(line);
      }
    }
  }
  return report;
}
