// Entry point of the action's main step. Thin on purpose: everything testable lives in github/run-action.ts.
import * as core from '@actions/core';
import { runAction } from './github/run-action.js';

const cancel = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => cancel.abort());

runAction(core, { env: process.env, signal: cancel.signal })
  .catch((e: unknown) => {
    core.setFailed(
      `litmus-aio: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
  })
  // A client's idle keep-alive must never hold the job open: the step ends when the work does. What must
  // outlive it (an Arc proxy) runs detached and is stopped by the post step.
  .finally(() => process.exit());
