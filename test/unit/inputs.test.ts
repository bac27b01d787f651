import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { STAGE_NAMES } from '../../src/config/catalog.js';
import { InputError } from '../../src/config/input-error.js';
import { parseCliArgs } from '../../src/cli/parse-args.js';
import { actionLayer, envLayer } from '../../src/config/sources.js';
import type { RawLayer } from '../../src/config/raw-inputs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';

let dir: string;
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'inputs-'));
  mkdirSync(join(dir, 'a-directory'));
});

const action = (inputs: Record<string, string>): RawLayer => actionLayer((n) => inputs[n] ?? '');

async function problemsOf(layers: RawLayer[], extra: Parameters<typeof resolveInputs>[1] = {}) {
  try {
    await resolveInputs(layers, extra);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).problems;
  }
  throw new Error('expected the inputs to be rejected');
}

describe('valid inputs', () => {
  test('defaults: run all stages, summary on', async () => {
    const inputs = await resolveInputs([action({})]);
    expect(inputs).toMatchObject({
      command: 'run',
      stages: [...STAGE_NAMES],
      stagesExplicit: false,
      summary: true,
    });
  });

  test('stage lists: commas, newlines, spaces, any order -> catalogue order', async () => {
    const inputs = await resolveInputs([action({ stages: 'smoke\n certs ,authpolicy' })]);
    expect(inputs.stages).toEqual(['certs', 'authpolicy', 'smoke']);
    expect(inputs.stagesExplicit).toBe(true);
  });

  test('config file supplies values; action inputs override it', async () => {
    const cfg = file('ok.yml', 'command: plan\nstages: [certs, deploy]\nsummary: false\n');
    const inputs = await resolveInputs([action({ 'config-file': cfg, summary: 'True' })]);
    expect(inputs).toMatchObject({
      command: 'plan',
      stages: ['deploy', 'certs'],
      summary: true,
      'config-file': cfg,
    });
  });

  test('CLI flags override LITMUS_AIO_* variables; --stage repeats add up', async () => {
    const env = envLayer({ LITMUS_AIO_STAGES: 'mirror', LITMUS_AIO_SUMMARY: 'false', PATH: '/bin' });
    const cli = parseCliArgs(['plan', '--stage', 'certs', '-s', 'smoke']);
    const inputs = await resolveInputs([env.layer, cli.layer]);
    expect(inputs).toMatchObject({ command: 'plan', stages: ['certs', 'smoke'], summary: false });
  });

  test('an empty config file sets nothing', async () => {
    const inputs = await resolveInputs([action({ 'config-file': file('empty.yml', '') })]);
    expect(inputs.command).toBe('run');
  });
});

// Each bad input, from each source, with the specific message a user needs to fix it.
const badCases: Array<{
  name: string;
  layers: () => RawLayer[] | { cli: string[] } | { env: NodeJS.ProcessEnv };
  input: string;
  message: RegExp;
}> = [
  {
    name: 'unknown command',
    layers: () => [action({ command: 'deplyo' })],
    input: 'command',
    message: /'deplyo' is not a command/,
  },
  {
    name: 'command typo gets a suggestion',
    layers: () => [action({ command: 'paln' })],
    input: 'command',
    message: /did you mean 'plan'/,
  },
  {
    name: 'a stage given as command',
    layers: () => [action({ command: 'certs' })],
    input: 'command',
    message: /'certs' is a stage, not a command: use command 'run' with stages 'certs'/,
  },
  {
    name: 'command with wrong case',
    layers: () => [action({ command: 'RUN' })],
    input: 'command',
    message: /'RUN' is not a command \(did you mean 'run'\?\)/,
  },
  {
    name: 'unknown stage',
    layers: () => [action({ stages: 'certs,foo' })],
    input: 'stages',
    message: /'foo' is not a stage/,
  },
  {
    name: 'stage typo gets a suggestion',
    layers: () => [action({ stages: 'deplyo' })],
    input: 'stages',
    message: /did you mean 'deploy'/,
  },
  {
    name: 'duplicate stage',
    layers: () => [action({ stages: 'certs, certs' })],
    input: 'stages',
    message: /'certs' is listed twice/,
  },
  {
    name: 'stage list of separators only',
    layers: () => [action({ stages: ', ,\n' })],
    input: 'stages',
    message: /the list is empty/,
  },
  {
    name: 'summary not a boolean',
    layers: () => [action({ summary: 'yes' })],
    input: 'summary',
    message: /'yes' is not a boolean/,
  },
  {
    name: 'summary as a number',
    layers: () => [action({ summary: '1' })],
    input: 'summary',
    message: /'1' is not a boolean/,
  },
  {
    name: 'config file missing',
    layers: () => [action({ 'config-file': join(dir, 'nope.yml') })],
    input: 'config-file',
    message: /nope\.yml' does not exist \(working directory /,
  },
  {
    name: 'config file is a directory',
    layers: () => [action({ 'config-file': join(dir, 'a-directory') })],
    input: 'config-file',
    message: /is a directory/,
  },
  {
    name: 'config file not YAML',
    layers: () => [action({ 'config-file': file('bad.yml', 'stages: [certs\n') })],
    input: 'config-file',
    message: /is not valid YAML at line \d+/,
  },
  {
    name: 'config file is a list',
    layers: () => [action({ 'config-file': file('list.yml', '- certs\n') })],
    input: 'config-file',
    message: /holds a list/,
  },
  {
    name: 'config file is a scalar',
    layers: () => [action({ 'config-file': file('scalar.yml', 'just text\n') })],
    input: 'config-file',
    message: /holds a string/,
  },
  {
    name: 'config file duplicate key',
    layers: () => [action({ 'config-file': file('dup.yml', 'command: run\ncommand: plan\n') })],
    input: 'config-file',
    message: /is not valid YAML at line 2: DUPLICATE_KEY/,
  },
  {
    name: 'unknown key in config file',
    layers: () => [action({ 'config-file': file('typo.yml', 'stage: certs\n') })],
    input: 'stage',
    message: /'stage' is not an input \(did you mean 'stages'\?\)/,
  },
  {
    name: 'config file names another config file',
    layers: () => [action({ 'config-file': file('nested.yml', 'config-file: other.yml\n') })],
    input: 'config-file',
    message: /cannot name another config file/,
  },
  {
    name: 'stages of the wrong type in config file',
    layers: () => [action({ 'config-file': file('num.yml', 'stages: 5\n') })],
    input: 'stages',
    message: /got 5, not a list/,
  },
  {
    name: 'stage list item not a string in config file',
    layers: () => [action({ 'config-file': file('obj.yml', 'stages: [certs, {a: 1}]\n') })],
    input: 'stages',
    message: /list item \{"a":1\} is not a stage name/,
  },
  {
    name: 'summary of the wrong type in config file',
    layers: () => [action({ 'config-file': file('sum.yml', 'summary: [true]\n') })],
    input: 'summary',
    message: /\[true\] is not a boolean/,
  },
  {
    name: 'command of the wrong type in config file',
    layers: () => [action({ 'config-file': file('cmd.yml', 'command: 3\n') })],
    input: 'command',
    message: /got 3 of type number/,
  },
  {
    name: 'key algorithm typo',
    layers: () => [action({ 'key-algorithm': 'ec-p265' })],
    input: 'key-algorithm',
    message: /'ec-p265' is not a key algorithm \(did you mean 'ec-p256'\?\)/,
  },
  {
    name: 'port out of range',
    layers: () => [action({ 'broker-port': '70000' })],
    input: 'broker-port',
    message: /70000 is more than 65535/,
  },
  {
    name: 'port not a number',
    layers: () => [action({ 'broker-port': '18884a' })],
    input: 'broker-port',
    message: /'18884a' is not a whole number/,
  },
  {
    name: 'days as a fraction in config file',
    layers: () => [action({ 'config-file': file('days.yml', 'client-cert-days: 1.5\n') })],
    input: 'client-cert-days',
    message: /1\.5 is not a whole number/,
  },
  {
    name: 'namespace not a Kubernetes name',
    layers: () => [action({ namespace: 'LE_Prod' })],
    input: 'namespace',
    message: /'LE_Prod' is not a valid Kubernetes name \(lower-case letters, digits and '-'/,
  },
  {
    name: 'authorization attributes not YAML',
    layers: () => [action({ 'authorization-attributes': '{a: [' })],
    input: 'authorization-attributes',
    message: /^is not valid YAML or JSON/,
  },
  {
    name: 'authorization attribute entry without subject',
    layers: () => [action({ 'authorization-attributes': 'a: {attributes: {g: x}}' })],
    input: 'authorization-attributes',
    message: /^a\.subject: each entry needs a subject string/,
  },
  {
    name: 'topic prefix with a wildcard',
    layers: () => [action({ 'topic-prefix': 'litmus/#' })],
    input: 'topic-prefix',
    message: /'litmus\/#' must not contain wildcards/,
  },
  {
    name: 'authpolicy mode typo',
    layers: () => [action({ 'authpolicy-mode': 'kubernets' })],
    input: 'authpolicy-mode',
    message: /did you mean 'kubernetes'/,
  },
  {
    name: 'unknown CLI flag with suggestion',
    layers: () => ({ cli: ['run', '--stags', 'certs'] }),
    input: '--stags',
    message: /Unknown option '--stags' \(did you mean '--stages?'\?\)/,
  },
  {
    name: 'extra CLI argument',
    layers: () => ({ cli: ['run', 'certs'] }),
    input: 'arguments',
    message: /unexpected extra argument\(s\) 'certs'/,
  },
  {
    name: 'CLI flag missing its value',
    layers: () => ({ cli: ['run', '--config'] }),
    input: '--config',
    message: /Option '-c, --config <value>' argument missing/,
  },
  {
    name: 'bad stage through CLI',
    layers: () => ({ cli: ['run', '--stage', 'mirorr'] }),
    input: 'stages',
    message: /'mirorr' is not a stage \(did you mean 'mirror'\?\)/,
  },
  {
    name: 'unknown LITMUS_AIO_ variable',
    layers: () => ({ env: { LITMUS_AIO_STAGE: 'certs' } }),
    input: 'LITMUS_AIO_STAGE',
    message: /did you mean 'LITMUS_AIO_STAGES'/,
  },
  {
    name: 'bad value through LITMUS_AIO_ variable',
    layers: () => ({ env: { LITMUS_AIO_SUMMARY: 'on' } }),
    input: 'summary',
    message: /'on' is not a boolean/,
  },
];

describe('invalid inputs', () => {
  test('the table has at least 20 cases', () => expect(badCases.length).toBeGreaterThanOrEqual(20));

  test.each(badCases)('$name', async ({ layers, input, message }) => {
    const spec = layers();
    let problems;
    if ('cli' in spec) {
      const args = parseCliArgs(spec.cli);
      problems = await problemsOf([args.layer], { extraProblems: args.problems });
    } else if ('env' in spec) {
      const env = envLayer(spec.env);
      problems = await problemsOf([env.layer, action({})], { extraProblems: env.problems });
    } else {
      problems = await problemsOf(spec);
    }
    const p = problems.find((x) => x.input === input);
    expect(p, JSON.stringify(problems)).toBeDefined();
    expect(p!.problem).toMatch(message);
    // Every problem says what is accepted and gives an example.
    expect(p!.expected.length).toBeGreaterThan(5);
    expect(p!.example.length).toBeGreaterThan(5);
  });

  test('every problem is reported at once, each naming its source', async () => {
    const cfg = file('multi.yml', 'summary: maybe\n');
    const problems = await problemsOf([action({ command: 'x', stages: 'y', 'config-file': cfg })]);
    expect(problems.map((p) => [p.input, p.source])).toEqual([
      ['command', 'action input'],
      ['stages', 'action input'],
      ['summary', `config file ${cfg}`],
    ]);
  });

  test('the error message lists every problem with input, value, expectation and example', async () => {
    const err = (await resolveInputs([action({ command: 'x' })]).catch((e: unknown) => e)) as InputError;
    expect(err.message).toBe(
      "Invalid input:\n  - Input 'command' (action input): 'x' is not a command. Expected one of run, plan, check-certs, upgrade. Example: command: plan",
    );
  });
});
