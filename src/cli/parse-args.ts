// Maps `litmus-aio <command> [flags]` onto the same raw layers the action uses.
import { COMMANDS } from '../config/catalog.js';
import type { InputProblem } from '../config/input-error.js';
import { INPUT_SPECS } from '../config/input-specs.js';
import type { RawLayer } from '../config/raw-inputs.js';
import { didYouMean } from '../config/suggest.js';

export interface CliArgs {
  layer: RawLayer;
  problems: InputProblem[];
  json: boolean;
  verbose: boolean;
  help: boolean;
  version: boolean;
}

/** Short spellings on top of one `--<input>` flag per input. */
const ALIASES: Record<string, string> = { config: 'config-file', stage: 'stages' };

interface FlagDef {
  /** The long name, without `--`. */
  name: string;
  type: 'string' | 'boolean';
  short?: string;
}

function flagDefs(): FlagDef[] {
  const defs: FlagDef[] = [
    { name: 'json', type: 'boolean' },
    { name: 'verbose', type: 'boolean', short: 'v' },
    { name: 'help', type: 'boolean', short: 'h' },
    { name: 'version', type: 'boolean' },
    { name: 'config', type: 'string', short: 'c' },
    { name: 'stage', type: 'string', short: 's' },
  ];
  for (const spec of INPUT_SPECS) {
    if (spec.name !== 'command') defs.push({ name: spec.name, type: 'string' }); // command is the positional
  }
  return defs;
}

const EXAMPLE = 'litmus-aio plan --config litmus-aio.yml --stage certs';

/** A value that looks like a negative number is a value (`--root-ca-days -5`), never a flag. */
const NEGATIVE_NUMBER = /^-\d/;

/**
 * Reads argv by hand (not node:util parseArgs, which stops at the first error): every problem is collected, an
 * unknown flag gets a did-you-mean, and `--days -5` reaches the input's own validation as the value '-5'.
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const defs = flagDefs();
  const longs = new Map(defs.map((d) => [d.name, d]));
  const shorts = new Map(defs.filter((d) => d.short).map((d) => [d.short!, d]));
  const flags = defs.map((d) => `--${d.name}`);
  const problems: InputProblem[] = [];
  const layer: RawLayer = new Map();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  const problem = (input: string, text: string, expected: string, example = EXAMPLE): void => {
    problems.push({ input, source: 'command line', problem: text, expected, example });
  };
  const set = (def: FlagDef, typed: string, value: string): void => {
    const name = ALIASES[def.name] ?? def.name;
    const previous = layer.get(name);
    // --stage and --stages may both be given, and repeated: their lists add up. Otherwise the last one wins.
    const merged = previous && name === 'stages' ? `${String(previous.value)},${value}` : value;
    layer.set(name, { value: merged, source: typed });
  };
  for (let n = 0; n < argv.length; n++) {
    const arg = argv[n]!;
    if (arg === '--') {
      positionals.push(...argv.slice(n + 1));
      break;
    }
    const long = /^--([^=]+)(?:=([\s\S]*))?$/.exec(arg);
    const short = long ? null : /^-([A-Za-z])([\s\S]*)$/.exec(arg);
    if (!long && !short) {
      positionals.push(arg);
      continue;
    }
    const typed = long ? `--${long[1]}` : `-${short![1]}`;
    const def = long ? longs.get(long[1]!) : shorts.get(short![1]!);
    let inline = long ? long[2] : short![2] === '' ? undefined : short![2]!.replace(/^=/, '');
    if (!def) {
      const hint = long ? didYouMean(typed, flags) : '';
      problem(
        typed,
        `'${typed}' is not a flag${hint}`,
        long ? 'one of the flags litmus-aio --help lists' : 'one of -c, -s, -v, -h',
      );
      // Its value, if it has one, belongs to it (not taken for a command), unless it is a command itself.
      const next = argv[n + 1];
      if (
        long &&
        inline === undefined &&
        next !== undefined &&
        !next.startsWith('-') &&
        !COMMANDS.includes(next as never)
      )
        n++;
      continue;
    }
    const shown = def.short ? `-${def.short}, --${def.name}` : `--${def.name}`;
    if (def.type === 'boolean') {
      if (inline !== undefined) {
        problem(
          typed,
          `'${typed}' takes no value (got '${inline}')`,
          `${shown} on its own`,
          `litmus-aio plan ${shown.split(', ').pop()!}`,
        );
      } else {
        booleans.add(def.name);
      }
      continue;
    }
    if (inline === undefined) {
      const next = argv[n + 1];
      if (next !== undefined && (!next.startsWith('-') || NEGATIVE_NUMBER.test(next))) {
        inline = next;
        n++;
      } else {
        const spec = INPUT_SPECS.find((x) => x.name === (ALIASES[def.name] ?? def.name));
        problem(
          typed,
          next === undefined
            ? `'${typed}' needs a value and none was given`
            : `'${typed}' needs a value but is followed by the flag '${next}' (a value starting with '-' is written ${typed}=${next})`,
          `${typed} VALUE${spec ? `: ${spec.expected}` : ''}`,
          spec ? `litmus-aio plan ${typed} ${exampleValue(spec.example)}` : EXAMPLE,
        );
        continue;
      }
    }
    set(def, typed, inline);
  }
  const [command, ...extra] = positionals;
  if (command !== undefined) layer.set('command', { value: command, source: 'command line' });
  if (extra.length > 0) {
    problem(
      'arguments',
      `unexpected extra argument(s) ${extra.map((x) => `'${x}'`).join(' ')}`,
      `one command (${COMMANDS.join(', ')}) followed by flags`,
      'litmus-aio run --stage certs --stage authpolicy',
    );
  }
  return {
    layer,
    problems,
    json: booleans.has('json'),
    verbose: booleans.has('verbose'),
    help: booleans.has('help'),
    version: booleans.has('version'),
  };
}

/** `broker-port: 18884` -> `18884`. */
const exampleValue = (example: string): string => example.replace(/^[a-z-]+:\s*/, '');

export function usage(): string {
  const lines = [
    'Usage: litmus-aio <command> [flags]',
    '',
    `Commands: ${COMMANDS.join(', ')}`,
    '',
    'Flags:',
    '  -c, --config FILE       YAML file with inputs (same keys as the action inputs)',
    '  -s, --stage NAME        a stage to run; repeat or comma-separate (default: all)',
    '      --json              print the result as JSON on stdout',
    '  -v, --verbose           show debug lines',
    '  -h, --help              this help',
    '      --version           print the version',
  ];
  for (const spec of INPUT_SPECS) {
    if (spec.name === 'command' || spec.name === 'config-file') continue;
    lines.push(`      --${spec.name} VALUE`.padEnd(26) + (spec.default ? `(default ${spec.default})` : ''));
  }
  lines.push('', 'Every input can also be set as LITMUS_AIO_<NAME>, e.g. LITMUS_AIO_STAGES=certs.');
  lines.push('Exit codes: 0 success, 1 a stage or preflight failed, 2 invalid input.');
  return lines.join('\n');
}
