// The fleet file: many clusters, each with its access and input overrides, for check-certs. Read once and checked
// whole (zod for the shape, each override by its input's own schema); every problem names the file, the line and
// the key. It becomes the `fleet-matrix` output (one job per cluster) or, in the CLI, the clusters to check.
import { readFile } from 'node:fs/promises';
import type * as Yaml from 'yaml';
import * as z from 'zod/mini';
import type { InputProblem } from '../config/input-error.js';
import { quote } from '../config/input-spec.js';
import { INPUT_SPECS } from '../config/input-specs.js';
import { didYouMean } from '../config/suggest.js';
import { loadYaml, parseYamlSafely } from '../config/yaml.js';

/** GitHub runs at most 256 jobs per matrix. */
export const MAX_MATRIX_JOBS = 256;

export interface FleetCluster {
  name: string;
  /** How to reach it: `kubeconfig-secret` / `kubeconfig-file` and access inputs (cluster-access, arc-cluster, ...). */
  access: Record<string, unknown>;
  inputs: Record<string, unknown>;
  /** Where it is written, for messages: "line 7". */
  line: number;
  /** Line of each override key, for messages. */
  lines: Record<string, number>;
}

export interface Fleet {
  path: string;
  defaults: Record<string, unknown>;
  defaultLines: Record<string, number>;
  clusters: FleetCluster[];
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Access keys beside the inputs that say how to reach a cluster. */
const ACCESS_INPUTS = [
  'cluster-access',
  'arc-cluster',
  'resource-group',
  'arc-proxy-port',
  'azure-subscription-id',
];

/** Inputs a fleet file may not set: the command's own, and secrets (a file in the repository holds no secret). */
const NOT_IN_FLEET = new Set([
  'command',
  'stages',
  'config-file',
  'fleet',
  'fleet-cluster',
  'fleet-concurrency',
  ...INPUT_SPECS.filter((s) => s.secret).map((s) => s.name),
]);

const overrides = z.record(z.string(), z.unknown());
/** The name of a secret (a matrix job) or environment variable (the CLI) that holds the value, never the value. */
const secretName = z.optional(
  z.string().check(
    z.regex(ENV_NAME, {
      error: (iss) => `${quote(iss.input)} is not a secret or variable name (letters, digits and '_')`,
    }),
  ),
);
const access = z.strictObject({
  'kubeconfig-secret': secretName,
  'litmus-edge-token-secret': secretName,
  'kubeconfig-file': z.optional(z.string().check(z.minLength(1, { error: 'the path is empty' }))),
  ...Object.fromEntries(ACCESS_INPUTS.map((k) => [k, z.optional(z.unknown())])),
});
const cluster = z.strictObject({
  name: z.string({ error: 'a cluster needs a name' }).check(
    z.regex(NAME, {
      error: (iss) =>
        `${quote(iss.input)} is not a cluster name (lower-case letters, digits and '-', as a Kubernetes name)`,
    }),
    z.maxLength(63, { error: 'the name is longer than 63 characters' }),
  ),
  access: z.optional(access),
  inputs: z.optional(overrides),
});
const fleetSchema = z.strictObject({
  version: z.optional(z.literal(1, { error: 'the only version is 1' })),
  defaults: z.optional(overrides),
  clusters: z
    .array(cluster, {
      error: (iss) => (iss.input === undefined ? 'the key clusters is missing' : 'clusters must be a list'),
    })
    .check(z.minLength(1, { error: 'the list of clusters is empty' })),
});

const EXAMPLE =
  'clusters:\n  - name: plant7\n    access: {cluster-access: arc, arc-cluster: edge-7, resource-group: rg-7}\n    inputs: {warn-days: 21}';

type Path = ReadonlyArray<string | number>;

/** Turns a path into the key as written: clusters[1].inputs.warn-days. */
const keyOf = (path: Path): string =>
  path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');

class Positions {
  constructor(
    private readonly doc: Yaml.Document.Parsed,
    private readonly lc: Yaml.LineCounter,
    private readonly yaml: typeof Yaml,
  ) {}
  /** The line of a path (of its key when `key` is set, e.g. an unknown key); the nearest existing parent's otherwise. */
  line(path: Path, key?: string): number {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as Yaml.Node | undefined;
      if (!node) continue;
      if (key !== undefined && n === path.length && this.yaml.isMap(node)) {
        const pair = node.items.find((i) => this.yaml.isScalar(i.key) && i.key.value === key);
        const at = (pair?.key as Yaml.Node | undefined)?.range?.[0];
        if (at !== undefined) return this.lc.linePos(at).line;
      }
      if (node.range) return this.lc.linePos(node.range[0]).line;
    }
    return 1;
  }
}

export class FleetProblems {
  readonly list: InputProblem[] = [];
  constructor(
    readonly path: string,
    private readonly origin: string,
  ) {}
  add(
    line: number | undefined,
    key: string,
    problem: string,
    expected = 'a fleet file as README "A fleet" shows',
    example = EXAMPLE,
  ): void {
    this.list.push({
      input: 'fleet',
      source: this.origin,
      problem: `${this.path}${line ? ` line ${line}` : ''}${key ? `, key ${key}` : ''}: ${problem}`,
      expected,
      example,
    });
  }
}

async function readText(path: string, p: FleetProblems): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    p.add(
      undefined,
      '',
      code === 'ENOENT'
        ? `the file does not exist (working directory ${process.cwd()})`
        : `cannot be read (${code ?? String(e)})`,
      'a path to a readable YAML fleet file',
    );
    return undefined;
  }
}

/** Override keys that are not inputs, or may not be in a fleet file. */
function checkKeys(values: Record<string, unknown>, path: Path, pos: Positions, p: FleetProblems): void {
  const names = INPUT_SPECS.map((s) => s.name).filter((n) => !NOT_IN_FLEET.has(n));
  for (const key of Object.keys(values)) {
    const line = pos.line(path, key);
    if (NOT_IN_FLEET.has(key)) {
      const secret = INPUT_SPECS.find((s) => s.name === key)?.secret;
      p.add(
        line,
        keyOf([...path, key]),
        secret
          ? `'${key}' is a secret: a fleet file never holds one (access.kubeconfig-secret and access.litmus-edge-token-secret name the secrets that hold a kubeconfig and a Litmus Edge token)`
          : `'${key}' cannot be set per cluster`,
      );
    } else if (!names.includes(key)) {
      p.add(line, keyOf([...path, key]), `'${key}' is not an input${didYouMean(key, names)}`);
    }
  }
}

function checkClusters(fleet: z.output<typeof fleetSchema>, pos: Positions, p: FleetProblems): void {
  const seen = new Map<string, number>();
  fleet.clusters.forEach((c, i) => {
    const line = pos.line(['clusters', i, 'name']);
    const first = seen.get(c.name);
    if (first !== undefined)
      p.add(
        line,
        `clusters[${i}].name`,
        `'${c.name}' is listed twice (first at line ${first}): each cluster needs its own name`,
      );
    seen.set(c.name, line);
    if (c.access?.['kubeconfig-secret'] !== undefined && c.access['kubeconfig-file'] !== undefined) {
      p.add(
        pos.line(['clusters', i, 'access']),
        `clusters[${i}].access`,
        'names both kubeconfig-secret and kubeconfig-file: give one',
      );
    }
    if (c.inputs) checkKeys(c.inputs, ['clusters', i, 'inputs'], pos, p);
  });
  if (fleet.defaults) checkKeys(fleet.defaults, ['defaults'], pos, p);
}

function linesOf(
  values: Record<string, unknown> | undefined,
  path: Path,
  pos: Positions,
): Record<string, number> {
  return Object.fromEntries(Object.keys(values ?? {}).map((k) => [k, pos.line(path, k)]));
}

/** Reads and checks a fleet file; `problems` lists everything wrong with it at once. */
export async function readFleet(
  path: string,
  origin: string,
): Promise<{ fleet?: Fleet; problems: InputProblem[] }> {
  const p = new FleetProblems(path, origin);
  const text = await readText(path, p);
  if (text === undefined) return { problems: p.list };
  const parsed = await parseYamlSafely(text, `'${path}'`);
  if (!parsed.ok) {
    p.add(undefined, '', parsed.problem, parsed.fix);
    return { problems: p.list };
  }
  const yaml = await loadYaml();
  const lc = new yaml.LineCounter();
  const pos = new Positions(yaml.parseDocument(text, { lineCounter: lc }), lc, yaml);
  const checked = fleetSchema.safeParse(parsed.value ?? {});
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      for (const k of keys) {
        const where = k === undefined ? issue.path : [...issue.path, k];
        const problem =
          k === undefined
            ? issue.message
            : `'${k}' is not a key here${issue.path.length === 0 ? ' (the keys are version, defaults, clusters)' : ''}`;
        p.add(pos.line(issue.path as Path, k), keyOf(where as Path), problem);
      }
    }
    return { problems: p.list };
  }
  checkClusters(checked.data, pos, p);
  if (p.list.length > 0) return { problems: p.list };
  const clusters = checked.data.clusters.map((c, i) => ({
    name: c.name,
    access: { ...(c.access ?? {}) },
    inputs: { ...(c.inputs ?? {}) },
    line: pos.line(['clusters', i]),
    lines: {
      ...linesOf(c.access, ['clusters', i, 'access'], pos),
      ...linesOf(c.inputs, ['clusters', i, 'inputs'], pos),
    },
  }));
  return {
    fleet: {
      path,
      defaults: checked.data.defaults ?? {},
      defaultLines: linesOf(checked.data.defaults, ['defaults'], pos),
      clusters,
    },
    problems: [],
  };
}

export interface MatrixEntry {
  cluster: string;
  'kubeconfig-secret'?: string;
  'litmus-edge-token-secret'?: string;
}

/** The access keys that name a secret, as they go into a matrix entry. */
const SECRET_NAMES = ['kubeconfig-secret', 'litmus-edge-token-secret'] as const;

/** `strategy.matrix` for one job per cluster; more than GitHub allows is refused with how to split. */
export function fleetMatrix(f: Fleet): { matrix?: { include: MatrixEntry[] }; problem?: string } {
  if (f.clusters.length > MAX_MATRIX_JOBS) {
    return {
      problem: `${f.path} lists ${f.clusters.length} clusters, more than the ${MAX_MATRIX_JOBS} jobs GitHub allows in one matrix: split it into files of at most ${MAX_MATRIX_JOBS} clusters, one fan-out job each`,
    };
  }
  return {
    matrix: {
      include: f.clusters.map((c) => ({
        cluster: c.name,
        ...Object.fromEntries(
          SECRET_NAMES.flatMap((k) => (typeof c.access[k] === 'string' ? [[k, c.access[k]]] : [])),
        ),
      })),
    },
  };
}
