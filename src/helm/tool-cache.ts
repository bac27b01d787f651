// The runner's tool cache, narrowed to what the helm installer needs, on @actions/tool-cache (loaded only when a
// download or cache lookup is needed). @actions/tool-cache reads RUNNER_TOOL_CACHE from the process environment
// itself, so the adapter refuses a run environment that names another directory: a run must never write to a
// tool cache it was not given. It also writes its own lines to stdout (core.debug, exec's echo), which are sent to
// the run's log instead: in the CLI, stdout is the JSON result.
import type { Logger } from '../pipeline/logger.js';

export interface ToolCache {
  /** The cached directory of `tool` at exactly `version`, or undefined. */
  find(tool: string, version: string): string | undefined;
  /** Unpacks an archive into `dest` (a .tar.gz, or a .zip); returns `dest`. */
  extract(archive: string, kind: 'tar.gz' | 'zip', dest: string): Promise<string>;
  /** Copies `dir`'s contents into the cache as `tool` `version` (marked complete last); returns the cached path. */
  cacheDir(dir: string, tool: string, version: string): Promise<string>;
}

/** What @actions/tool-cache (through @actions/core and @actions/exec) writes to stdout itself. */
const TOOL_CACHE_LINE = /^(::debug::|\[command\])/;

/**
 * Sends @actions/tool-cache's own stdout lines (`::debug::…`, `[command]tar …`) to `log.debug` until the returned
 * function restores stdout: stdout may be the CLI's JSON result. Other writes pass through unchanged.
 */
function divertToolCacheLines(log: Logger): () => void {
  const write = process.stdout.write.bind(process.stdout);
  // In the action the log itself is core.debug, which writes `::debug::` to stdout: what it writes while a line
  // is being forwarded goes straight out (no loop).
  let forwarding = false;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text =
      typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
    const lines = text?.split(/\r?\n/).filter(Boolean) ?? [];
    if (forwarding || lines.length === 0 || !lines.every((l) => TOOL_CACHE_LINE.test(l)))
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    forwarding = true;
    try {
      for (const line of lines) log.debug(line.replace(/^::debug::/, ''));
    } finally {
      forwarding = false;
    }
    (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
    return true;
  }) as typeof process.stdout.write;
  return () => void (process.stdout.write = write);
}

async function diverted<T>(log: Logger, fn: () => Promise<T>): Promise<T> {
  const restore = divertToolCacheLines(log);
  try {
    return await fn();
  } finally {
    restore();
  }
}

export async function actionsToolCache(env: NodeJS.ProcessEnv, log: Logger): Promise<ToolCache> {
  const want = env['RUNNER_TOOL_CACHE'];
  if (want !== process.env['RUNNER_TOOL_CACHE'])
    throw new Error(
      `the run's RUNNER_TOOL_CACHE (${String(want)}) is not this process's (${String(process.env['RUNNER_TOOL_CACHE'])}), which @actions/tool-cache uses`,
    );
  const tc = await import('@actions/tool-cache');
  return {
    find: (tool, version) => {
      const restore = divertToolCacheLines(log);
      try {
        return tc.find(tool, version) || undefined;
      } finally {
        restore();
      }
    },
    extract: (archive, kind, dest) =>
      diverted(log, () => (kind === 'zip' ? tc.extractZip(archive, dest) : tc.extractTar(archive, dest))),
    cacheDir: (dir, tool, version) => diverted(log, () => tc.cacheDir(dir, tool, version)),
  };
}
