// One cluster: read everything (collect), make records and checks of it (analyse), judge (findings); with
// rotate, fix what can be fixed (remediate), prove it with smoke, and read again, so the result is the state
// after the fix. Without rotate, what rotate would do is listed instead.
import type { Inputs } from '../config/input-specs.js';
import type { KubeClient } from '../kube/kube-client.js';
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

async function look(
  kube: KubeClient,
  i: Inputs,
  p: ClusterPorts,
): Promise<{ state: CheckState; found: Finding[] }> {
  const s = checkCertsSettings(i);
  const collected = await collect(
    { kube, ...(p.litmus ? { litmus: p.litmus } : {}), mask: p.stageDeps.mask, signal: p.signal },
    s,
  );
  const now = p.now();
  const state = analyse(collected, s.owner, now);
  return { state, found: findings(state, s.thresholds, now) };
}

function notesOf(state: CheckState): string[] {
  const notes: string[] = [];
  if (!Array.isArray(state.certManager)) notes.push(state.certManager.unreadable);
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

export async function checkCluster(i: Inputs, p: ClusterPorts): Promise<ClusterCheck> {
  let kube: KubeClient;
  try {
    kube = await p.stageDeps.kube();
  } catch (e) {
    const f: Finding = {
      severity: 'failure',
      kind: 'check-failed',
      where: 'cluster',
      message: `could not connect to the cluster: ${message(e)}`,
      fix: 'fix the cluster access (the message says how) and run again',
    };
    return { findings: [f], certificates: [], notes: [], changes: [], wouldChange: [], refused: [] };
  }
  let { state, found } = await look(kube, i, p);
  const out: ClusterCheck = {
    findings: found,
    certificates: state.certificates,
    notes: [],
    changes: [],
    wouldChange: [],
    refused: [],
  };
  if (needsAttention(found) && found.some((f) => f.remedy)) {
    let plan: RemedyPlan;
    try {
      plan = await planRemedies(found, {
        inputs: i,
        kube,
        ...(p.litmus ? { litmus: p.litmus } : {}),
        mask: p.stageDeps.mask,
        now: p.now(),
        signal: p.signal,
        log: p.log,
      });
    } catch (e) {
      plan = { changes: [], refused: [`rotate could not be planned: ${message(e)}`], writes: [] };
    }
    out.refused = plan.refused;
    if (!i.rotate) out.wouldChange = plan.changes;
    else if (plan.writes.length > 0) {
      const extra: Finding[] = [];
      try {
        await applyRemedies(plan, p.log);
        out.changes = plan.changes;
        const proof = await smoke(p);
        out.smoke = proof;
        if (!proof.ok) extra.push(smokeFinding(proof.detail));
      } catch (e) {
        extra.push({
          severity: 'failure',
          kind: 'check-failed',
          where: 'rotate',
          message: `rotate failed part-way: ${message(e)}`,
          fix: 'run again: each step is safe to repeat',
        });
      }
      ({ state, found } = await look(kube, i, p));
      out.findings = [...extra, ...found];
      out.certificates = state.certificates;
    }
  }
  out.notes = notesOf(state);
  return out;
}
