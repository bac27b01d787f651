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

/** Nine levels of nine aliases each: 9^9 nodes if expanded. */
const aliasBomb = (key: string): string => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let n = 1; n < 9; n++) {
    const prev = String.fromCharCode(96 + n);
    lines.push(
      `${String.fromCharCode(97 + n)}: &${String.fromCharCode(97 + n)} [${Array(9).fill(`*${prev}`).join(',')}]`,
    );
  }
  lines.push(`${key}: *i`);
  return `${lines.join('\n')}\n`;
};

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
    message: /is not valid YAML at line 2, column 1: DUPLICATE_KEY/,
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
    message: /^the value is not valid YAML or JSON at line 1, column \d+: /,
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
    message: /'--stags' is not a flag \(did you mean '--stages?'\?\)/,
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
    message: /'--config' needs a value and none was given/,
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
  // Subjects (issue 11 item 6): parsed per RFC 4514 before anything is issued.
  {
    name: 'subject with an unknown attribute type',
    layers: () => [action({ 'client-subject': 'FOO=bar' })],
    input: 'client-subject',
    message: /the subject 'FOO' is not a supported attribute type.*use one of CN, O, OU/,
  },
  {
    name: 'subject with an unescaped comma in a value',
    layers: () => [action({ 'root-ca-subject': 'CN=Root, O=Contoso, Inc' })],
    input: 'root-ca-subject',
    message: /'Inc' has no '='.*must be escaped, e.g. O=Contoso\\, Inc/,
  },
  {
    name: 'subject with a quoted value',
    layers: () => [action({ 'intermediate-ca-subject': 'O="Contoso, Inc"' })],
    input: 'intermediate-ca-subject',
    message: /quoted values are not accepted/,
  },
  {
    name: 'subject with a control character',
    layers: () => [action({ 'client-subject': 'CN=conn\u001b[2Jector' })],
    input: 'client-subject',
    message: /control character U\+001B/,
  },
  {
    name: 'subject with a hex-escaped line break',
    layers: () => [action({ 'client-subject': 'CN=a\\0Ab' })],
    input: 'client-subject',
    message: /control character U\+000A/,
  },
  {
    name: 'subject with a three-letter country',
    layers: () => [action({ 'root-ca-subject': 'CN=Root, C=DEU' })],
    input: 'root-ca-subject',
    message: /C must be a two-letter country code \(ISO 3166\), not 'DEU'/,
  },
  {
    name: 'subject with an empty value',
    layers: () => [action({ 'root-ca-subject': 'CN=Root, O=' })],
    input: 'root-ca-subject',
    message: /O has an empty value/,
  },
  {
    name: 'subject with a multi-valued RDN',
    layers: () => [action({ 'client-subject': 'CN=a+OU=b' })],
    input: 'client-subject',
    message: /multi-valued RDN, which is not supported/,
  },
  {
    name: 'common name longer than 64 characters',
    layers: () => [action({ 'client-subject': `CN=${'x'.repeat(70)}` })],
    input: 'client-subject',
    message: /the CN value is 70 characters long, more than 64/,
  },
  {
    name: 'subject of the wrong type in config file',
    layers: () => [action({ 'config-file': file('subj.yml', 'client-subject: [a]\n') })],
    input: 'client-subject',
    message: /got \["a"\], not a subject/,
  },
  {
    name: 'authorization attribute subject that does not parse',
    layers: () => [
      action({ 'authorization-attributes': '{"c": {"subject": "FOO = x", "attributes": {"g": "x"}}}' }),
    ],
    input: 'authorization-attributes',
    message: /^c\.subject: the subject 'FOO' is not a supported attribute type/,
  },
  // Values found only by a later stage before (item 7).
  {
    name: "expect-topics with '#' not last",
    layers: () => [action({ 'expect-topics': 'a/#/b' })],
    input: 'expect-topics',
    message: /'a\/#\/b': '#' must be the last level and alone in it/,
  },
  {
    name: "expect-topics with '+' sharing its level",
    layers: () => [action({ 'expect-topics': 'ok/+, a+/b' })],
    input: 'expect-topics',
    message: /'a\+\/b': '\+' must be alone in its level/,
  },
  {
    name: "expect-topics with '#' inside a level",
    layers: () => [action({ 'expect-topics': 'sport#' })],
    input: 'expect-topics',
    message: /'#' must be the last level and alone in it/,
  },
  {
    name: 'expect-topics with a NUL character',
    layers: () => [action({ 'config-file': file('nul.yml', 'expect-topics: ["a\\0b"]\n') })],
    input: 'expect-topics',
    message: /contains a NUL character/,
  },
  {
    name: 'expect-topics longer than 65535 bytes',
    layers: () => [action({ 'expect-topics': `a/${'ü'.repeat(33_000)}` })],
    input: 'expect-topics',
    message: /66002 bytes of UTF-8, more than 65535/,
  },
  {
    name: 'expect-topics with too many topics',
    layers: () => [action({ 'expect-topics': Array.from({ length: 101 }, (_, n) => `t/${n}`).join(',') })],
    input: 'expect-topics',
    message: /101 topics, more than 100/,
  },
  {
    name: 'smoke-broker-address port out of range',
    layers: () => [action({ 'smoke-broker-address': 'host:99999' })],
    input: 'smoke-broker-address',
    message: /port 99999 is outside 1-65535/,
  },
  {
    name: 'smoke-broker-address port zero',
    layers: () => [action({ 'smoke-broker-address': '10.0.0.5:0' })],
    input: 'smoke-broker-address',
    message: /port 0 is outside 1-65535/,
  },
  {
    name: 'smoke-broker-address without a port',
    layers: () => [action({ 'smoke-broker-address': 'broker.local' })],
    input: 'smoke-broker-address',
    message: /'broker.local' is not host:port/,
  },
  {
    name: 'smoke-broker-address IPv6 without brackets',
    layers: () => [action({ 'smoke-broker-address': 'fd00::5:18884' })],
    input: 'smoke-broker-address',
    message: /looks like an IPv6 address without brackets: write \[address\]:port/,
  },
  {
    name: 'smoke-broker-address with a bad host',
    layers: () => [action({ 'smoke-broker-address': 'bro_ker:1883' })],
    input: 'smoke-broker-address',
    message: /'bro_ker' is not a DNS name/,
  },
  {
    name: 'tls-server-name not a DNS name',
    layers: () => [action({ 'tls-server-name': 'aio broker' })],
    input: 'tls-server-name',
    message: /'aio broker' is not a DNS name/,
  },
  {
    name: 'renew-before-days not less than client-cert-days',
    layers: () => [action({ 'renew-before-days': '30', 'client-cert-days': '10' })],
    input: 'renew-before-days',
    message: /is 30 but client-cert-days is 10: .* re-issued on every run/,
  },
  {
    name: 'default renew-before-days against a short client-cert-days',
    layers: () => [action({ 'client-cert-days': '30' })],
    input: 'renew-before-days',
    message: /is 30 but client-cert-days is 30/,
  },
  {
    name: 'renew-before-days not less than intermediate-ca-days',
    layers: () => [action({ 'intermediate-ca-days': '20', 'client-cert-days': '90' })],
    input: 'renew-before-days',
    message: /is 30 but intermediate-ca-days is 20/,
  },
  {
    name: 'rotate-ca label of 300 KB',
    layers: () => [action({ 'rotate-ca': 'x'.repeat(300_000) })],
    input: 'rotate-ca',
    message: /the label is 300000 characters long, more than 63/,
  },
  {
    name: 'rotate-ca label over two lines',
    layers: () => [action({ 'config-file': file('rot.yml', 'rotate-ca: "2026\\n11"\n') })],
    input: 'rotate-ca',
    message: /the label contains a control character/,
  },
  {
    name: 'config file larger than 1 MiB',
    layers: () => [action({ 'config-file': file('big.yml', `# ${'x'.repeat(2 * 1024 * 1024)}\n`) })],
    input: 'config-file',
    message: /is 2097155 bytes, larger than the limit of 1048576 bytes \(1 MiB\)/,
  },
  {
    name: 'YAML alias bomb in the config file',
    layers: () => [action({ 'config-file': file('bomb.yml', aliasBomb('summary')) })],
    input: 'config-file',
    message: /resolves aliases \(\*name\) more than 50 times at line 2, column \d+, as an "alias bomb" does/,
  },
  {
    name: 'YAML alias bomb in authorization-attributes',
    layers: () => [action({ 'authorization-attributes': aliasBomb('x') })],
    input: 'authorization-attributes',
    message: /the value resolves aliases .* more than 50 times at line 2.*write the values out/,
  },
  {
    name: 'alias before its anchor in the config file',
    layers: () => [action({ 'config-file': file('alias.yml', 'summary: *nope\n') })],
    input: 'config-file',
    message: /not valid YAML|uses an alias \(\*name\) before its anchor/,
  },
  {
    name: 'authorization-attributes larger than 64 KiB',
    layers: () => [action({ 'authorization-attributes': `{}${' '.repeat(70_000)}` })],
    input: 'authorization-attributes',
    message: /is 70002 characters long, more than 65536/,
  },
  {
    name: 'topic prefix with a NUL character',
    layers: () => [action({ 'config-file': file('tp.yml', 'topic-prefix: "a\\0b"\n') })],
    input: 'topic-prefix',
    message: /contains a NUL character/,
  },
  {
    name: 'a 300 KB namespace is not echoed back',
    layers: () => [action({ namespace: 'N'.repeat(300_000) })],
    input: 'namespace',
    message: /^'N{60}… \(300000 characters\)' is not a valid Kubernetes name/,
  },
  // CLI flags (item 9): each error is its own, never "no command given".
  {
    name: 'unknown CLI flag',
    layers: () => ({ cli: ['plan', '--frobnicate'] }),
    input: '--frobnicate',
    message: /'--frobnicate' is not a flag/,
  },
  {
    name: 'CLI flag typo gets a suggestion',
    layers: () => ({ cli: ['plan', '--broker-prot', '1'] }),
    input: '--broker-prot',
    message: /did you mean '--broker-port'\?/,
  },
  {
    name: 'CLI value flag followed by another flag',
    layers: () => ({ cli: ['plan', '--broker-port', '--json'] }),
    input: '--broker-port',
    message: /'--broker-port' needs a value but is followed by the flag '--json'/,
  },
  {
    name: 'CLI negative number is a value, not a flag',
    layers: () => ({ cli: ['plan', '--root-ca-days', '-5'] }),
    input: 'root-ca-days',
    message: /-5 must be a positive integer/,
  },
  {
    name: 'CLI boolean flag given a value',
    layers: () => ({ cli: ['plan', '--json=yes'] }),
    input: '--json',
    message: /'--json' takes no value \(got 'yes'\)/,
  },
  {
    name: 'unknown short CLI flag',
    layers: () => ({ cli: ['plan', '-x'] }),
    input: '-x',
    message: /'-x' is not a flag/,
  },
  {
    name: 'negative renew-before-days',
    layers: () => [action({ 'renew-before-days': '-1' })],
    input: 'renew-before-days',
    message: /-1 must not be negative/,
  },
];

describe('invalid inputs', () => {
  test('the table has at least 60 cases', () => expect(badCases.length).toBeGreaterThanOrEqual(60));

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
