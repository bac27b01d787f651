// The `litmus-aio` command once the runtime is known to be good (see src/cli.ts): run, then exit.
import { runCli } from './run-cli.js';

/** Signals that stop the run: the work is cancelled, cleanup (temp kubeconfig, Arc proxy) runs, then exit. */
const STOP_SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

export async function main(): Promise<void> {
  const cancel = new AbortController();
  let stoppedBy: number | undefined;
  for (const [name, number] of Object.entries(STOP_SIGNALS)) {
    process.on(name, () => {
      // A second signal while cleanup runs: stop at once, as the user insists.
      if (stoppedBy !== undefined) process.exit(128 + number);
      stoppedBy = number;
      cancel.abort();
    });
  }
  try {
    const code = await runCli(process.argv.slice(2), {
      env: process.env,
      out: process.stdout,
      err: process.stderr,
      signal: cancel.signal,
    });
    // Never held open by an idle client connection (cleanup already ran).
    process.exit(stoppedBy !== undefined ? 128 + stoppedBy : code);
  } catch (e) {
    process.stderr.write(
      `litmus-aio: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  }
}
