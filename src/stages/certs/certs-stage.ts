// Stage `certs`: the client PKI Litmus Edge presents to the AIO broker. Creates root -> intermediate -> leaf
// once, keeps the CA in its own Secret (or its keys in ca-key-dir) and the chain in the client Secret, re-issues
// only the leaf when due, publishes the root in the broker's shared trusted bundle, and records the broker's
// own CA fingerprint. A second run writes nothing.
//   observeCerts -> decide -> nextPki -> describeCerts (pure) -> planCertsWrites (PlannedWrite[]) -> run them.
// Plan and apply share every step but the last. A write refused for a stale resourceVersion (HTTP 409: another
// run wrote meanwhile) restarts from observe, a few times, so concurrent runs converge.
import { X509Certificate } from 'node:crypto';
import { STAGE_CATALOG } from '../../config/catalog.js';
import { InputError } from '../../config/input-error.js';
import { conflictBackoff, isConflict, MAX_CONFLICT_ATTEMPTS } from '../../kube/conflict.js';
import type { KubeClient } from '../../kube/kube-client.js';
import type { Stage, StageContext, StageOutcome } from '../../pipeline/stage.js';
import type { StageDeps } from '../stage-deps.js';
import { decide, type CertsDecision } from './decide.js';
import { describeCerts } from './describe.js';
import { nextPki } from './issue.js';
import { observeCerts, type CertsObserved } from './observe.js';
import { planCertsWrites, type PlannedWrite } from './plan-writes.js';
import type { PkiState } from './secret-layout.js';
import { certsInputProblems, certsSettings, type CertsStageSettings } from './settings.js';

/** Test seams: `afterWrite(k)` runs after the k-th write of the stage (1-based); throwing there is a crash. */
export interface CertsHooks {
  afterWrite?(k: number, write: PlannedWrite): void | Promise<void>;
}

export const MAX_ATTEMPTS = MAX_CONFLICT_ATTEMPTS;

interface Attempt {
  o: CertsObserved;
  d: CertsDecision;
  next: PkiState;
  changes: string[];
  details: string[];
  writes: PlannedWrite[];
}

function outputs(state: PkiState, o: CertsObserved, s: CertsStageSettings): Record<string, string> {
  const leaf = state.leafCert ? new X509Certificate(state.leafCert) : undefined;
  return {
    'client-cert-secret': `${s.namespace}/${s.refs.clientSecret.name}`,
    ...(leaf
      ? {
          'client-cert-expires': new Date(leaf.validTo).toISOString(),
          'client-cert-sha256': leaf.fingerprint256,
        }
      : {}),
    ...(state.rootCert ? { 'root-ca-sha256': new X509Certificate(state.rootCert).fingerprint256 } : {}),
    'broker-ca-sha256': o.broker.kind === 'ok' ? o.broker.sha256 : '',
  };
}

function maskKeys(deps: StageDeps, s: PkiState): void {
  for (const k of [s.rootKey, s.intermediateKey, s.leafKey]) if (k) deps.mask(k);
}

async function prepare(deps: StageDeps, kube: KubeClient, s: CertsStageSettings): Promise<Attempt> {
  const o = await observeCerts(kube, s);
  maskKeys(deps, o.state);
  if (o.committed.intermediateKey) deps.mask(o.committed.intermediateKey);
  if (o.committed.rootKey) deps.mask(o.committed.rootKey);
  if (o.problems.length > 0) throw new Error(`certs: nothing was changed: ${o.problems.join('; ')}`);
  const d = decide(o.state, s.decide, deps.now(), o.caKeyHint);
  if (d.problems.length > 0) throw new Error(`certs: nothing was changed: ${d.problems.join('; ')}`);
  const next = await nextPki(o, d, s, deps.now());
  maskKeys(deps, next);
  const { changes, details } = describeCerts(o, d, next, s);
  const writes = planCertsWrites(o, next, s, kube);
  // Writes no line explains (a layout drift, finishing a run that stopped midway) are shown as they are.
  if (changes.length === 0) changes.push(...writes.map((w) => w.describe));
  return { o, d, next, changes, details, writes };
}

function warn(ctx: StageContext, a: Attempt): void {
  for (const line of a.details) ctx.log.warn(line);
}

export function createCertsStage(deps: StageDeps, hooks: CertsHooks = {}): Stage {
  const problems = certsInputProblems(deps.inputs);
  if (problems.length > 0) throw new InputError(problems);
  const s = certsSettings(deps.inputs);
  let written = 0;

  /** Runs the writes in order; `first` is called once the first of them has been made. */
  async function runWrites(writes: PlannedWrite[], ctx: StageContext, first: () => void): Promise<void> {
    for (const [i, w] of writes.entries()) {
      ctx.log.debug(w.describe);
      await w.run();
      if (i === 0) first();
      await hooks.afterWrite?.(++written, w);
    }
  }

  return {
    name: 'certs',
    needs: STAGE_CATALOG.certs.needs,
    async plan(ctx): Promise<StageOutcome> {
      const a = await prepare(deps, await deps.kube(), s);
      warn(ctx, a);
      return {
        changed: a.writes.length > 0,
        changes: a.changes,
        ...(a.details.length ? { details: a.details } : {}),
        outputs: outputs(a.o.state, a.o, s),
      };
    },
    async apply(ctx): Promise<StageOutcome> {
      const kube = await deps.kube();
      const changes: string[] = [];
      const keep = (a: Attempt) => changes.push(...a.changes.filter((c) => !changes.includes(c)));
      for (let attempt = 1; ; attempt++) {
        const a = await prepare(deps, kube, s);
        warn(ctx, a);
        try {
          await runWrites(a.writes, ctx, () => keep(a));
        } catch (e) {
          if (!isConflict(e) || attempt >= MAX_ATTEMPTS) throw e;
          ctx.log.info(`${(e as Error).message}: reading again (attempt ${attempt + 1} of ${MAX_ATTEMPTS})`);
          await conflictBackoff(attempt);
          continue;
        }
        for (const c of changes) ctx.log.info(c);
        return {
          changed: changes.length > 0,
          changes,
          ...(a.details.length ? { details: a.details } : {}),
          outputs: outputs(a.next, a.o, s),
        };
      }
    },
  };
}
