// The fleet file: its shape, every problem named with file, line and key, the matrix, and each cluster's inputs;
// and the example workflow that fans a fleet out.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { fleetMatrix, readFleet } from '../../src/check-certs/fleet.js';
import { fleetTargets } from '../../src/check-certs/fleet-inputs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'litmus-fleet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const path = join(dir, `fleet-${++n}.yml`);
  writeFileSync(path, text);
  return path;
}

const VALID = `# two plants
version: 1
defaults:
  warn-days: 21
clusters:
  - name: plant7
    access:
      cluster-access: arc
      arc-cluster: edge-7
      resource-group: rg-7
  - name: plant8
    access:
      kubeconfig-secret: PLANT8_KUBECONFIG
    inputs:
      broker-port: 18885
      fail-days: 7
`;

async function problemsOf(text: string): Promise<string[]> {
  const path = file(text);
  const r = await readFleet(path, 'input fleet');
  return r.problems.map((p) => p.problem.split(path).join('F'));
}

describe('fleet file', () => {
  test('a valid file: its clusters, and the matrix for strategy.matrix', async () => {
    const r = await readFleet(file(VALID), 'input fleet');
    expect(r.problems).toEqual([]);
    expect(r.fleet!.clusters.map((c) => [c.name, c.line])).toEqual([
      ['plant7', 6],
      ['plant8', 11],
    ]);
    expect(fleetMatrix(r.fleet!).matrix).toEqual({
      include: [{ cluster: 'plant7' }, { cluster: 'plant8', 'kubeconfig-secret': 'PLANT8_KUBECONFIG' }],
    });
  });

  test.each([
    [
      'an unknown top-level key',
      'cluster:\n  - name: a\n',
      [
        'F line 1, key clusters: the key clusters is missing',
        "F line 1, key cluster: 'cluster' is not a key here (the keys are version, defaults, clusters)",
      ],
    ],
    ['no clusters', 'clusters: []\n', ['F line 1, key clusters: the list of clusters is empty']],
    [
      'a cluster without a name',
      'clusters:\n  - access: {cluster-access: arc}\n',
      ['F line 2, key clusters[0].name: a cluster needs a name'],
    ],
    [
      'a bad name',
      'clusters:\n  - name: Plant_7\n',
      [
        "F line 2, key clusters[0].name: 'Plant_7' is not a cluster name (lower-case letters, digits and '-', as a Kubernetes name)",
      ],
    ],
    [
      'a name twice',
      'clusters:\n  - name: a\n  - name: b\n  - name: a\n',
      [
        "F line 4, key clusters[2].name: 'a' is listed twice (first at line 2): each cluster needs its own name",
      ],
    ],
    [
      'an unknown access key',
      'clusters:\n  - name: a\n    access:\n      kubeconfig: x\n',
      ["F line 4, key clusters[0].access.kubeconfig: 'kubeconfig' is not a key here"],
    ],
    [
      'an input that does not exist',
      'clusters:\n  - name: a\n    inputs:\n      warn-dayz: 3\n',
      ["F line 4, key clusters[0].inputs.warn-dayz: 'warn-dayz' is not an input (did you mean 'warn-days'?)"],
    ],
    [
      'a secret in the file',
      'defaults:\n  github-token: ghp_x\nclusters:\n  - name: a\n',
      [
        "F line 2, key defaults.github-token: 'github-token' is a secret: a fleet file never holds one (access.kubeconfig-secret and access.litmus-edge-token-secret name the secrets that hold a kubeconfig and a Litmus Edge token)",
      ],
    ],
    [
      'both kubeconfig sources',
      'clusters:\n  - name: a\n    access: {kubeconfig-secret: A, kubeconfig-file: ./k}\n',
      ['F line 3, key clusters[0].access: names both kubeconfig-secret and kubeconfig-file: give one'],
    ],
    ['not YAML', 'clusters: [\n', ["F: 'F' is not valid YAML at line 2, column 1: BAD_INDENT"]],
  ])('%s', async (_name, text, expected) => {
    expect(await problemsOf(text)).toEqual(expected);
  });

  test('examples/litmus-fleet.yml is a valid fleet file', async () => {
    const r = await readFleet('examples/litmus-fleet.yml', 'input fleet');
    expect(r.problems).toEqual([]);
    expect(fleetMatrix(r.fleet!).matrix?.include.map((e) => e.cluster)).toEqual(['plant7', 'plant8']);
  });

  test('examples/workflows/cert-check.yml: nightly and on demand, one job per cluster, the permissions it needs', () => {
    const wf = parse(readFileSync('examples/workflows/cert-check.yml', 'utf8')) as {
      on: { schedule: Array<{ cron: string }>; workflow_dispatch: { inputs: Record<string, unknown> } };
      permissions: Record<string, string>;
      jobs: Record<
        string,
        { needs?: string; strategy?: { matrix: string }; steps: Array<{ with?: Record<string, string> }> }
      >;
    };
    // Once a day (minute and hour fixed, every day).
    expect(wf.on.schedule[0]!.cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual(['rotate']);
    expect(wf.permissions).toMatchObject({ issues: 'write', 'id-token': 'write' });
    // The fan-out: one job turns the fleet file into the matrix, the other checks one cluster per matrix entry.
    const fleet = wf.jobs['fleet']!.steps.find((x) => x.with?.['command'] === 'check-certs')!.with!;
    expect(fleet).toMatchObject({ fleet: '.github/litmus-fleet.yml' });
    expect(fleet['fleet-cluster']).toBeUndefined();
    expect(wf.jobs['check']).toMatchObject({
      needs: 'fleet',
      strategy: { matrix: '${{ fromJSON(needs.fleet.outputs.matrix) }}' },
    });
    const one = wf.jobs['check']!.steps.find((x) => x.with?.['command'] === 'check-certs')!.with!;
    expect(one).toMatchObject({
      fleet: '.github/litmus-fleet.yml',
      'fleet-cluster': '${{ matrix.cluster }}',
      'litmus-edge-token':
        "${{ matrix.litmus-edge-token-secret && secrets[matrix.litmus-edge-token-secret] || '' }}",
    });
    expect(existsSync('examples/workflows/check-certs.yml')).toBe(false); // renamed, as the issue names it
  });

  test('a missing file names the path and the working directory', async () => {
    const r = await readFleet(join(dir, 'nope.yml'), 'input fleet');
    expect(r.problems[0]!.problem).toMatch(/nope\.yml: the file does not exist \(working directory /);
  });

  test('more clusters than a matrix may hold: refused with how to split', async () => {
    const many = `clusters:\n${Array.from({ length: 257 }, (_, i) => `  - name: c${i}\n`).join('')}`;
    const r = await readFleet(file(many), 'input fleet');
    expect(fleetMatrix(r.fleet!).problem).toMatch(
      /lists 257 clusters, more than the 256 jobs GitHub allows in one matrix: split it/,
    );
  });
});

describe('fleet cluster inputs', () => {
  test('defaults, then the cluster: values typed by their own schemas; kubeconfig from the named variable', async () => {
    const { fleet } = await readFleet(file(VALID), 'input fleet');
    const base = await resolveInputs([]);
    const t = await fleetTargets(
      base,
      fleet!,
      fleet!.clusters,
      { PLANT8_KUBECONFIG: 'apiVersion: v1\nclusters: []\n' },
      'input fleet',
    );
    expect(t.problems).toEqual([]);
    const [p7, p8] = t.targets.map((x) => x.inputs);
    expect(p7).toMatchObject({
      'cluster-access': 'arc',
      'arc-cluster': 'edge-7',
      'warn-days': 21,
      'fail-days': 14,
      'arc-proxy-port': 47011,
    });
    expect(p8).toMatchObject({
      'cluster-access': 'kubeconfig',
      'broker-port': 18885,
      'warn-days': 21,
      'fail-days': 7,
    });
    expect(p8!.kubeconfig).toContain('clusters: []');
  });

  test("a cluster's own Litmus Edge token from the variable litmus-edge-token-secret names: in the matrix, typed, masked", async () => {
    const path = file(
      'clusters:\n  - name: a\n    access: {litmus-edge-token-secret: LE_TOKEN_A}\n  - name: b\n  - name: c\n    access: {litmus-edge-token-secret: LE_TOKEN_C}\n',
    );
    const { fleet } = await readFleet(path, 'input fleet');
    expect(fleetMatrix(fleet!).matrix!.include).toEqual([
      { cluster: 'a', 'litmus-edge-token-secret': 'LE_TOKEN_A' },
      { cluster: 'b' },
      { cluster: 'c', 'litmus-edge-token-secret': 'LE_TOKEN_C' },
    ]);
    const base = { ...(await resolveInputs([])), 'litmus-edge-token': 'run-wide-token' };
    const masked: string[] = [];
    const env = { LE_TOKEN_A: 'token-of-a' };
    const t = await fleetTargets(base, fleet!, fleet!.clusters, env, 'input fleet', (x) => masked.push(x));
    // c's variable is not set: a problem naming it, never a value.
    expect(t.problems.map((p) => p.problem.replace(path, 'F'))).toEqual([
      "F line 6, key clusters(c).access.litmus-edge-token-secret: the variable LE_TOKEN_C is not set: it holds the Litmus Edge API token of cluster 'c'",
    ]);
    const [a, b] = t.targets.map((x) => x.inputs);
    expect(a!['litmus-edge-token']).toBe('token-of-a');
    expect(b!['litmus-edge-token']).toBe('run-wide-token'); // no name of its own: the run's token
    expect(masked).toContain('token-of-a');
    expect(JSON.stringify(t.problems)).not.toMatch(/token-of-a|run-wide-token/);
    // A matrix job for one cluster: litmus-edge-token given by the workflow from secrets[matrix...].
    const one = await fleetTargets(base, fleet!, [fleet!.clusters[2]!], {}, 'input fleet');
    expect(one.problems).toEqual([]);
    expect(one.targets[0]!.inputs['litmus-edge-token']).toBe('run-wide-token');
  });

  test('a bad value, a missing variable and a rule between inputs: each with line and key', async () => {
    const path = file(
      'clusters:\n  - name: a\n    access: {kubeconfig-secret: NOPE}\n    inputs:\n      warn-days: -1\n  - name: b\n    inputs:\n      fail-days: 40\n',
    );
    const { fleet } = await readFleet(path, 'input fleet');
    const t = await fleetTargets(await resolveInputs([]), fleet!, fleet!.clusters, {}, 'input fleet');
    expect(t.problems.map((p) => p.problem.replace(path, 'F'))).toEqual([
      'F line 5, key clusters(a).warn-days: -1 must not be negative',
      "F line 3, key clusters(a).access.kubeconfig-secret: the variable NOPE is not set: it holds the kubeconfig of cluster 'a'",
      'F line 6, key clusters(b): fail-days is 40, more than warn-days (28): a certificate would fail before it warns',
    ]);
  });
});
