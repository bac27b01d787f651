// The action's main step: inputs -> engine -> outputs. @actions/core is injected so tests drive it for real.
import { formatProblem, InputError } from '../config/input-error.js';
import { actionLayer } from '../config/sources.js';
import { resolveInputs } from '../config/validate-inputs.js';
import type { CheckCertsDeps } from '../check-certs/run.js';
import type { EngineDeps } from '../engine/run-command.js';
import { createCleanupRegistry } from '../pipeline/cleanup.js';
import type { ActionsCore } from './actions-core.js';
import { maskSecret } from './mask.js';

export interface ActionDeps extends Pick<EngineDeps, 'registry' | 'probeCluster' | 'signal' | 'kubeClient'> {
  env: NodeJS.ProcessEnv;
}

export async function runAction(core: ActionsCore, deps: ActionDeps): Promise<void> {
  let inputs;
  try {
    inputs = await resolveInputs([actionLayer((name) => core.getInput(name))], {
      mask: (s) => maskSecret(core, s),
    });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    for (const p of e.problems)
      core.error(formatProblem(p), { title: `litmus-aio: invalid input '${p.input}'` });
    core.setFailed(`${e.problems.length} invalid input(s); nothing was changed. See the errors above.`);
    return;
  }
  // The engine loads only once the inputs are valid: rejecting bad input stays as cheap as @actions/core + zod.
  const [{ PreflightError, runCommand }, { createGithubReporter }, { checkCertsReport }] = await Promise.all([
    import('../engine/run-command.js'),
    import('./github-reporter.js'),
    import('../check-certs/report.js'),
  ]);
  const cleanup = createCleanupRegistry({
    save: (k, v) => core.saveState(k, v),
    load: (k) => core.getState(k),
  });
  const reporter = createGithubReporter(core, { summary: inputs.summary });
  try {
    const engineDeps: CheckCertsDeps = {
      ...deps,
      reporter,
      cleanup,
      mask: (s) => maskSecret(core, s),
      getIdToken: (audience) => core.getIDToken(audience),
      // check-certs with a fleet file: the action emits fleet-matrix, one job per cluster checks it.
      fanOut: true,
    };
    const summary = await runCommand(inputs, engineDeps);
    // check-certs' certificate table (fewest days left first) follows the summary's table.
    const report = checkCertsReport(summary);
    if (report && inputs.summary) await core.summary.addRaw(report.markdown).write();
    if (!summary.ok) {
      const failed = summary.results.filter((r) => r.status === 'failed').map((r) => r.stage);
      core.setFailed(`Stage(s) failed: ${failed.join(', ')}. Their errors are above and in the job summary.`);
    }
  } catch (e) {
    if (e instanceof InputError) {
      for (const p of e.problems)
        core.error(formatProblem(p), { title: `litmus-aio: invalid input '${p.input}'` });
      core.setFailed('Invalid input; nothing was changed.');
    } else if (e instanceof PreflightError) {
      core.setFailed(e.message);
    } else {
      throw e;
    }
  }
}
