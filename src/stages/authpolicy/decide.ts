// What authpolicy writes, decided from what was observed (pure). Each resource it owns — the authorization, the
// authentication and its port entry on the listener — is classified three ways against the ownership record:
// ours (update freely), drift (someone changed it since we applied it: refuse unless forced) or foreign (never
// ours: refuse unless forced). Problems stop the whole run before any write.
import type { BrokerResourceKind, ListenerPort, ListenerSpec, Stored } from '../../aio/broker-model.js';
import { classify, type AppliedEntry, type Ownership } from '../../ownership/applied-state.js';
import { recordKey } from '../../ownership/ownership-store.js';
import { jsonDiff } from '../../util/json-diff.js';
import { canonicalSpec, desiredAuthentication, desiredAuthorization, desiredPort } from './desired.js';
import type { BrokerObserved } from './observe.js';
import type { AuthpolicySettings } from './settings.js';

/** One resource this stage owns: how to read it back, and what to put. */
export interface OwnedTarget {
  key: string;
  label: string;
  kind: BrokerResourceKind;
  name: string;
  /** Canonical forms, compared and recorded. */
  live: unknown;
  desired: unknown;
  /** What to send: the whole resource spec (for a port: the listener with our entry replaced). */
  put: unknown;
  previous: Stored<unknown> | undefined;
  /** For a port entry: the port, to find it again when reading the listener back. */
  port?: number;
  /** The desired state as sent (for a port: the entry), shown in a plan when it is created. */
  shown: unknown;
  /** Facts a person checks in a plan: where, and for a port the TLS issuer and the ports left as they are. */
  context: string;
}

export interface BrokerWrite {
  target: OwnedTarget;
  /** `record`: the resource is already right, only the ownership record is written. */
  action: 'create' | 'update' | 'overwrite' | 'record';
  describe: string;
}

export interface BrokerDecision {
  writes: BrokerWrite[];
  /** Changes made outside this tool to what it owns, one line each. */
  drift: string[];
  problems: string[];
}

export interface DecideOptions {
  /** certs runs first in this run (the trusted CA ConfigMap will exist by then). */
  certsInRun: boolean;
  /** Plan mode that is not an apply's preflight: drift is reported rather than refused. */
  reportOnly: boolean;
}

const portOf = (l: ListenerSpec | undefined, port: number): ListenerPort | undefined =>
  l?.ports.find((p) => p.port === port);

export function ownedTargets(o: BrokerObserved, s: AuthpolicySettings): OwnedTarget[] {
  const targets: OwnedTarget[] = [];
  const authz = desiredAuthorization(s);
  if (authz) {
    targets.push({
      key: recordKey('authpolicy', 'authorization', s.authenticationName),
      label: `BrokerAuthorization '${s.authenticationName}'`,
      kind: 'authorization',
      name: s.authenticationName,
      live: o.authorization ? canonicalSpec(o.authorization.spec) : undefined,
      desired: canonicalSpec(authz),
      put: authz,
      previous: o.authorization,
      context: ` in ${o.where}`,
      shown: authz,
    });
  }
  const authn = desiredAuthentication(s);
  targets.push({
    key: recordKey('authpolicy', 'authentication', s.authenticationName),
    label: `BrokerAuthentication '${s.authenticationName}'`,
    kind: 'authentication',
    name: s.authenticationName,
    live: o.authentication ? canonicalSpec(o.authentication.spec) : undefined,
    desired: canonicalSpec(authn),
    put: authn,
    previous: o.authentication,
    context: ` in ${o.where}`,
    shown: authn,
  });
  if (o.listener) targets.push(portTarget(o.listener, s));
  return targets;
}

function portTarget(listener: Stored<ListenerSpec>, s: AuthpolicySettings): OwnedTarget {
  const want = desiredPort(s, listener.spec);
  const current = portOf(listener.spec, s.port);
  const ports = current
    ? listener.spec.ports.map((p) => (p.port === s.port ? want : p))
    : [...listener.spec.ports, want];
  const kept = listener.spec.ports.filter((p) => p.port !== s.port).map((p) => p.port);
  return {
    key: recordKey('authpolicy', 'listener', s.listenerName, 'port', s.port),
    label: `port ${s.port} on BrokerListener '${s.listenerName}'`,
    kind: 'listener',
    name: s.listenerName,
    live: current ? canonicalSpec(current) : undefined,
    desired: canonicalSpec(want),
    put: { ...listener.spec, ports },
    previous: listener,
    port: s.port,
    shown: want,
    context: ` (TLS ${want.tls?.mode}, issuer ${want.tls?.certManagerCertificateSpec?.issuerRef.name}, authenticationRef ${want.authenticationRef}${want.authorizationRef ? `, authorizationRef ${want.authorizationRef}` : ''}); ports ${kept.join(', ') || 'none'} unchanged`,
  };
}

/** The record for this target, if it was made for the same store. */
function entryFor(o: BrokerObserved, t: OwnedTarget): AppliedEntry | undefined {
  const e = o.records.get(t.key);
  return e && e.owner.where === o.where ? e : undefined;
}

export function decideBroker(o: BrokerObserved, s: AuthpolicySettings, opt: DecideOptions): BrokerDecision {
  const problems = structuralProblems(o, s, opt);
  const d: BrokerDecision = { writes: [], drift: [], problems };
  if (!o.listener) return d;
  for (const t of ownedTargets(o, s)) {
    const owned = classify(t.live, t.desired, entryFor(o, t));
    decideTarget(d, t, legacyPort(t, owned, s), s, opt);
  }
  return d;
}

/**
 * A port entry that references our authentication, from before ownership records: ours, as this tool always
 * treated it (only a port someone else set up needs force).
 */
function legacyPort(t: OwnedTarget, owned: Ownership, s: AuthpolicySettings): Ownership {
  if (owned.kind !== 'foreign' || t.kind !== 'listener') return owned;
  const ref = (t.live as ListenerPort | undefined)?.authenticationRef;
  return ref === s.authenticationName ? { kind: 'ours', interrupted: false } : owned;
}

function decideTarget(
  d: BrokerDecision,
  t: OwnedTarget,
  owned: Ownership,
  s: AuthpolicySettings,
  opt: DecideOptions,
): void {
  const change = jsonDiff(t.live, t.desired).join('; ');
  const write = (action: BrokerWrite['action'], describe: string) =>
    d.writes.push({ target: t, action, describe });
  switch (owned.kind) {
    case 'in-sync':
      if (!owned.recorded)
        write('record', `record ${t.label} as owned by litmus-aio (it already matches the inputs)`);
      return;
    case 'absent':
      write(
        'create',
        `${t.kind === 'listener' ? 'add' : 'create'} ${t.label}${t.context}: ${JSON.stringify(t.shown)}`,
      );
      return;
    case 'ours':
      if (owned.interrupted && change === '') {
        write('record', `record ${t.label} (a previous run wrote it and stopped before recording it)`);
      } else write('update', `update ${t.label}${t.context}: ${change}`);
      return;
    case 'drift': {
      const line = `drift: ${t.label} was changed outside litmus-aio${owned.since ? ` after it applied it at ${owned.since}` : ''}: ${owned.diff.join('; ')}`;
      d.drift.push(line);
      if (s.force)
        write(
          'overwrite',
          `overwrite ${t.label}, undoing the change made outside litmus-aio (${owned.diff.join('; ')})${change ? `: ${change}` : ''}`,
        );
      else if (opt.reportOnly)
        write(
          'overwrite',
          `${t.label} would be restored with force: true (a run without it refuses): ${change}`,
        );
      else d.problems.push(`${line}; set force: true to overwrite it, or revert that change`);
      return;
    }
    case 'foreign':
      if (s.force)
        write('overwrite', `replace ${t.label}, which litmus-aio did not create: ${owned.diff.join('; ')}`);
      else d.problems.push(foreignProblem(t, owned.diff, s));
  }
}

function foreignProblem(t: OwnedTarget, diff: string[], s: AuthpolicySettings): string {
  return t.kind === 'listener'
    ? `BrokerListener '${s.listenerName}' already has port ${s.port} with other settings (${diff.join('; ')}); set force: true to overwrite that port entry, or choose another broker-port`
    : `${t.label} exists with different content and was not created by litmus-aio (${diff.join('; ')}); set force: true to replace it, or choose another broker-authentication name`;
}

function structuralProblems(o: BrokerObserved, s: AuthpolicySettings, opt: DecideOptions): string[] {
  if (!o.listener) {
    return [
      `BrokerListener '${s.listenerName}' does not exist (${o.where}); is Azure IoT Operations installed? Set broker-listener to an existing listener`,
    ];
  }
  const problems: string[] = [];
  for (const other of o.listeners) {
    if (other.name !== s.listenerName && portOf(other.spec, s.port)) {
      problems.push(
        `port ${s.port} is already used by BrokerListener '${other.name}' (ports are unique across listeners); choose another broker-port`,
      );
    }
  }
  if (!o.trustedCaExists && !opt.certsInRun) {
    problems.push(
      `ConfigMap ${s.namespace}/${s.trustedCaConfigMap} (the trusted client CA) is missing: run the certs stage first (stages: certs,authpolicy)`,
    );
  }
  return problems;
}
