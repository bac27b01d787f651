// Makes authpolicy's writes in a crash-safe order: (1) record each desired state as pending, (2) write the
// resources (authorization and authentication before the port that references them), (3) read each back and record
// what the service stored. A run killed after (1) finds the old state still matching its record; killed after (2),
// it finds its own pending state: either way the next run updates without force and without reporting drift.
import type { BrokerStore, ListenerSpec } from '../../aio/broker-model.js';
import type { Logger } from '../../pipeline/logger.js';
import { appliedEntry, type AppliedEntry, type Owner } from '../../ownership/applied-state.js';
import type { OwnershipRecords } from '../../ownership/ownership-store.js';
import { canonicalSpec } from './desired.js';
import type { BrokerWrite, OwnedTarget } from './decide.js';

export interface ApplyPorts {
  broker: BrokerStore;
  records: OwnershipRecords;
  log: Logger;
  now: () => Date;
}

export async function applyBrokerWrites(p: ApplyPorts, writes: readonly BrokerWrite[]): Promise<void> {
  const owner: Owner = { stage: 'authpolicy', where: p.broker.where };
  const resourceWrites = writes.filter((w) => w.action !== 'record');
  if (resourceWrites.length > 0) {
    await p.records.save(
      Object.fromEntries(
        resourceWrites.map((w) => [w.target.key, pendingEntry(p.records.get(w.target.key), owner, w.target)]),
      ),
    );
  }
  for (const w of resourceWrites) {
    p.log.info(w.describe);
    const t = w.target;
    await p.broker.put(t.kind, t.name, t.put, t.previous);
  }
  const done: Record<string, AppliedEntry> = {};
  for (const w of writes) {
    if (w.action === 'record') p.log.info(w.describe);
    done[w.target.key] = appliedEntry(owner, w.target.desired, await readBack(p.broker, w.target), p.now());
  }
  if (writes.length > 0) await p.records.save(done);
}

function pendingEntry(previous: AppliedEntry | undefined, owner: Owner, t: OwnedTarget): AppliedEntry {
  const keep = previous && previous.owner.where === owner.where ? previous : { owner };
  return { ...keep, owner, pending: t.desired };
}

/** The canonical state the service holds now (for a port: our entry on the listener). */
async function readBack(broker: BrokerStore, t: OwnedTarget): Promise<unknown> {
  const stored = await broker.get<unknown>(t.kind, t.name);
  if (!stored) {
    throw new Error(`${t.label} was written but cannot be read back from ${broker.where}; run again`);
  }
  if (t.port === undefined) return canonicalSpec(stored.spec);
  return canonicalSpec((stored.spec as ListenerSpec).ports.find((x) => x.port === t.port));
}
