// The shape of one input's definition, and the schema building blocks inputs share.
// zod/mini: the same validator at a 25th of the size, which keeps input validation fast to load.
import * as z from 'zod/mini';
import { parseDistinguishedName } from '../pki/distinguished-name.js';
import { didYouMean } from './suggest.js';

export interface InputDefinition<S extends z.ZodMiniType = z.ZodMiniType> {
  description: string;
  /** The documented default (the schema applies it), or undefined for "not set". */
  default?: string;
  expected: string;
  example: string;
  /** Secret values are masked in logs and never quoted in an error. */
  secret?: boolean;
  /**
   * A default only action.yml applies, for a value only the workflow knows (`${{ github.token }}`). Used for inputs
   * a config file has no business setting: an action.yml default overrides the config file.
   */
  actionDefault?: string;
  schema: S;
}

export interface InputSpec extends InputDefinition {
  /** kebab-case name, used by action.yml, the config file, `--name` flags and LITMUS_AIO_NAME variables. */
  name: string;
}

/** Keeps each definition's schema type, so the Inputs type is derived from the schemas. */
export const defineInputs = <const T extends Record<string, InputDefinition>>(defs: T): T => defs;

/**
 * A value as a message shows it: control characters as \uXXXX (never raw on a terminal), and a long value cut
 * short (a 300 KB input is not echoed back).
 */
export const quote = (v: unknown): string => {
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  const shown = (text.length > 80 ? `${text.slice(0, 60)}… (${text.length} characters)` : text).replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return typeof v === 'string' ? `'${shown}'` : shown;
};

/** Splits "a, b\nc" (inputs, env) or takes a YAML list (config file). */
export function splitList(raw: unknown): unknown {
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

const trimmed = (raw: unknown): unknown => (typeof raw === 'string' ? raw.trim() : raw);

export const booleanInput = () =>
  z.pipe(z.transform(booleanish), z.boolean({ error: (iss) => `${quote(iss.input)} is not a boolean` }));

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.pipe(
    z.transform(trimmed),
    z.enum(values, {
      error: (iss) =>
        typeof iss.input === 'string'
          ? `'${iss.input}' is not ${what}${didYouMean(iss.input, values)}`
          : `got ${quote(iss.input)} of type ${typeof iss.input}`,
    }),
  );
}

/** Whole numbers from strings ("30") or YAML numbers, within bounds. */
export function integerInput(min: number, max: number) {
  return z.pipe(
    z.transform((raw: unknown) => (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw)),
    z.number({ error: (iss) => `${quote(iss.input)} is not a whole number` }).check(
      z.int({ error: (iss) => `${quote(iss.input)} is not a whole number` }),
      z.gte(min, {
        error: (iss) =>
          min === 1
            ? `${quote(iss.input)} must be a positive integer (1 or more)`
            : min === 0
              ? `${quote(iss.input)} must not be negative`
              : `${quote(iss.input)} is less than ${min}`,
      }),
      z.lte(max, { error: (iss) => `${quote(iss.input)} is more than ${max}` }),
    ),
  );
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Non-empty text. `maxLength` (characters) bounds it and makes it one line: no control characters, which would
 * reach terminals and logs raw. Inputs that are documents (a kubeconfig) pass no limit.
 */
export function textInput(what: string, maxLength?: number) {
  const base = z
    .string({ error: (iss) => `got ${quote(iss.input)}, not ${what}` })
    .check(z.minLength(1, { error: `the ${what} is empty` }));
  return z.pipe(
    z.transform(trimmed),
    maxLength === undefined
      ? base
      : base.check(
          z.maxLength(maxLength, {
            error: (iss) =>
              `the ${what} is ${(iss.input as string).length} characters long, more than ${maxLength}`,
          }),
          z.refine((v: string) => !CONTROL_CHARACTER.test(v), {
            error: `the ${what} contains a control character (a line break, tab or escape)`,
          }),
        ),
  );
}

/** A Kubernetes object or namespace name (RFC 1123 label, as namespaces, Secrets and ConfigMaps accept). */
export function kubeNameInput() {
  return z.pipe(
    z.transform(trimmed),
    z.string({ error: (iss) => `got ${quote(iss.input)}, not a name` }).check(
      z.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
        error: (iss) =>
          `${quote(iss.input)} is not a valid Kubernetes name (lower-case letters, digits and '-', starting and ending with a letter or digit)`,
      }),
      z.maxLength(63, { error: (iss) => `${quote(iss.input)} is longer than 63 characters` }),
    ),
  );
}

/** A ConfigMap/Secret data key. */
export function dataKeyInput() {
  return z.pipe(
    z.transform(trimmed),
    z.string({ error: (iss) => `got ${quote(iss.input)}, not a key` }).check(
      z.regex(/^[-._a-zA-Z0-9]+$/, {
        error: (iss) => `${quote(iss.input)} is not a valid data key (letters, digits, '-', '_' and '.')`,
      }),
    ),
  );
}

/** A certificate subject (src/pki/distinguished-name.ts): the problem names the part that is wrong. */
export function subjectInput() {
  return z.pipe(
    z.transform(trimmed),
    z.string({ error: (iss) => `got ${quote(iss.input)}, not a subject` }).check(
      z.superRefine((v, ctx) => {
        const p = parseDistinguishedName(v);
        if (!p.ok) ctx.addIssue({ code: 'custom', input: v, message: `the subject ${p.problem}` });
      }),
    ),
  );
}
