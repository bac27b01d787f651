// The runner's tool cache, narrowed to what the helm installer needs, on @actions/tool-cache (loaded only when a
// download or cache lookup is needed). @actions/tool-cache reads RUNNER_TOOL_CACHE from the process environment
// itself, so the adapter refuses a run environment that names another directory: a run must never write to a
// tool cache it was not given.
export interface ToolCache {
  /** The cached directory of `tool` at exactly `version`, or undefined. */
  find(tool: string, version: string): string | undefined;
  /** Unpacks an archive into `dest` (a .tar.gz, or a .zip); returns `dest`. */
  extract(archive: string, kind: 'tar.gz' | 'zip', dest: string): Promise<string>;
  /** Copies `dir`'s contents into the cache as `tool` `version` (marked complete last); returns the cached path. */
  cacheDir(dir: string, tool: string, version: string): Promise<string>;
}

export async function actionsToolCache(env: NodeJS.ProcessEnv): Promise<ToolCache> {
  const want = env['RUNNER_TOOL_CACHE'];
  if (want !== process.env['RUNNER_TOOL_CACHE'])
    throw new Error(
      `the run's RUNNER_TOOL_CACHE (${String(want)}) is not this process's (${String(process.env['RUNNER_TOOL_CACHE'])}), which @actions/tool-cache uses`,
    );
  const tc = await import('@actions/tool-cache');
  return {
    find: (tool, version) => tc.find(tool, version) || undefined,
    extract: (archive, kind, dest) =>
      kind === 'zip' ? tc.extractZip(archive, dest) : tc.extractTar(archive, dest),
    cacheDir: (dir, tool, version) => tc.cacheDir(dir, tool, version),
  };
}
