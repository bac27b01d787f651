// Builds raw layers from the three ways inputs arrive: action inputs, CLI flags, LITMUS_AIO_* variables.
import type { InputProblem } from './input-error.js';
import { INPUT_SPECS } from './input-specs.js';
import type { RawLayer } from './raw-inputs.js';
import { didYouMean } from './suggest.js';

export const ENV_PREFIX = 'LITMUS_AIO_';

export function envName(input: string): string {
  return ENV_PREFIX + input.toUpperCase().replace(/-/g, '_');
}

/** Action inputs: `getInput` is @actions/core's, injected. An empty input means "not set" (GitHub's convention). */
export function actionLayer(getInput: (name: string) => string): RawLayer {
  const layer: RawLayer = new Map();
  for (const spec of INPUT_SPECS) {
    const value = getInput(spec.name);
    if (value.trim() !== '') layer.set(spec.name, { value, source: 'action input' });
  }
  return layer;
}

/** LITMUS_AIO_* variables; an unknown one is a problem, since a typo would otherwise be silently ignored. */
export function envLayer(env: NodeJS.ProcessEnv): { layer: RawLayer; problems: InputProblem[] } {
  const layer: RawLayer = new Map();
  const problems: InputProblem[] = [];
  const known = new Map(INPUT_SPECS.map((s) => [envName(s.name), s.name]));
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(ENV_PREFIX) || value === undefined || value === '') continue;
    const name = known.get(key);
    if (name) {
      layer.set(name, { value, source: key });
    } else {
      problems.push({
        input: key,
        source: 'environment',
        problem: `'${key}' is not a known variable${didYouMean(key, [...known.keys()])}`,
        expected: `one of ${[...known.keys()].join(', ')}`,
        example: `${envName('stages')}=certs,authpolicy`,
      });
    }
  }
  return { layer, problems };
}
