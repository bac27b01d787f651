// Stage `connector`: Litmus Edge's "MQTT – Generic over SSL" integration pointed at the AIO broker, configured
// through Litmus Edge's API. settings -> observe (client Secret, broker CA, pins; then Litmus Edge: version,
// providers, the provider's schema, instances, topics) -> decide (map our values onto the schema, compare the
// parsed config and the topics) -> describe -> apply (disable, update, topics, enable). A second run with the same
// inputs and certificates writes nothing. The token and the client key never appear in a result or log.
import { STAGE_CATALOG } from '../../config/catalog.js';
import type { Instance } from '../../litmus/client.js';
import { mapConfig, type RoleValues } from '../../litmus/config-mapping.js';
import { extrasBeside, mergeTrust } from '../../pki/trust-merge.js';
import type { TlsTrust } from '../../litmus/tls.js';
import type { Stage, StageContext, StageOutcome } from '../../pipeline/stage.js';
import type { StageDeps } from '../stage-deps.js';
import { applyConnector } from './apply.js';
import { decideConnector, type DesiredIntegration } from './decide.js';
import { readMaterial, summarizePem, type Material } from './material.js';
import {
  defaultConnectorPorts,
  missingReleaseService,
  type ConnectorPorts,
  type LitmusSession,
} from './ports.js';
import { chooseProvider, probeLitmus, type Probed } from './probe.js';
import { connectorSettings, type ConnectorSettings } from './settings.js';
import { instanceKey, loadState, type StateHandle } from './state-store.js';

/** How long an apply right after deploy waits for Litmus Edge's API to answer. */
const AFTER_DEPLOY_WAIT_MS = 300_000;

/** What a plan shows while certs has yet to issue the client certificate. */
const pending = (brokerCa: string): Material => ({
  chain: '(the client chain certs issues)',
  key: '(the client key certs issues)',
  brokerCa,
  keySha256: '',
});

interface RunMemory {
  /** The certificate seen first in this run (plan and apply share the stage): trust on first use holds. */
  pin?: string;
}

function trustFor(s: ConnectorSettings, state: StateHandle, memory: RunMemory): TlsTrust {
  if (s.ca) return { kind: 'ca', ca: s.ca, checkHostname: s.endpoint.kind === 'url' };
  const sha256 = state.state.pins[s.endpoint.key] ?? memory.pin;
  return { kind: 'pin', ...(sha256 ? { sha256 } : {}), recordedIn: state.pinsWhere };
}

function roleValues(s: ConnectorSettings, m: Material): RoleValues {
  return {
    name: s.name,
    host: s.brokerHost,
    port: s.brokerPort,
    brokerCa: m.brokerCa,
    clientChain: m.chain,
    clientKey: m.key,
    clientId: s.clientId,
    qos: s.qos,
    topic: s.remoteRoot,
  };
}

async function desiredIntegration(
  session: LitmusSession,
  s: ConnectorSettings,
  providerId: string,
  m: Material,
): Promise<{ want: DesiredIntegration; details: string[] }> {
  const schema = await session.client.providerSchema(providerId);
  const mapped = mapConfig(schema, roleValues(s, m), s.overrides);
  if (!mapped.ok) {
    throw new Error(
      `connector: nothing was changed: the schema of provider ${providerId} at ${session.where} does not say where our values go: ${mapped.problems.join('; ')}`,
    );
  }
  const placed = Object.entries(mapped.placed).map(([role, key]) => `${role} -> ${key}`);
  return {
    want: {
      providerId,
      name: s.name,
      nameKey: mapped.placed.name ?? 'name',
      config: mapped.config,
      secretKeys: mapped.secretKeys,
      ...(mapped.placed.brokerCa ? { caProperty: mapped.placed.brokerCa } : {}),
      ...(mapped.placed.clientKey ? { keyProperty: mapped.placed.clientKey, keySha256: m.keySha256 } : {}),
      topics: s.topics,
    },
    details: [`provider ${providerId} schema, discovered at run time: ${placed.join(', ')}`, ...mapped.notes],
  };
}

function tlsDetail(s: ConnectorSettings, state: StateHandle, seen: string | undefined): string {
  if (s.ca) return "Litmus Edge's certificate was verified with litmus-edge-ca";
  const recorded = state.state.pins[s.endpoint.key];
  return recorded
    ? `Litmus Edge's certificate matches the SHA-256 pinned in ${state.pinsWhere}: ${recorded}`
    : `Litmus Edge's certificate SHA-256 ${seen ?? '(unknown)'} is trusted on first use and pinned in ${state.pinsWhere}`;
}

/** The image tag deploy reports (…:<tag>@sha256:…), else litmus-edge-version. */
function expectedVersion(s: ConnectorSettings, ctx: StageContext): string | undefined {
  const image = ctx.upstream.get('deploy')?.['deployed-image'];
  const tag = image ? /:([^:@/]+)(@sha256:[0-9a-f]+)?$/.exec(image)?.[1] : undefined;
  return tag ?? s.expectedVersion;
}

interface Observed {
  probed: Probed;
  providerId: string;
  want: DesiredIntegration;
  details: string[];
  firmware?: string;
}

async function observe(
  session: LitmusSession,
  s: ConnectorSettings,
  m: Material,
  ctx: StageContext,
): Promise<Observed> {
  const waitMs = ctx.upstream.has('deploy') && ctx.mode === 'apply' ? AFTER_DEPLOY_WAIT_MS : 0;
  const probed = await probeLitmus(session, waitMs, ctx.signal);
  const { provider, note } = chooseProvider(probed.providers, s.provider, session.where);
  const { want, details } = await desiredIntegration(session, s, provider.id, m);
  const firmware = await session.client.firmwareVersion().catch(() => undefined);
  return {
    probed,
    providerId: provider.id,
    want,
    details: [
      `Litmus Edge at ${session.where}: integration service ${probed.version ?? '(version not reported)'}, firmware ${firmware ?? '(not reported)'}; provider ${provider.id} ("${provider.name}")`,
      ...(note ? [note] : []),
      ...details,
    ],
    ...(firmware ? { firmware } : {}),
  };
}

async function run(
  deps: StageDeps,
  ports: ConnectorPorts,
  s: ConnectorSettings,
  ctx: StageContext,
  memory: RunMemory,
): Promise<StageOutcome> {
  const apply = ctx.mode === 'apply';
  const kube = await deps.kube();
  const state = await loadState(kube, s.stateSecret);
  const material = await readMaterial(kube, s, deps.mask);
  // A plan before certs has issued the client certificate (certs runs first in this run) goes on without it.
  if (!material.ok && (apply || !ctx.upstream.has('certs')))
    throw new Error(`connector: ${material.problem}`);
  const m = material.ok ? material.material : pending(material.brokerCa);
  const missing = await missingReleaseService(kube, s);
  if (missing) {
    // A plan before deploy has installed Litmus Edge cannot look at it yet; otherwise nothing to tunnel to.
    if (!apply && ctx.upstream.has('deploy')) return pendingDeploy(s, missing.where, missing.why);
    throw new Error(
      `connector: ${missing.why}. Fix: deploy Litmus Edge first (stages: deploy,connector), check release and namespace, or set litmus-edge-url`,
    );
  }
  const session = await ports.open(s, trustFor(s, state, memory), ctx.signal);
  try {
    let o: Observed;
    try {
      o = await observe(session, s, m, ctx);
    } catch (e) {
      // A plan before deploy has installed Litmus Edge cannot look at it yet.
      if (apply || !ctx.upstream.has('deploy') || session.observedPin()) throw e;
      return pendingDeploy(s, session.where, `Litmus Edge does not answer yet: ${(e as Error).message}`);
    }
    memory.pin ??= session.observedPin();
    return await decideAndApply(deps, s, ctx, { session, state, o, pendingCerts: !material.ok });
  } finally {
    await session.close();
  }
}

function pendingDeploy(s: ConnectorSettings, where: string, why: string): StageOutcome {
  return {
    changed: true,
    changes: [
      `configure integration '${s.name}' (${s.provider}) at ${where} once deploy has installed Litmus Edge`,
    ],
    details: [why],
  };
}

interface Context {
  session: LitmusSession;
  state: StateHandle;
  o: Observed;
  /** A plan before certs has issued the client certificate. */
  pendingCerts: boolean;
}

/** Firmware that differs from the deployed image's tag: a warning (logged) and a detail. */
function versionWarning(s: ConnectorSettings, ctx: StageContext, firmware: string | undefined): string[] {
  const version = expectedVersion(s, ctx);
  if (!firmware || !version || firmware === version) return [];
  const warn = `Litmus Edge reports firmware ${firmware}, but the deployed image is tagged ${version}: the version label and what runs differ`;
  ctx.log.warn(warn);
  return [warn];
}

/**
 * The AIO bundle, with the CAs the integration trusts now kept beside it while valid: right after AIO rotates its
 * root the broker still serves a certificate from the old one (until its renewal), and check-certs, which sees the
 * broker's live chain, prunes them once they are retired.
 */
function keepTrusted(
  want: DesiredIntegration,
  live: Instance | undefined,
  now: Date,
): { want: DesiredIntegration; notes: string[] } {
  const key = want.caProperty;
  const bundle = key ? want.config[key] : undefined;
  const current = key ? live?.config[key] : undefined;
  if (!key || typeof bundle !== 'string' || typeof current !== 'string') return { want, notes: [] };
  const merged = mergeTrust(bundle, current, now);
  const kept = extrasBeside(bundle, merged);
  if (kept.length === 0) return { want, notes: [] };
  return {
    want: { ...want, config: { ...want.config, [key]: merged } },
    notes: [
      `${key}: kept beside the AIO CA bundle while valid, as the integration trusts ${kept.length > 1 ? 'them' : 'it'} now and the broker may still present a certificate from ${kept.length > 1 ? 'them' : 'it'}: ${kept.map((c) => summarizePem(c.toString())).join('; ')} (check-certs prunes a CA the broker no longer needs)`,
    ],
  };
}

async function decideAndApply(
  deps: StageDeps,
  s: ConnectorSettings,
  ctx: StageContext,
  c: Context,
): Promise<StageOutcome> {
  const { session, state, o } = c;
  const key = instanceKey(s.endpoint.key, o.providerId, s.name);
  const candidate = o.probed.instances.find(
    (i) => i.providerId === o.providerId && String(i.config[o.want.nameKey] ?? '') === s.name,
  );
  const trust = keepTrusted(o.want, candidate, deps.now());
  const want = trust.want;
  const subs = candidate ? await session.client.subscriptions(candidate.instanceId) : [];
  const recorded = state.state.applied[key]?.keySha256;
  const d = decideConnector(
    { instances: o.probed.instances, subs, ...(recorded ? { recordedKeySha256: recorded } : {}) },
    want,
  );
  if (d.problems.length > 0) throw new Error(`connector: nothing was changed: ${d.problems.join('; ')}`);
  const seen = session.observedPin();
  const pinChange =
    !s.ca && seen && !state.state.pins[s.endpoint.key]
      ? [`pin Litmus Edge's TLS certificate (SHA-256 ${seen}, trust on first use) in ${state.pinsWhere}`]
      : [];
  const later = c.pendingCerts ? ' (with the client certificate the certs stage is about to issue)' : '';
  const changes = [...pinChange, ...d.changes.map((x, i) => (i === 0 ? x + later : x))];
  const details = [
    tlsDetail(s, state, seen),
    ...o.details,
    ...d.notes,
    ...trust.notes,
    ...versionWarning(s, ctx, o.firmware),
  ];
  let id = d.instance?.instanceId ?? '';
  if (ctx.mode === 'apply') {
    for (const line of changes) ctx.log.info(line);
    if (d.changes.length > 0) id = await applyConnector(session.client, d, want, ctx.log);
    await saveState(state, s, key, seen, want, d.changes.length > 0, deps.now());
  }
  return {
    changed: changes.length > 0,
    changes,
    details,
    outputs: {
      'connector-id': id,
      'litmus-edge-version': o.firmware ?? '',
      'connector-topics': JSON.stringify(Object.fromEntries(s.topics.map((t) => [t.local, t.remote]))),
    },
  };
}

async function saveState(
  state: StateHandle,
  s: ConnectorSettings,
  instanceKey: string,
  seen: string | undefined,
  want: DesiredIntegration,
  wrote: boolean,
  now: Date,
): Promise<void> {
  const next = structuredClone(state.state);
  if (!s.ca && seen && !next.pins[s.endpoint.key]) next.pins[s.endpoint.key] = seen;
  // Recorded only with a write: a run that changes nothing writes nothing, not even here.
  if (want.keySha256 && wrote)
    next.applied[instanceKey] = { keySha256: want.keySha256, at: now.toISOString() };
  if (JSON.stringify(next) !== JSON.stringify(state.state)) await state.save(next);
}

export function createConnectorStage(deps: StageDeps, ports?: ConnectorPorts): Stage {
  const s = connectorSettings(deps.inputs);
  const p = ports ?? defaultConnectorPorts(deps);
  const memory: RunMemory = {};
  return {
    name: 'connector',
    needs: STAGE_CATALOG.connector.needs,
    plan: (ctx) => run(deps, p, s, ctx, memory),
    apply: (ctx) => run(deps, p, s, ctx, memory),
  };
}
