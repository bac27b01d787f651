// Reads the optional YAML config file into a raw layer. Problems are returned, not thrown, so they can be
// reported together with every other invalid input.
import { readFile } from 'node:fs/promises';
import type { InputProblem } from './input-error.js';
import { INPUT_SPECS } from './input-specs.js';
import type { RawLayer } from './raw-inputs.js';
import { didYouMean } from './suggest.js';
import { loadYaml } from './yaml.js';

const EXAMPLE = 'a file with lines such as `stages: certs,authpolicy` and `summary: false`';

export async function readConfigFile(
  path: string,
  origin: string,
): Promise<{ layer: RawLayer; problems: InputProblem[] }> {
  const layer: RawLayer = new Map();
  const problem = (input: string, text: string, expected: string, example = EXAMPLE): InputProblem => ({
    input,
    source: input === 'config-file' ? origin : `config file ${path}`,
    problem: text,
    expected,
    example,
  });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `file '${path}' does not exist (working directory ${process.cwd()})`
        : code === 'EISDIR'
          ? `'${path}' is a directory`
          : `cannot read '${path}' (${code ?? String(e)})`;
    return { layer, problems: [problem('config-file', why, 'a path to a readable YAML file')] };
  }
  const { parseDocument } = await loadYaml();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const where = first.linePos?.[0] ? ` at line ${first.linePos[0].line}` : '';
    return {
      layer,
      problems: [
        problem('config-file', `'${path}' is not valid YAML${where}: ${first.code}`, 'a YAML mapping'),
      ],
    };
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return { layer, problems: [] }; // an empty file sets nothing
  if (typeof data !== 'object' || Array.isArray(data)) {
    return {
      layer,
      problems: [
        problem(
          'config-file',
          `'${path}' holds a ${Array.isArray(data) ? 'list' : typeof data}`,
          'a YAML mapping',
        ),
      ],
    };
  }
  const names = INPUT_SPECS.map((s) => s.name).filter((n) => n !== 'config-file');
  const problems: InputProblem[] = [];
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (key === 'config-file') {
      problems.push(
        problem(key, 'a config file cannot name another config file', 'no config-file key inside it'),
      );
    } else if (!names.includes(key)) {
      problems.push(
        problem(
          key,
          `'${key}' is not an input${didYouMean(key, names)}`,
          `one of the keys ${names.join(', ')}`,
        ),
      );
    } else {
      layer.set(key, { value, source: `config file ${path}` });
    }
  }
  return { layer, problems };
}
