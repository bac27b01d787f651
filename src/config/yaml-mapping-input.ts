// An input that is a mapping: YAML text in action inputs and variables, or a mapping already parsed from the config
// file. Shared by `values` (deploy) and `connector-config`: bounded text, the safe YAML parser, empty = {}.
import * as z from 'zod/mini';
import { quote } from './input-spec.js';
import { parseYamlSafely } from './yaml.js';

/** `maxChars` bounds what the YAML parser is handed; `what` completes "got X, not a mapping of ...". */
export function yamlMappingInput(maxChars: number, what: string) {
  return z.pipe(
    z.transform(async (raw: unknown, ctx) => {
      if (typeof raw !== 'string') return raw;
      if (raw.length > maxChars) {
        ctx.issues.push({
          code: 'custom',
          input: raw,
          message: `is ${raw.length} characters long, more than ${maxChars}`,
        });
        return z.NEVER;
      }
      if (raw.trim() === '') return {};
      const parsed = await parseYamlSafely(raw, 'the value', 'YAML');
      if (parsed.ok) return parsed.value ?? {};
      ctx.issues.push({ code: 'custom', input: raw, message: parsed.problem });
      return z.NEVER;
    }),
    z.record(z.string(), z.unknown(), {
      error: (iss) => `got ${quote(iss.input)}, not a mapping of ${what}`,
    }),
  );
}
