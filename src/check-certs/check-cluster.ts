// One cluster: read everything (collect), make records and checks of it (analyse), judge (findings); with
// rotate, fix what can be fixed (remediate), prove it with smoke, and read again, so the result is the state
// after the fix. Without rotate, what rotate would do is listed instead.
import type { Inputs } from '../config/input-specs.js';
import { conflictBackoff, isConflict, MAX_CONFLICT_ATTEMPTS } from '../kube/conflict.js';
import type { AccessCheck, KubeClient } from '../kube/kube-client.js';
import { requiredPermissions, rulesFor } from '../kube/required-permissions.js';
import type { CleanupRegistry } from '../pipeline/cleanup.js';
import type { Logger } from '../pipeline/logger.js';
import type { StageDeps } from '../stages/stage-deps.js';
import { analyse } from './analyse.js';
import { collect } from './collect.js';
import { findings, needsAttention } from './findings.js';
import type { LitmusIntegration } from './litmus-port.js';
import type { CertificateRecord, CheckState, Finding } from './model.js';
import { applyRemedies, planRemedies, type RemedyPlan } from './remediate.js';
import { checkCertsSettings } from './settings.js';

export interface ClusterCheck {
  findings: Finding[];
  certificates: CertificateRecord[];
  /** Side notes for the report: cert-manager not readable, Litmus Edge not configured. */
  notes: string[];
  /** What rotate changed (rotate: true). */
  changes: string[];
  /** What rotate would change (rotate: false). */
  wouldChange: string[];
  /** Fixes rotate cannot make: a person must. */
  refused: string[];
  /** smoke after a rotation: its first detail line, or its error. */
  smoke?: { ok: boolean; detail: string };
}

export interface ClusterPorts {
  stageDeps: StageDeps;
  litmus?: LitmusIntegration;
  cleanup: CleanupRegistry;
  log: Logger;
  signal: AbortSignal;
  now: () => Date;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

interface Looked {
  state: CheckState;
  found: Finding[];
  serverChain?: string[];
}

async function look(kube: KubeClient, i: Inputs, p: ClusterPorts): Promise<Looked> {
  const s = checkCertsSettings(i);
  const collected = await collect(
    { kube, ...(p.litmus ? { litmus: p.litmus } : {}), mask: p.stageDeps.mask, signal: p.signal },
    s,
  );
  const now = p.now();
  const state = analyse(collected, s.owner, now);
  const chain = collected.server.chain;
  return {
    state,
    found: findings(state, s.thresholds, now),
    ...(chain.reached ? { serverChain: chain.pems } : {}),
  };
}

const day = (iso: string | undefined): string => iso?.slice(0, 16).replace('T', ' ') ?? '?';

function notesOf(state: CheckState): string[] {
  const notes: string[] = [];
  if (!Array.isArray(state.certManager)) notes.push(state.certManager.unreadable);
  else
    for (const c of state.certManager) {
      const ready = c.ready === undefined ? 'no Ready condition' : c.ready ? 'Ready' : 'not Ready';
      notes.push(
        `cert-manager Certificate ${c.namespace}/${c.name}: ${ready}, not after ${day(c.notAfter)}, renewal ${c.renewalTime ? `at ${day(c.renewalTime)}` : 'not scheduled'}`,
      );
    }
  if (!state.litmus.configured) notes.push('Litmus Edge integration: not configured (nothing read from it)');
  return notes;
}

async function smoke(p: ClusterPorts): Promise<{ ok: boolean; detail: string }> {
  const { createSmokeStage } = await import('../stages/smoke/smoke-stage.js');
  try {
    const out = await createSmokeStage(p.stageDeps).apply({
      mode: 'apply',
      log: p.log,
      cleanup: p.cleanup,
      signal: p.signal,
      upstream: new Map(),
    });
    return { ok: true, detail: out.details?.[0] ?? 'passed' };
  } catch (e) {
    return { ok: false, detail: message(e) };
  }
}

const smokeFinding = (detail: string): Finding => ({
  severity: 'failure',
  kind: 'smoke-failed',
  where: 'smoke after rotate',
  message: `smoke failed after the rotation: ${detail}`,
  fix: 'the message names the layer that refused; run the smoke stage again once fixed',
});

const sameCheck = (a: AccessCheck, b: AccessCheck): boolean =>
  a.verb === b.verb && a.group === b.group && a.resource === b.resource && a.namespace === b.namespace;
const describeCheck = (d: AccessCheck): string =>
  `${d.verb} ${d.group ? `${d.group}/` : ''}${d.resource}${d.namespace ? ` in ${d.namespace}` : ' (cluster-wide)'}`;

/**
 * What the cluster identity may not do (SelfSubjectAccessReview, all at once, as the stages' preflight asks):
 * missing read permissions make the check a failure that lists them with the rules to grant; missing write
 * permissions (rotate) refuse rotate the same way. cert-manager's Certificates are optional: reading them is tried
 * and an unreadable list is a note. An identity that may not even ask lets the reads speak for themselves.
 */
async function permissionGaps(
  kube: KubeClient,
  i: Inputs,
): Promise<{ read: AccessCheck[]; rotate: AccessCheck[] }> {
  const reads = requiredPermissions('check-certs', { ...i, rotate: false });
  let denied: AccessCheck[];
  try {
    denied = (await kube.denied(requiredPermissions('check-certs', i))).filter(
      (d) => d.group !== 'cert-manager.io',
    );
  } catch {
    return { read: [], rotate: [] };
  }
  const isRead = (d: AccessCheck) => reads.some((r) => sameCheck(r, d));
  return { read: denied.filter(isRead), rotate: denied.filter((d) => !isRead(d)) };
}

const grant = (denied: AccessCheck[]): string =>
  `${denied.map(describeCheck).join('; ')}. Fix: grant these rules (see docs/permissions.md and deploy/rbac/):\n${rulesFor(denied)}`;

const permissionFinding = (denied: AccessCheck[]): Finding => ({
  severity: 'failure',
  kind: 'check-failed',
  where: 'cluster permissions',
  message: `the cluster identity lacks ${denied.length} permission(s) check-certs needs to read: ${denied.map(describeCheck).join('; ')}`,
  fix: `grant these rules (see docs/permissions.md and deploy/rbac/):\n${rulesFor(denied)}`,
});

const empty = (findings: Finding[]): ClusterCheck => ({
  findings,
  certificates: [],
  notes: [],
  changes: [],
  wouldChange: [],
  refused: [],
});

async function plan(kube: KubeClient, i: Inputs, p: ClusterPorts, seen: Looked): Promise<RemedyPlan> {
  try {
    return await planRemedies(seen.found, {
      inputs: i,
      kube,
      ...(p.litmus ? { litmus: p.litmus } : {}),
      ...(seen.serverChain ? { serverChain: seen.serverChain } : {}),
      mask: p.stageDeps.mask,
      now: p.now(),
      signal: p.signal,
      log: p.log,
    });
  } catch (e) {
    return { changes: [], refused: [`rotate could not be planned: ${message(e)}`], writes: [] };
  }
}

/**
 * Applies the plan; a write refused for a stale resourceVersion (someone else wrote meanwhile, e.g. the certs
 * stage) plans again from what is there now, a few times. Returns what was done: the lines of the plan that
 * completed, and the writes of earlier attempts that went through before the conflict.
 */
async function applyWithRetry(first: RemedyPlan, replan: () => Promise<RemedyPlan>, p: ClusterPorts) {
  const partial: string[] = [];
  for (let attempt = 1, r = first; ; attempt++) {
    const done: string[] = [];
    try {
      await applyRemedies(r, p.log, (w) => done.push(w.describe));
      return [...partial, ...r.changes.filter((c) => !partial.includes(c))];
    } catch (e) {
      if (!isConflict(e) || attempt >= MAX_CONFLICT_ATTEMPTS) throw e;
      partial.push(...done);
      p.log.info(`${message(e)}: reading again (attempt ${attempt + 1} of ${MAX_CONFLICT_ATTEMPTS})`);
      await conflictBackoff(attempt);
      r = await replan();
      // Whoever wrote meanwhile may have done the rest.
      if (r.writes.length === 0) return partial;
    }
  }
}

/** Applies the plan, proves it with smoke, and returns what went wrong on the way (as findings). */
async function rotate(
  r: RemedyPlan,
  replan: () => Promise<RemedyPlan>,
  out: ClusterCheck,
  p: ClusterPorts,
): Promise<Finding[]> {
  try {
    out.changes = await applyWithRetry(r, replan, p);
    out.smoke = await smoke(p);
    return out.smoke.ok ? [] : [smokeFinding(out.smoke.detail)];
  } catch (e) {
    return [
      {
        severity: 'failure',
        kind: 'check-failed',
        where: 'rotate',
        message: `rotate failed part-way: ${message(e)}`,
        fix: 'run again: each step is safe to repeat',
      },
    ];
  }
}

export async function checkCluster(i: Inputs, p: ClusterPorts): Promise<ClusterCheck> {
  let kube: KubeClient;
  try {
    kube = await p.stageDeps.kube();
  } catch (e) {
    return empty([
      {
        severity: 'failure',
        kind: 'check-failed',
        where: 'cluster',
        message: `could not connect to the cluster: ${message(e)}`,
        fix: 'fix the cluster access (the message says how) and run again',
      },
    ]);
  }
  const gaps = await permissionGaps(kube, i);
  if (gaps.read.length > 0) return empty([permissionFinding(gaps.read)]);
  const seen = await look(kube, i, p);
  let { state, found } = seen;
  const out: ClusterCheck = { ...empty(found), certificates: state.certificates };
  if (needsAttention(found) && found.some((f) => f.remedy)) {
    const r = await plan(kube, i, p, seen);
    out.refused = r.refused;
    const lacking = i.rotate && gaps.rotate.length > 0 && r.writes.length > 0;
    if (lacking) {
      out.refused.push(
        `rotate needs ${gaps.rotate.length} permission(s) the cluster identity lacks: ${grant(gaps.rotate)}`,
      );
    }
    if (!i.rotate || lacking) out.wouldChange = r.changes;
    else if (r.writes.length > 0) {
      const extra = await rotate(r, () => plan(kube, i, p, seen), out, p);
      ({ state, found } = await look(kube, i, p));
      out.findings = [...extra, ...found];
      out.certificates = state.certificates;
    }
  }
  out.notes = notesOf(state);
  return out;
}
