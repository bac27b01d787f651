#!/usr/bin/env node
// Entry point of the `litmus-aio` command. It checks the Node.js version before anything else is loaded (the
// rest comes in through a dynamic import), so an old runtime gets one clear sentence and exit code 2.
import pkg from '../package.json' with { type: 'json' };
import { nodeVersionProblem } from './cli/node-version.js';

const problem = nodeVersionProblem(process.versions.node, pkg.engines.node);
if (problem) {
  process.stderr.write(`error: ${problem}\n`);
  process.exit(2);
}
const { main } = await import('./cli/main.js');
await main();
