// Before any stage runs: can we reach what the selected stages need? Plan mode reports what it could not
// reach and goes on (those stages are skipped); apply mode stops with the fix, having changed nothing.
import { STAGE_CATALOG, type StageName } from '../config/catalog.js';
import type { Inputs } from '../config/input-specs.js';
import type { ClusterProbeResult } from '../kube/cluster-probe.js';
import type { AccessCheck } from '../kube/kube-client.js';
import { dedupe, requiredPermissions, rulesFor } from '../kube/required-permissions.js';
import { resolveMode } from '../stages/mirror/settings.js';
import type { StageDeps } from '../stages/stage-deps.js';

/** A failure found before any stage ran; nothing was changed. */
export class PreflightError extends Error {
  override name = 'PreflightError';
}

export interface PreflightResult {
  notes: string[];
  /** Stage -> why it cannot run (plan mode only; apply mode throws instead). */
  skip: Map<string, string>;
  /** Risks the user accepted (an insecure kubeconfig allowed by input), to show as warnings. */
  warnings: string[];
}

/** Whether a stage needs Azure with these inputs (authpolicy only in arm mode, mirror only in acr mode). */
export function needsAzure(stage: StageName, inputs: Inputs): boolean {
  if (stage === 'authpolicy') return inputs['authpolicy-mode'] === 'arm';
  if (stage === 'mirror') return resolveMode(inputs) === 'acr';
  return STAGE_CATALOG[stage].requires.includes('azure');
}

/** Whether a stage needs the cluster with these inputs (mirror only to write its pull Secret). */
export function needsCluster(stage: StageName, inputs: Inputs): boolean {
  if (stage === 'mirror') return inputs['pull-secret'] !== 'none';
  return STAGE_CATALOG[stage].requires.includes('cluster');
}

/** Asks the API server (SelfSubjectAccessReview) for every permission the stages need; lists all that are missing. */
async function checkPermissions(
  inputs: Inputs,
  stages: StageName[],
  mode: 'plan' | 'apply',
  kube: StageDeps['kube'],
  notes: string[],
  skip: Map<string, string>,
): Promise<void> {
  if (stages.length === 0) return;
  const wanted = dedupe(stages.flatMap((s) => requiredPermissions(s, inputs)));
  const denied = await (await kube()).denied(wanted);
  if (denied.length === 0) return;
  const list = denied.map(
    (d) =>
      `${d.verb} ${d.group ? `${d.group}/` : ''}${d.resource}${d.namespace ? ` in ${d.namespace}` : ' (cluster-wide)'}`,
  );
  const blocked = stages.filter((s) =>
    requiredPermissions(s, inputs).some((p) => denied.some((d) => sameCheck(d, p))),
  );
  const message = `The cluster identity lacks ${denied.length} permission(s) that stages ${blocked.join(', ')} need: ${list.join('; ')}. Fix: grant these rules (see docs/permissions.md and deploy/rbac/):\n${rulesFor(denied)}`;
  if (mode === 'apply') throw new PreflightError(`${message}\nNothing was changed.`);
  notes.push(message);
  for (const s of blocked) skip.set(s, 'missing Kubernetes permissions (see above)');
}

const sameCheck = (a: AccessCheck, b: AccessCheck): boolean =>
  a.verb === b.verb && a.group === b.group && a.resource === b.resource && a.namespace === b.namespace;

export async function preflight(
  inputs: Inputs,
  runnable: readonly StageName[],
  mode: 'plan' | 'apply',
  checks: {
    probeCluster: () => Promise<ClusterProbeResult>;
    azure: StageDeps['azure'];
    kube: StageDeps['kube'];
  },
): Promise<PreflightResult> {
  const notes: string[] = [];
  const skip = new Map<string, string>();
  const warnings: string[] = [];
  const stop = (what: string, stages: readonly string[]): void => {
    if (mode === 'apply')
      throw new PreflightError(`${what} Stages that need it: ${stages.join(', ')}. Nothing was changed.`);
    notes.push(`${what} Stages that need it (${stages.join(', ')}) cannot be planned.`);
  };

  const clusterStages = inputs.stages.filter((s) => needsCluster(s, inputs));
  if (clusterStages.length > 0) {
    const probe = await checks.probeCluster();
    warnings.push(...(probe.warnings ?? []));
    const blocked = clusterStages.filter((s) => runnable.includes(s));
    if (probe.invalidKubeconfig && blocked.length > 0) {
      // A kubeconfig that is malformed or refused is an input error: no plan mode makes it usable.
      throw new PreflightError(
        `${probe.problem}. Fix: ${probe.fix}. Stages that need it: ${blocked.join(', ')}. Nothing was changed.`,
      );
    }
    if (probe.reachable) {
      notes.push(
        `Cluster reached: ${probe.server} (${probe.version ?? 'version unknown'}) via ${probe.via}.`,
      );
      await checkPermissions(
        inputs,
        clusterStages.filter((s) => runnable.includes(s)),
        mode,
        checks.kube,
        notes,
        skip,
      );
    } else {
      const what = `Could not reach the Kubernetes cluster via ${probe.via}: ${probe.problem}. Fix: ${probe.fix}.`;
      if (mode === 'apply' && blocked.length > 0) stop(what, blocked);
      else notes.push(`${what} Stages that need it (${clusterStages.join(', ')}) cannot be planned.`);
      for (const s of clusterStages) skip.set(s, 'cluster unreachable (see above)');
    }
  }

  const azureStages = runnable.filter((s) => needsAzure(s, inputs) && !skip.has(s));
  if (azureStages.length > 0) {
    try {
      const azure = await checks.azure();
      // A token now proves the whole sign-in path (ID token, federated credential, tenant) before any change.
      await azure.credential.getToken(azure.clientOptions.credentialScopes);
      notes.push(`Azure: signed in with ${azure.describe}.`);
    } catch (e) {
      stop(`${e instanceof Error ? e.message : String(e)}.`, azureStages);
      for (const s of azureStages) skip.set(s, 'Azure sign-in failed (see above)');
    }
  }
  return { notes, skip, warnings };
}
