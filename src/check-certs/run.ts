// The check-certs command: one cluster (the inputs' own), one cluster of a fleet file (a matrix job), every cluster
// of it (the CLI, bounded concurrency), or only the fleet's matrix (the action's fan-out job). Each cluster is one
// row of the report, with its findings, what rotate did or would do, and its GitHub issue; the outputs carry the
// findings and the certificates as JSON. It reports through the same Reporter as the stages.
import { InputError, type InputProblem } from '../config/input-error.js';
import type { Inputs } from '../config/input-specs.js';
import type { EngineDeps } from '../engine/run-command.js';
import { buildStageDeps } from '../engine/stage-deps-factory.js';
import { prepareClusterAccess } from '../kube/cluster-access.js';
import type { KubeconfigSource } from '../kube/kubeconfig-source.js';
import type { PipelineSummary } from '../pipeline/reporter.js';
import type { StageResult } from '../pipeline/stage.js';
import type { StageDeps } from '../stages/stage-deps.js';
import { checkCluster, type ClusterCheck } from './check-cluster.js';
import { fleetMatrix, readFleet, type Fleet } from './fleet.js';
import { fleetTargets } from './fleet-inputs.js';
import { connectorIntegration } from './litmus-connector.js';
import type { LitmusIntegrationFactory } from './litmus-port.js';
import { attachReport, renderReport, type ClusterFinding, type ClusterRecord } from './report.js';
import { checkCertsInputProblems } from './settings.js';
import { resultOf, type ClusterOutcome } from './result.js';
import { issueSettings, keepIssue, type IssueSettings } from './run-issue.js';

export type CheckCertsDeps = EngineDeps & {
  /** The Litmus Edge integration of a cluster; default: the connector's parts (litmus-connector.ts). */
  litmus?: LitmusIntegrationFactory;
  /** The action: a fleet without fleet-cluster becomes the fleet-matrix only (one job per cluster checks it). */
  fanOut?: boolean;
  now?: () => Date;
};

interface Target {
  /** The report row: 'check-certs', or the fleet cluster's name. */
  row: string;
  /** The fleet cluster's name (the issue's cluster), if any. */
  cluster?: string;
  inputs: Inputs;
}

interface Plan {
  targets: Target[];
  fleet?: Fleet;
  matrix?: string;
  notes: string[];
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function planTargets(inputs: Inputs, deps: CheckCertsDeps): Promise<Plan> {
  if (inputs.fleet === undefined) return { targets: [{ row: 'check-certs', inputs }], notes: [] };
  const origin = 'input fleet';
  const { fleet, problems } = await readFleet(inputs.fleet, origin);
  if (!fleet) throw new InputError(problems);
  const m = fleetMatrix(fleet);
  if (!m.matrix) throw new InputError([problem('fleet', origin, m.problem!)]);
  const matrix = JSON.stringify(m.matrix);
  const wanted = inputs['fleet-cluster'];
  if (wanted !== undefined && !fleet.clusters.some((c) => c.name === wanted)) {
    const names = fleet.clusters.map((c) => c.name);
    throw new InputError([
      problem(
        'fleet-cluster',
        'input fleet-cluster',
        `'${wanted}' is not a cluster of ${fleet.path} (it lists ${names.join(', ')})`,
      ),
    ]);
  }
  if (wanted === undefined && deps.fanOut) {
    return {
      targets: [],
      fleet,
      matrix,
      notes: [
        `fan-out: ${fleet.clusters.length} cluster(s) in ${fleet.path} -> fleet-matrix; each job checks one with fleet-cluster: \${{ matrix.cluster }}`,
      ],
    };
  }
  const chosen = fleet.clusters.filter((c) => wanted === undefined || c.name === wanted);
  const t = await fleetTargets(inputs, fleet, chosen, deps.env, origin, deps.mask);
  if (t.problems.length > 0) throw new InputError(t.problems);
  return {
    targets: t.targets.map((x) => ({ row: x.cluster.name, cluster: x.cluster.name, inputs: x.inputs })),
    fleet,
    matrix,
    notes: [],
  };
}

const problem = (input: string, source: string, text: string): InputProblem => ({
  input,
  source,
  problem: text,
  expected: 'see README, "check-certs"',
  example: 'fleet: .github/litmus-fleet.yml',
});

/** The cluster's name for the issue: the fleet's, the Arc cluster's, the one Arc records in the cluster, its API server. */
async function clusterName(t: Target, stageDeps: StageDeps): Promise<string> {
  if (t.cluster) return t.cluster;
  if (t.inputs['arc-cluster']) return t.inputs['arc-cluster'];
  try {
    const kube = await stageDeps.kube();
    const cm = await kube.get<{
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      data?: Record<string, string>;
    }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'azure-arc',
      name: 'azure-clusterconfig',
    });
    return cm?.data?.['AZURE_RESOURCE_NAME'] ?? new URL(kube.server).host;
  } catch {
    return 'cluster';
  }
}

async function checkTarget(
  t: Target,
  deps: CheckCertsDeps,
  issue: IssueSettings,
  signal: AbortSignal,
): Promise<ClusterOutcome> {
  const log = deps.reporter.stageLogger(t.row);
  const started = performance.now();
  const now = deps.now ?? (() => new Date());
  let source: KubeconfigSource | undefined;
  let connectError: string | undefined;
  try {
    source = await prepareClusterAccess(t.inputs, {
      env: deps.env,
      cleanup: deps.cleanup,
      mask: deps.mask ?? (() => undefined),
      ...(deps.getIdToken ? { getIdToken: deps.getIdToken } : {}),
      log,
      signal,
      ...(deps.inClusterRoot ? { inClusterRoot: deps.inClusterRoot } : {}),
    });
  } catch (e) {
    connectError = message(e);
  }
  const stageDeps = buildStageDeps(t.inputs, deps, () => source!);
  let check: ClusterCheck;
  if (connectError !== undefined && !deps.kubeClient) check = unreachable(connectError);
  else {
    let litmus;
    try {
      litmus = await (deps.litmus ?? connectorIntegration())(t.inputs, stageDeps);
    } catch (e) {
      log.warn(`Litmus Edge integration not read: ${message(e)}`);
    }
    check = await checkCluster(t.inputs, {
      stageDeps,
      ...(litmus ? { litmus } : {}),
      cleanup: deps.cleanup,
      log,
      signal,
      now,
    });
  }
  const cluster = await clusterName(t, stageDeps);
  const kept = await keepIssue(issue, t.inputs, cluster, check, now(), deps.env, log);
  return {
    row: t.row,
    cluster,
    check,
    ...(kept ? { issue: kept } : {}),
    durationMs: Math.round(performance.now() - started),
  };
}

function unreachable(why: string): ClusterCheck {
  return {
    findings: [
      {
        severity: 'failure',
        kind: 'check-failed',
        where: 'cluster',
        message: `could not reach the cluster: ${why}`,
        fix: 'fix the cluster access (the message says how) and run again',
      },
    ],
    certificates: [],
    notes: [],
    changes: [],
    wouldChange: [],
    refused: [],
  };
}

/** Runs `work` over `items`, at most `limit` at a time, results in input order. */
async function bounded<T, R>(items: readonly T[], limit: number, work: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const n = next++;
      out[n] = await work(items[n]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function outputsOf(
  outcomes: readonly ClusterOutcome[],
  matrix: string | undefined,
  withCluster: boolean,
): Record<string, string> {
  const tag = <T extends object>(o: ClusterOutcome, x: T): T & { cluster?: string } =>
    withCluster ? { cluster: o.cluster, ...x } : { ...x };
  const certs: ClusterRecord[] = outcomes.flatMap((o) => o.check.certificates.map((c) => tag(o, c)));
  const found: ClusterFinding[] = outcomes.flatMap((o) => o.check.findings.map((f) => tag(o, f)));
  const counted = certs.filter((c) => c.ownership !== 'retiring').map((c) => c.daysLeft);
  return {
    'min-days-left': counted.length > 0 ? String(Math.min(...counted)) : '',
    findings: JSON.stringify(found),
    certificates: JSON.stringify([...certs].sort((a, b) => a.daysLeft - b.daysLeft)),
    ...(matrix !== undefined ? { 'fleet-matrix': matrix } : {}),
  };
}

function fleetRow(results: readonly StageResult[], plan: Plan, outputs: Record<string, string>): StageResult {
  const failed = results.filter((r) => r.status === 'failed').map((r) => r.stage);
  const base = { stage: 'fleet', changes: [], durationMs: 0, outputs };
  if (results.length === 0) return { ...base, status: 'passed', details: plan.notes };
  const line = `${results.length} cluster(s) checked, ${failed.length} failed`;
  return failed.length > 0
    ? { ...base, status: 'failed', error: { message: `${line}: ${failed.join(', ')}` } }
    : { ...base, status: 'passed', details: [line] };
}

export async function runCheckCerts(inputs: Inputs, deps: CheckCertsDeps): Promise<PipelineSummary> {
  const started = performance.now();
  const own = checkCertsInputProblems(inputs);
  if (own.length > 0) throw new InputError(own);
  const issue = issueSettings(inputs, deps.env);
  if (issue.problems.length > 0) throw new InputError(issue.problems);
  if (issue.repo && deps.mask) deps.mask(issue.repo.token);
  const plan = await planTargets(inputs, deps);
  const signal = deps.signal ?? new AbortController().signal;
  // Fleet mode: one row per cluster and a last row `fleet` carrying the outputs of them all.
  const fleetMode = plan.fleet !== undefined && plan.targets.length !== 1;
  const notes = [...plan.notes, ...issue.notes];
  deps.reporter.pipelineStarted(
    'apply',
    [...plan.targets.map((t) => t.row), ...(fleetMode ? ['fleet'] : [])],
    notes,
  );
  const done = await bounded(plan.targets, inputs['fleet-concurrency'], async (t) => {
    deps.reporter.stageStarted(t.row);
    const o = await checkTarget(t, deps, issue, signal);
    const result = resultOf(o, deps.reporter.stageLogger(t.row));
    if (!fleetMode) result.outputs = outputsOf([o], plan.matrix, false);
    deps.reporter.stageFinished(result);
    return { o, result };
  });
  const outcomes = done.map((d) => d.o);
  const results = done.map((d) => d.result);
  const outputs = outputsOf(outcomes, plan.matrix, fleetMode);
  if (fleetMode) {
    const row = fleetRow(results, plan, outputs);
    deps.reporter.stageFinished(row);
    results.push(row);
  }
  const summary: PipelineSummary = {
    mode: 'apply',
    results,
    notes,
    durationMs: Math.round(performance.now() - started),
    ok: results.every((r) => r.status !== 'failed'),
    changed: results.some((r) => r.status === 'changed'),
    drift: false,
  };
  const tag = (o: ClusterOutcome) => (fleetMode ? { cluster: o.cluster } : {});
  attachReport(
    summary,
    renderReport(
      outcomes.flatMap((o) => o.check.certificates.map((c) => ({ ...tag(o), ...c }))),
      outcomes.flatMap((o) => o.check.findings.map((f) => ({ ...tag(o), ...f }))),
    ),
  );
  await deps.reporter.pipelineFinished(summary);
  return summary;
}
