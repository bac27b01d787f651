// Turns layered raw values into one typed Inputs object, or one InputError listing every problem.
import { readConfigFile } from './config-file.js';
import { crossInputProblems, type PartialInputs } from './cross-input.js';
import { InputError, type InputProblem } from './input-error.js';
import { INPUT_SPECS, specByName, type Inputs, type InputValues } from './input-specs.js';
import { mergeLayers, type RawLayer } from './raw-inputs.js';

/** Never let a secret's value reach a message, whatever a schema wrote. */
function redact(message: string, raw: unknown, secret: boolean | undefined): string {
  if (!secret || typeof raw !== 'string' || raw.length === 0) return message;
  return message.split(raw).join('***');
}

/**
 * Each input on its own (so one bad input never hides another's problem), then the rules between inputs
 * (cross-input.ts) over the inputs that are valid.
 */
async function validate(
  merged: RawLayer,
): Promise<{ inputs?: Record<string, unknown>; problems: InputProblem[] }> {
  const values: Record<string, unknown> = {};
  const invalid = new Set<string>();
  const problems: InputProblem[] = [];
  await Promise.all(
    INPUT_SPECS.map(async (spec) => {
      const raw = merged.get(spec.name);
      const value = raw?.value ?? spec.default;
      if (value === undefined) return;
      const parsed = await spec.schema.safeParseAsync(value);
      if (parsed.success) {
        if (parsed.data !== undefined) values[spec.name] = parsed.data;
        return;
      }
      invalid.add(spec.name);
      for (const issue of parsed.error.issues) {
        problems.push({
          input: spec.name,
          source: raw?.source ?? 'default',
          // A nested path (an entry inside a mapping input) is named, so the user finds the bad part.
          problem: redact(
            `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`,
            raw?.value,
            spec.secret,
          ),
          expected: spec.expected,
          example: spec.example,
        });
      }
    }),
  );
  problems.push(
    ...crossInputProblems(values as PartialInputs, {
      sourceOf: (name) => merged.get(name)?.source ?? 'default',
      invalid,
    }),
  );
  // Report in the documented order of the inputs, whatever order (async) validation finished in.
  const rank = (name: string): number => INPUT_SPECS.findIndex((s) => s.name === name);
  return problems.length > 0
    ? { problems: problems.sort((a, b) => rank(a.input) - rank(b.input)) }
    : { inputs: values, problems };
}

/**
 * Validates everything before any stage runs. `layers` are ordered from lowest to highest precedence;
 * a config file named in any of them is slotted in just above the defaults.
 */
export async function resolveInputs(
  layers: readonly RawLayer[],
  options: { extraProblems?: InputProblem[]; mask?: (secret: string) => void } = {},
): Promise<Inputs> {
  const problems = [...(options.extraProblems ?? [])];
  const direct = mergeLayers(layers);
  let fileLayer: RawLayer = new Map();
  const configFile = direct.get('config-file');
  if (configFile !== undefined && !(typeof configFile.value === 'string' && configFile.value.trim() === '')) {
    const path = specByName('config-file')!.schema.safeParse(configFile.value);
    if (path.success && typeof path.data === 'string') {
      const read = await readConfigFile(path.data, configFile.source);
      fileLayer = read.layer;
      problems.push(...read.problems);
    }
  }
  const merged = mergeLayers([fileLayer, direct]);
  if (options.mask) for (const v of secretValues([fileLayer, direct])) options.mask(v);
  const { inputs, problems: schemaProblems } = await validate(merged);
  problems.push(...schemaProblems);
  if (problems.length > 0 || !inputs) throw new InputError(problems);
  return { ...(inputs as InputValues), stagesExplicit: merged.has('stages') };
}

/** Secret inputs' values, for the entry point to mask before anything is logged. */
export function secretValues(layers: readonly RawLayer[]): string[] {
  const out: string[] = [];
  for (const layer of layers) {
    for (const [name, raw] of layer) {
      if (specByName(name)?.secret && typeof raw.value === 'string' && raw.value !== '') out.push(raw.value);
    }
  }
  return out;
}
