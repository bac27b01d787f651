// Stage `authpolicy`: the broker accepts the Litmus Edge client by X.509 on its own TLS port. Writes a
// BrokerAuthentication (and optionally a BrokerAuthorization) and adds one port to the listener, keeping every
// other port exactly as it was. observe → decide (three-way, against what this tool last applied) → apply; clear
// conflicts and drift stop the run before any write; a second run writes nothing.
import type { BrokerStore } from '../../aio/broker-model.js';
import { kubeBrokerStore } from '../../aio/kube-broker-store.js';
import { STAGE_CATALOG } from '../../config/catalog.js';
import type { Inputs } from '../../config/input-specs.js';
import type { Stage, StageContext, StageOutcome } from '../../pipeline/stage.js';
import type { StageDeps } from '../stage-deps.js';
import { applyBrokerWrites } from './apply.js';
import { decideBroker, type BrokerDecision } from './decide.js';
import { observeBroker, type BrokerObserved } from './observe.js';
import { authpolicySettings, requireArmInputs, type AuthpolicySettings } from './settings.js';

export interface AuthpolicyDeps extends StageDeps {
  /** The store for `authpolicy-mode`; by default the Kubernetes CRs, or ARM in arm mode. Tests inject one. */
  brokerStore?: () => Promise<BrokerStore>;
}

async function openStore(deps: AuthpolicyDeps, i: Inputs): Promise<BrokerStore> {
  if (deps.brokerStore) return deps.brokerStore();
  if (i['authpolicy-mode'] !== 'arm') return kubeBrokerStore(await deps.kube(), i['aio-namespace']);
  const { armBrokerStore } = await import('../../aio/arm-broker-store.js');
  const azure = await deps.azure();
  // requireArmInputs has checked these when the stage was built.
  return armBrokerStore(azure, {
    subscriptionId: i['azure-subscription-id'] ?? azure.subscriptionId ?? '',
    resourceGroup: i['resource-group'] ?? '',
    instance: i['aio-instance'] ?? '',
    broker: i.broker,
  });
}

interface Decided {
  store: BrokerStore;
  observed: BrokerObserved;
  decision: BrokerDecision;
}

async function observeAndDecide(
  deps: AuthpolicyDeps,
  s: AuthpolicySettings,
  ctx: StageContext,
): Promise<Decided> {
  const store = await openStore(deps, deps.inputs);
  const observed = await observeBroker(store, await deps.kube(), s);
  const decision = decideBroker(observed, s, {
    certsInRun: ctx.upstream.has('certs'),
    reportOnly: ctx.mode === 'plan' && !ctx.preflight,
  });
  if (decision.problems.length > 0) {
    throw new Error(`authpolicy: nothing was changed: ${decision.problems.join('; ')}`);
  }
  return { store, observed, decision };
}

function outcome(s: AuthpolicySettings, d: BrokerDecision): StageOutcome {
  return {
    changed: d.writes.length > 0,
    changes: d.writes.map((w) => w.describe),
    ...(d.drift.length > 0 ? { drift: d.drift } : {}),
    outputs: { 'broker-port': String(s.port) },
  };
}

export function createAuthpolicyStage(deps: AuthpolicyDeps): Stage {
  requireArmInputs(deps.inputs);
  const s = authpolicySettings(deps.inputs);
  const now = deps.now;
  return {
    name: 'authpolicy',
    needs: STAGE_CATALOG.authpolicy.needs,
    async plan(ctx) {
      return outcome(s, (await observeAndDecide(deps, s, ctx)).decision);
    },
    async apply(ctx) {
      const { store, observed, decision } = await observeAndDecide(deps, s, ctx);
      await applyBrokerWrites(
        { broker: store, records: observed.records, log: ctx.log, now },
        decision.writes,
      );
      return outcome(s, decision);
    },
  };
}
