// Inputs every command uses.
import * as z from 'zod/mini';
import { COMMANDS, STAGE_NAMES } from './catalog.js';
import { defineInputs, quote, splitList, booleanInput, textInput } from './input-spec.js';
import { didYouMean } from './suggest.js';

const commandSchema = z.pipe(
  z.transform((raw: unknown) => (typeof raw === 'string' ? raw.trim() : raw)),
  z.enum(COMMANDS, {
    error: (iss) => {
      const v = iss.input;
      if (typeof v !== 'string') return `got ${quote(v)} of type ${typeof v}`;
      if ((STAGE_NAMES as readonly string[]).includes(v)) {
        return `'${v}' is a stage, not a command: use command 'run' with stages '${v}'`;
      }
      return `'${v}' is not a command${didYouMean(v, COMMANDS)}`;
    },
  }),
);

const stagesSchema = z.pipe(
  z.pipe(
    z.transform(splitList),
    z
      .array(z.string({ error: (iss) => `list item ${quote(iss.input)} is not a stage name` }), {
        error: (iss) => `got ${quote(iss.input)}, not a list`,
      })
      .check(
        z.minLength(1, { error: 'the list is empty' }),
        z.superRefine((names, ctx) => {
          const seen = new Set<string>();
          for (const n of names) {
            if (!(STAGE_NAMES as readonly string[]).includes(n)) {
              ctx.addIssue({ code: 'custom', message: `'${n}' is not a stage${didYouMean(n, STAGE_NAMES)}` });
            } else if (seen.has(n)) {
              ctx.addIssue({ code: 'custom', message: `'${n}' is listed twice` });
            }
            seen.add(n);
          }
        }),
      ),
  ),
  // The engine orders by dependencies; keeping catalogue order makes reports stable.
  z.transform((names: string[]) => STAGE_NAMES.filter((s) => names.includes(s))),
);

export const CORE_INPUTS = defineInputs({
  command: {
    description:
      'What to do: `run` applies the selected stages, `plan` shows what they would change without changing anything, `check-certs` inspects every certificate in play (and with `rotate: true` fixes what it can; see README, "check-certs"). `upgrade` moves the release to `litmus-edge-version`: mirror, deploy, connector (when configured) and smoke, rolling back to the previous revision and running smoke again when deploy or smoke fails (see README, "Deploy and upgrade").',
    default: 'run',
    expected: `one of ${COMMANDS.join(', ')}`,
    example: 'command: plan',
    schema: commandSchema,
  },
  stages: {
    description:
      'Which stages to run, comma- or newline-separated; they run in dependency order whatever order you list them in. A stage whose prerequisite is not selected assumes that prerequisite is already in place.',
    default: STAGE_NAMES.join(','),
    expected: `a comma- or newline-separated list of ${STAGE_NAMES.join(', ')}`,
    example: 'stages: certs,authpolicy',
    schema: stagesSchema,
  },
  'config-file': {
    description:
      'A YAML file holding any of these inputs as keys (same names). Inputs given to the action, CLI flags and LITMUS_AIO_* variables override it.',
    expected: 'a path to a readable YAML file, relative to the working directory',
    example: 'config-file: .github/litmus-aio.yml',
    schema: z.optional(textInput('path')),
  },
  summary: {
    description: 'Write the job summary (a table of stages with status, changes and duration).',
    default: 'true',
    expected: 'true or false',
    example: 'summary: false',
    schema: booleanInput(),
  },
  'plan-partial': {
    description:
      'Let `plan` succeed when some stages could not be planned (cluster unreachable, no kubeconfig, missing permissions, Azure sign-in failed); they are reported as skipped. By default such a plan fails (exit 1), so a pull-request check never passes blind. A kubeconfig that is invalid or refused (plain http, insecure-skip-tls-verify) fails either way.',
    default: 'false',
    expected: 'true or false',
    example: 'plan-partial: true',
    schema: booleanInput(),
  },
});
