#!/usr/bin/env node
// Entry point of the `litmus-aio` command.
import { runCli } from './cli/run-cli.js';

const cancel = new AbortController();
process.once('SIGINT', () => cancel.abort());

runCli(process.argv.slice(2), {
  env: process.env,
  out: process.stdout,
  err: process.stderr,
  signal: cancel.signal,
}).then(
  (code) => process.exit(code), // never held open by an idle client connection (cleanup already ran)
  (e: unknown) => {
    process.stderr.write(
      `litmus-aio: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  },
);
