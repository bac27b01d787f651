// `rotate: true`: what check-certs fixes without a person, with the certs stage's own steps (observe -> decide ->
// nextPki -> describe -> planCertsWrites) so it writes exactly what the certs stage would: a re-issued client
// certificate, the trusted client CA republished. With a Litmus Edge integration configured, the new client
// chain and a changed AIO CA (old and new side by side while the broker needs the old) go there too. A CA is never created or replaced here.
// Plan (rotate: false) describes the same steps without running them.
import { X509Certificate } from 'node:crypto';
import type { Inputs } from '../config/input-specs.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { Logger } from '../pipeline/logger.js';
import { parsePemBundle } from '../pki/inspect.js';
import { mergeTrust } from '../pki/trust-merge.js';
import { decide } from '../stages/certs/decide.js';
import { describeCerts } from '../stages/certs/describe.js';
import { nextPki } from '../stages/certs/issue.js';
import { observeCerts, type CertsObserved } from '../stages/certs/observe.js';
import { planCertsWrites, type PlannedWrite } from '../stages/certs/plan-writes.js';
import type { PkiState } from '../stages/certs/secret-layout.js';
import { certsSettings } from '../stages/certs/settings.js';
import type { LitmusIntegration } from './litmus-port.js';
import type { Finding, Remedy } from './model.js';

export interface RemedyContext {
  inputs: Inputs;
  kube: KubeClient;
  litmus?: LitmusIntegration;
  /** The broker's live server chain (PEM, leaf first), when it was reached. */
  serverChain?: readonly string[];
  mask(secret: string): void;
  now: Date;
  signal: AbortSignal;
  log: Logger;
}

export interface RemedyPlan {
  /** What rotate does (plan) or did (apply), one line each. */
  changes: string[];
  /** Remedies that cannot be applied, and why: these need a person. */
  refused: string[];
  writes: PlannedWrite[];
}

const remediesOf = (f: readonly Finding[]): Set<Remedy> =>
  new Set(f.flatMap((x) => (x.severity !== 'info' && x.remedy ? [x.remedy] : [])));

function litmusWrites(
  o: CertsObserved,
  next: PkiState,
  litmus: LitmusIntegration,
  wanted: Set<Remedy>,
  c: RemedyContext,
): { before: PlannedWrite[]; after: PlannedWrite[]; propagated: boolean } {
  const before: PlannedWrite[] = [];
  const after: PlannedWrite[] = [];
  let propagated = false;
  if (wanted.has('propagate-aio-ca') && o.broker.kind === 'ok') {
    const aioPem = o.broker.pem;
    propagated = true;
    before.push({
      describe: `put the AIO CA ${o.broker.sha256} into ${litmus.where}, beside the CA it trusts now while the broker still needs that`,
      run: async () => {
        const current = await litmus.read(c.signal);
        const live = c.serverChain?.map((x) => new X509Certificate(x));
        const pem = mergeTrust(aioPem, current?.brokerCaPem, c.now, live);
        await litmus.update({ brokerCaPem: pem }, c.signal);
      },
    });
  }
  const leafChanged = next.leafCert !== o.state.leafCert;
  if ((leafChanged || wanted.has('reissue-leaf')) && next.leafCert && next.leafKey && next.intermediateCert) {
    const chain = next.leafCert + next.intermediateCert;
    const key = next.leafKey;
    after.push({
      describe: `put the client certificate ${new X509Certificate(next.leafCert).fingerprint256} into ${litmus.where}`,
      run: async () => {
        const current = await litmus.read(c.signal);
        const same =
          current?.clientChainPem &&
          parsePemBundle(current.clientChainPem)[0]?.pem === parsePemBundle(chain)[0]?.pem;
        if (!same) await litmus.update({ clientChainPem: chain, clientKeyPem: key }, c.signal);
      },
    });
  }
  return { before, after, propagated };
}

/** What rotate would do about these findings, as the writes to make (none are made here). */
export async function planRemedies(found: readonly Finding[], c: RemedyContext): Promise<RemedyPlan> {
  const wanted = remediesOf(found);
  if (wanted.size === 0) return { changes: [], refused: [], writes: [] };
  const s = certsSettings(c.inputs);
  // The leaf is re-issued when it is flagged (within warn-days), not only below renew-before-days.
  if (wanted.has('reissue-leaf')) {
    s.decide.renewBeforeDays = Math.max(s.decide.renewBeforeDays, c.inputs['warn-days'] + 1);
  }
  const o = await observeCerts(c.kube, s);
  for (const k of [o.state.leafKey, o.state.intermediateKey, o.state.rootKey]) if (k) c.mask(k);
  if (o.problems.length > 0) return { changes: [], refused: o.problems, writes: [] };
  const d = decide(o.state, s.decide, c.now, o.caKeyHint);
  if (d.problems.length > 0) return { changes: [], refused: d.problems, writes: [] };
  if (d.ca !== 'keep') {
    return {
      changes: [],
      refused: [
        `${d.reasons.join('; ')}: check-certs never creates or replaces a client CA; run the certs stage`,
      ],
      writes: [],
    };
  }
  const next = await nextPki(o, d, s, c.now);
  if (next.leafKey) c.mask(next.leafKey);
  const refused: string[] = [];
  const lw = c.litmus
    ? litmusWrites(o, next, c.litmus, wanted, c)
    : { before: [], after: [], propagated: false };
  if (wanted.has('propagate-aio-ca') && !c.litmus) {
    refused.push(
      'the AIO CA changed, and no Litmus Edge integration is configured to propagate it to: paste the new AIO CA into the integration by hand, then run the certs stage to record it',
    );
  }
  // The AIO CA counts as propagated only once it is in Litmus Edge: otherwise the old record is kept.
  if (!lw.propagated) {
    if (o.state.brokerCaSha256 !== undefined) next.brokerCaSha256 = o.state.brokerCaSha256;
    else delete next.brokerCaSha256;
  }
  const writes = [...lw.before, ...planCertsWrites(o, next, s, c.kube), ...lw.after];
  const { changes } = describeCerts(o, d, next, s);
  const lines = [...lw.before.map((w) => w.describe), ...changes, ...lw.after.map((w) => w.describe)];
  return { changes: lines.length > 0 ? lines : writes.map((w) => w.describe), refused, writes };
}

/** Runs the writes in order; `wrote` is called with each one that succeeded. */
export async function applyRemedies(
  plan: RemedyPlan,
  log: Logger,
  wrote: (w: PlannedWrite) => void = () => undefined,
): Promise<void> {
  for (const w of plan.writes) {
    log.debug(w.describe);
    await w.run();
    wrote(w);
  }
}
