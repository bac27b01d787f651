// The single source of truth for every input: its schema, its documentation, and whether it is secret.
// action.yml, the README's input table and the CLI's help are generated from this list.
// zod/mini: the same validator at a 25th of the size, which keeps input validation fast to load.
import * as z from 'zod/mini';
import { COMMANDS, STAGE_NAMES, type Command, type StageName } from './catalog.js';
import { didYouMean } from './suggest.js';

export interface InputSpec {
  /** kebab-case name, used by action.yml, the config file, `--name` flags and LITMUS_AIO_NAME variables. */
  name: string;
  description: string;
  /** The documented default (the schema applies it), or undefined for "not set". */
  default?: string;
  expected: string;
  example: string;
  /** Secret values are masked in logs and never quoted in an error. */
  secret?: boolean;
  schema: z.ZodMiniType;
}

/** Splits "a, b\nc" (inputs, env) or takes a YAML list (config file). */
function splitList(raw: unknown): unknown {
  if (typeof raw === 'string') {
    return raw
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }
  return raw;
}

/** The same spellings @actions/core's getBooleanInput accepts, plus YAML booleans. */
function booleanish(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const t = raw.trim();
  if (['true', 'True', 'TRUE'].includes(t)) return true;
  if (['false', 'False', 'FALSE'].includes(t)) return false;
  return raw;
}

const quote = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

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

const summarySchema = z.pipe(
  z.transform(booleanish),
  z.boolean({ error: (iss) => `${quote(iss.input)} is not a boolean` }),
);

const pathSchema = z
  .string({ error: (iss) => `got ${quote(iss.input)}, not a path` })
  .check(z.trim(), z.minLength(1, { error: 'the path is empty' }));

export const INPUT_SPECS: readonly InputSpec[] = [
  {
    name: 'command',
    description:
      'What to do: `run` applies the selected stages, `plan` shows what they would change without changing anything, `check-certs` (inspect every certificate in play) and `upgrade` (new Litmus Edge version with rollback) are planned: this version refuses them with a clear error.',
    default: 'run',
    expected: `one of ${COMMANDS.join(', ')}`,
    example: 'command: plan',
    schema: commandSchema,
  },
  {
    name: 'stages',
    description:
      'Which stages to run, comma- or newline-separated; they run in dependency order whatever order you list them in. A stage whose prerequisite is not selected assumes that prerequisite is already in place.',
    default: STAGE_NAMES.join(','),
    expected: `a comma- or newline-separated list of ${STAGE_NAMES.join(', ')}`,
    example: 'stages: certs,authpolicy',
    schema: stagesSchema,
  },
  {
    name: 'config-file',
    description:
      'A YAML file holding any of these inputs as keys (same names). Inputs given to the action, CLI flags and LITMUS_AIO_* variables override it.',
    expected: 'a path to a readable YAML file, relative to the working directory',
    example: 'config-file: .github/litmus-aio.yml',
    schema: z.optional(pathSchema),
  },
  {
    name: 'summary',
    description: 'Write the job summary (a table of stages with status, changes and duration).',
    default: 'true',
    expected: 'true or false',
    example: 'summary: false',
    schema: summarySchema,
  },
];

export interface Inputs {
  command: Command;
  stages: StageName[];
  /** False when `stages` was left at its default (all stages). */
  stagesExplicit: boolean;
  configFile?: string;
  summary: boolean;
}

export interface OutputSpec {
  name: string;
  description: string;
}

export const OUTPUT_SPECS: readonly OutputSpec[] = [
  {
    name: 'result',
    description:
      'JSON array of stage records: `{stage, status (changed|unchanged|failed|skipped), changes[], durationMs, error?, reason?}`.',
  },
  { name: 'changed', description: '`true` when any stage changed something (always `false` in plan mode).' },
];

export function specByName(name: string): InputSpec | undefined {
  return INPUT_SPECS.find((s) => s.name === name);
}
