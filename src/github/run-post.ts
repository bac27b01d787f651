// The action's post step: undo whatever the main step registered, even when it failed or was cancelled.
import { runCleanup } from '../cleanup/run-cleanup.js';
import { loadCleanupEntries } from '../pipeline/cleanup.js';
import type { ActionsCore } from './actions-core.js';

export async function runPost(core: ActionsCore): Promise<void> {
  const entries = loadCleanupEntries({ save: () => undefined, load: (k) => core.getState(k) });
  if (entries.length === 0) {
    core.info('litmus-aio post: nothing to clean up.');
    return;
  }
  const report = await runCleanup(entries, {
    debug: (m) => core.debug(m),
    info: (m) => core.info(`cleanup: ${m}`),
    warn: (m) => core.warning(m, { title: 'litmus-aio cleanup' }),
    error: (m) => core.error(m),
  });
  core.info(`litmus-aio post: ${report.done.length} cleaned up, ${report.failed.length} failed.`);
}
