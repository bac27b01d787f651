// Reads the optional YAML config file into a raw layer. Problems are returned, not thrown, so they can be
// reported together with every other invalid input.
import { open, stat } from 'node:fs/promises';
import type { InputProblem } from './input-error.js';
import { INPUT_SPECS } from './input-specs.js';
import type { RawLayer } from './raw-inputs.js';
import { didYouMean } from './suggest.js';
import { parseYamlSafely } from './yaml.js';

const EXAMPLE = 'a file with lines such as `stages: certs,authpolicy` and `summary: false`';

/** A config file is a few dozen lines; anything near this is a mistake (or an attack), refused before reading. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

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
  const tooBig = (size?: number): { layer: RawLayer; problems: InputProblem[] } => ({
    layer,
    problems: [
      problem(
        'config-file',
        `'${path}' is ${size === undefined ? '' : `${size} bytes, `}larger than the limit of ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB) for a config file`,
        'a YAML file of at most 1 MiB (a few dozen lines of inputs)',
      ),
    ],
  });
  let text: string;
  try {
    // Checked with stat before reading; a pipe or device (no size) is read only up to the limit.
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (st.size > MAX_CONFIG_FILE_BYTES) return tooBig(st.size);
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
      let n = 0;
      for (let r = 1; r > 0 && n < buf.length; n += r) r = (await fh.read(buf, n, buf.length - n)).bytesRead;
      if (n > MAX_CONFIG_FILE_BYTES) return tooBig();
      text = buf.subarray(0, n).toString('utf8');
    } finally {
      await fh.close();
    }
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
  const parsed = await parseYamlSafely(text, `'${path}'`);
  if (!parsed.ok) {
    return { layer, problems: [problem('config-file', parsed.problem, `a YAML mapping (${parsed.fix})`)] };
  }
  const data = parsed.value;
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
