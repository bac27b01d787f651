// One error for every invalid input, collected so a user fixes all of them in one go.

export interface InputProblem {
  /** The input's name as the user wrote it (action input, config-file key, CLI flag or env variable). */
  input: string;
  /** Where the value came from, e.g. "action input", "config file ./litmus.yml", "LITMUS_AIO_STAGES". */
  source: string;
  /** What was wrong; never contains a secret's value. */
  problem: string;
  /** The accepted form. */
  expected: string;
  /** A valid example. */
  example: string;
}

/** Control characters from a value never reach a terminal raw (they could move the cursor or hide text). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
const visible = (s: string): string =>
  s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function formatProblem(p: InputProblem): string {
  return visible(
    `Input '${p.input}' (${p.source}): ${p.problem}. Expected ${p.expected}. Example: ${p.example}`,
  );
}

export class InputError extends Error {
  readonly problems: readonly InputProblem[];
  constructor(problems: readonly InputProblem[]) {
    const head = problems.length === 1 ? 'Invalid input' : `${problems.length} invalid inputs`;
    super(`${head}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    this.name = 'InputError';
    this.problems = problems;
  }
}
