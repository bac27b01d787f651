import { describe, expect, test } from 'vitest';
import { parseCliArgs } from '../../src/cli/parse-args.js';
import { runCli } from '../../src/cli/run-cli.js';

const value = (argv: string[], name: string): unknown => parseCliArgs(argv).layer.get(name)?.value;

describe('parseCliArgs', () => {
  test('flags, short flags, --flag=value, repeated --stage and -- ', () => {
    const a = parseCliArgs([
      'plan',
      '-c',
      'x.yml',
      '--stage=certs',
      '-s',
      'smoke',
      '--json',
      '-v',
      '--broker-port',
      '1883',
    ]);
    expect(a.problems).toEqual([]);
    expect(Object.fromEntries([...a.layer].map(([k, v]) => [k, v.value]))).toEqual({
      'config-file': 'x.yml',
      stages: 'certs,smoke',
      'broker-port': '1883',
      command: 'plan',
    });
    expect([a.json, a.verbose, a.help]).toEqual([true, true, false]);
    expect(value(['--', 'plan'], 'command')).toBe('plan');
  });

  test('a negative number after a value flag is its value', () => {
    expect(value(['plan', '--root-ca-days', '-5'], 'root-ca-days')).toBe('-5');
  });

  test('every problem at once, each with its own message', () => {
    const a = parseCliArgs(['plan', '--frobnicate', '--broker-prot', '1', '--json=1', '--config']);
    expect(a.problems.map((p) => [p.input, p.problem])).toEqual([
      ['--frobnicate', "'--frobnicate' is not a flag"],
      ['--broker-prot', "'--broker-prot' is not a flag (did you mean '--broker-port'?)"],
      ['--json', "'--json' takes no value (got '1')"],
      ['--config', "'--config' needs a value and none was given"],
    ]);
    expect(a.layer.get('command')?.value).toBe('plan');
  });
});

describe('runCli reports parse errors as themselves (never "no command given")', () => {
  const run = async (argv: string[]) => {
    let err = '';
    const code = await runCli(argv, {
      env: {},
      out: { write: () => true } as unknown as NodeJS.WriteStream,
      err: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WriteStream,
    });
    return { code, err };
  };

  test.each([
    [['--frobnicate'], /'--frobnicate' is not a flag/],
    [['plan', '--frobnicate'], /'--frobnicate' is not a flag/],
    [['plan', '--broker-port'], /'--broker-port' needs a value/],
    [
      ['plan', '--root-ca-days', '-5'],
      /Input 'root-ca-days' \(--root-ca-days\): -5 must be a positive integer/,
    ],
    [['--stags', 'certs'], /did you mean '--stages?'/],
  ])('%j', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toContain('error: no command given.'); // the old catch-all, with usage
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('flags without a command: the missing command is one problem among the others', async () => {
    const r = await run(['--stage', 'certs']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("error: Input 'command' (command line): no command given.");
  });
});
