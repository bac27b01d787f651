// The CLI: same inputs, same engine as the action, a terminal reporter, and cleanup before exit.
import { checkCertsReport } from '../check-certs/report.js';
import { runCleanup } from '../cleanup/run-cleanup.js';
import { COMMANDS } from '../config/catalog.js';
import { formatProblem, InputError } from '../config/input-error.js';
import { envLayer } from '../config/sources.js';
import { resolveInputs } from '../config/validate-inputs.js';
import { PreflightError, runCommand, type EngineDeps } from '../engine/run-command.js';
import { createCleanupRegistry } from '../pipeline/cleanup.js';
import { silentLogger } from '../pipeline/logger.js';
import { createTerminalReporter, type TerminalStreams } from '../terminal/terminal-reporter.js';
import { VERSION } from '../version.js';
import { parseCliArgs, usage } from './parse-args.js';

export interface CliDeps extends Pick<EngineDeps, 'registry' | 'probeCluster' | 'signal'>, TerminalStreams {
  env: NodeJS.ProcessEnv;
}

/** Returns the exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.help) {
    deps.out.write(`${usage()}\n`);
    return 0;
  }
  if (args.version) {
    deps.out.write(`${VERSION}\n`);
    return 0;
  }
  const env = envLayer(deps.env);
  const noCommand = !args.layer.has('command') && !env.layer.has('command');
  // Only a bare `litmus-aio` gets the usage; with flags, each problem is reported with its own message.
  if (noCommand && args.problems.length === 0 && env.problems.length === 0 && args.layer.size === 0) {
    deps.err.write(`error: no command given.\n\n${usage()}\n`);
    return 2;
  }
  const missingCommand = noCommand
    ? [
        {
          input: 'command',
          source: 'command line',
          problem: 'no command given',
          expected: `one of ${COMMANDS.join(', ')} as the first argument`,
          example: 'litmus-aio plan --stage certs',
        },
      ]
    : [];
  let inputs;
  try {
    inputs = await resolveInputs([env.layer, args.layer], {
      extraProblems: [...missingCommand, ...env.problems, ...args.problems],
    });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    deps.err.write(
      `${e.problems.map((p) => `error: ${formatProblem(p)}`).join('\n')}\nNothing was changed.\n`,
    );
    return 2;
  }
  const entries = new Map<string, string>();
  const cleanup = createCleanupRegistry({
    save: (k, v) => entries.set(k, v),
    load: (k) => entries.get(k) ?? '',
  });
  const reporter = createTerminalReporter(deps, { json: args.json, verbose: args.verbose });
  try {
    const summary = await runCommand(inputs, {
      ...deps,
      reporter,
      cleanup,
      // Inside a GitHub Actions job the CLI can use the job's OIDC token too (same protocol as the action).
      getIdToken: async (audience) => (await import('@actions/core')).getIDToken(audience),
    });
    // check-certs: the certificates, fewest days left first, after the table of rows.
    const report = args.json ? undefined : checkCertsReport(summary);
    if (report) deps.out.write(report.text);
    return summary.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof InputError) {
      deps.err.write(
        `${e.problems.map((p) => `error: ${formatProblem(p)}`).join('\n')}\nNothing was changed.\n`,
      );
      return 2;
    }
    if (e instanceof PreflightError) {
      deps.err.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await runCleanup(
      cleanup.entries(),
      args.verbose ? { ...silentLogger, info: (m) => deps.err.write(`cleanup: ${m}\n`) } : silentLogger,
    );
  }
}
