// One cluster of a fleet as the Inputs its check runs with: the run's inputs, then the file's defaults, then the
// cluster's own inputs and access, each value checked by its input's schema. The kubeconfig comes from the
// variable `access.kubeconfig-secret` names (the CLI, a single job) or the run's `kubeconfig` input (a matrix job
// passes `secrets[matrix.kubeconfig-secret]`), or from `access.kubeconfig-file`; a cluster's own Litmus Edge token the
// same way from `access.litmus-edge-token-secret` (registered as a secret at once).
import { readFile } from 'node:fs/promises';
import { crossInputProblems } from '../config/cross-input.js';
import type { InputProblem } from '../config/input-error.js';
import { specByName, type Inputs } from '../config/input-specs.js';
import type { Fleet, FleetCluster } from './fleet.js';
import { FleetProblems } from './fleet.js';
import { checkCertsInputProblems } from './settings.js';

/** Arc proxies of clusters checked in one process need distinct ports: the n-th cluster defaults to this + n. */
const ARC_PORT_BASE = 47011;

export interface FleetTarget {
  cluster: FleetCluster;
  inputs: Inputs;
}

/**
 * A secret from the variable that `access[key]` names (the CLI, or a job given it in env), else, in a job that
 * checks this one cluster, the run's own `input` (a matrix job passes `secrets[matrix.<key>]`). Without a name:
 * undefined (the caller decides).
 */
function namedSecret(
  c: FleetCluster,
  key: 'kubeconfig-secret' | 'litmus-edge-token-secret',
  s: { input: 'kubeconfig' | 'litmus-edge-token'; what: string; base: Inputs; env: NodeJS.ProcessEnv },
  single: boolean,
  p: FleetProblems,
): { named: boolean; value?: string } {
  const name = c.access[key];
  if (typeof name !== 'string') return { named: false };
  const value = s.env[name] || (single ? s.base[s.input] : undefined);
  if (!value)
    p.add(
      c.lines[key],
      `clusters(${c.name}).access.${key}`,
      `the variable ${name} is not set: it holds the ${s.what} of cluster '${c.name}'`,
      `${name} set in the environment (env: ${name}: \${{ secrets.${name} }}), or ${s.input} given in a job for this one cluster`,
      `env: {${name}: \${{ secrets.${name} }}}`,
    );
  return { named: true, ...(value ? { value } : {}) };
}

async function kubeconfigOf(
  c: FleetCluster,
  base: Inputs,
  env: NodeJS.ProcessEnv,
  single: boolean,
  p: FleetProblems,
): Promise<string | undefined> {
  const file = c.access['kubeconfig-file'];
  const key = (k: string) => `clusters(${c.name}).access.${k}`;
  const named = namedSecret(
    c,
    'kubeconfig-secret',
    { input: 'kubeconfig', what: 'kubeconfig', base, env },
    single,
    p,
  );
  if (named.named) return named.value;
  if (typeof file === 'string') {
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      p.add(
        c.lines['kubeconfig-file'],
        key('kubeconfig-file'),
        `cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
        'a readable kubeconfig file',
      );
    }
  }
  return undefined;
}

/** Each override through its input's schema; problems name the file, line and key. */
async function typed(
  values: Record<string, unknown>,
  lines: Record<string, number>,
  where: string,
  p: FleetProblems,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(values)) {
    if (key === 'kubeconfig-secret' || key === 'kubeconfig-file' || key === 'litmus-edge-token-secret')
      continue;
    const spec = specByName(key);
    if (!spec) continue; // reported by readFleet
    const parsed = await spec.schema.safeParseAsync(
      typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw,
    );
    if (parsed.success) out[key] = parsed.data;
    else
      for (const issue of parsed.error.issues)
        p.add(lines[key], `${where}.${key}`, issue.message, spec.expected, spec.example);
  }
  return out;
}

export async function fleetTargets(
  base: Inputs,
  fleet: Fleet,
  clusters: readonly FleetCluster[],
  env: NodeJS.ProcessEnv,
  origin: string,
  mask: (secret: string) => void = () => undefined,
): Promise<{ targets: FleetTarget[]; problems: InputProblem[] }> {
  const p = new FleetProblems(fleet.path, origin);
  const defaults = await typed(fleet.defaults, fleet.defaultLines, 'defaults', p);
  const targets: FleetTarget[] = [];
  const single = clusters.length === 1;
  for (const c of clusters) {
    const own = await typed({ ...c.inputs, ...c.access }, c.lines, `clusters(${c.name})`, p);
    const kubeconfig = await kubeconfigOf(c, base, env, single, p);
    const merged = { ...base, ...defaults, ...own } as Inputs;
    const named = namedSecret(
      c,
      'litmus-edge-token-secret',
      { input: 'litmus-edge-token', what: 'Litmus Edge API token', base, env },
      single,
      p,
    );
    // Without a name of its own, the run's token (if any) serves every cluster.
    const token = named.named ? named.value : base['litmus-edge-token'];
    if (token !== undefined) {
      mask(token);
      merged['litmus-edge-token'] = token;
    }
    if (kubeconfig !== undefined) {
      merged.kubeconfig = kubeconfig;
      if (own['cluster-access'] === undefined) merged['cluster-access'] = 'kubeconfig';
    } else if (!single) delete merged.kubeconfig; // the run's kubeconfig is one cluster's, not all
    if (merged['cluster-access'] === 'arc' && own['arc-proxy-port'] === undefined && !single) {
      merged['arc-proxy-port'] = ARC_PORT_BASE + fleet.clusters.indexOf(c);
    }
    const cross = [...crossInputProblems(merged), ...checkCertsInputProblems(merged)];
    for (const x of cross)
      p.add(c.line, `clusters(${c.name})`, `${x.input} ${x.problem}`, x.expected, x.example);
    targets.push({ cluster: c, inputs: merged });
  }
  return { targets, problems: p.list };
}
