// Maps `litmus-aio <command> [flags]` onto the same raw layers the action uses.
import { parseArgs } from 'node:util';
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

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
    config: { type: 'string', short: 'c' },
    stage: { type: 'string', multiple: true, short: 's' },
  };
  for (const spec of INPUT_SPECS) {
    if (spec.name === 'command') continue; // the positional argument
    options[spec.name] = { type: 'string', multiple: spec.name === 'stages' };
  }
  const flags = Object.keys(options).map((k) => `--${k}`);
  const problems: InputProblem[] = [];
  const layer: RawLayer = new Map();
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message;
    const flag = /(--[a-z][a-z-]*)/.exec(message)?.[1] ?? '';
    problems.push({
      input: flag || 'arguments',
      source: 'command line',
      problem: `${message.split('.')[0]}${flag ? didYouMean(flag, flags) : ''}`,
      expected: `flags ${flags.join(', ')}`,
      example: 'litmus-aio plan --config litmus-aio.yml --stage certs',
    });
    return { layer, problems, json: false, verbose: false, help: false, version: false };
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  const [command, ...extra] = parsed.positionals;
  if (command !== undefined) layer.set('command', { value: command, source: 'command line' });
  if (extra.length > 0) {
    problems.push({
      input: 'arguments',
      source: 'command line',
      problem: `unexpected extra argument(s) ${extra.map((x) => `'${x}'`).join(' ')}`,
      expected: `one command (${COMMANDS.join(', ')}) followed by flags`,
      example: 'litmus-aio run --stage certs --stage authpolicy',
    });
  }
  for (const [key, value] of Object.entries(values)) {
    const name = ALIASES[key] ?? key;
    if (value === undefined || !INPUT_SPECS.some((s) => s.name === name)) continue;
    const joined = Array.isArray(value) ? value.join(',') : value;
    const previous = layer.get(name);
    // --stage and --stages may both be given: their lists add up.
    const merged = previous && name === 'stages' ? `${String(previous.value)},${String(joined)}` : joined;
    layer.set(name, { value: merged, source: `--${key}` });
  }
  return {
    layer,
    problems,
    json: values['json'] === true,
    verbose: values['verbose'] === true,
    help: values['help'] === true,
    version: values['version'] === true,
  };
}

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
