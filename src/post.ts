// Entry point of the action's post step: cleanup only.
import * as core from '@actions/core';
import { runPost } from './github/run-post.js';

runPost(core).catch((e: unknown) => {
  core.warning(`litmus-aio post: cleanup error: ${e instanceof Error ? e.message : String(e)}`);
});
