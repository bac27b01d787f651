// The floor the action's cold start is measured against: @actions/core + zod rejecting one invalid input,
// nothing else. Bundled by bench/cold-start.ts exactly as the action is.
import * as core from '@actions/core';
import { z } from 'zod';

const command = z.enum(['run', 'plan', 'check-certs', 'upgrade']).safeParse(core.getInput('command'));
if (!command.success) core.setFailed(`Input 'command': '${core.getInput('command')}' is not a command`);
