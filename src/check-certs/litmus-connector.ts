// check-certs' Litmus Edge port, built from the connector stage's own parts: the same endpoint (a port-forward to
// the release's Service, or litmus-edge-url), the same credentials, the TLS pin the connector recorded (never a
// new trust on first use: a check sends the token only to a Litmus Edge already trusted), the same provider and
// instance (by connector-provider and connector-name), and the same schema-driven mapping to find which config
// keys hold the broker CA, the client chain and the client key. Configured when a Litmus Edge credential is given.
import { litmusCredentialGiven } from '../config/inputs-connector.js';
import type { Instance } from '../litmus/client.js';
import { placeRoles, type Role } from '../litmus/config-mapping.js';
import type { TlsTrust } from '../litmus/tls.js';
import { isMask, sameValue } from '../stages/connector/decide.js';
import { readMaterial, sha256Hex, traditionalKeyPem } from '../stages/connector/material.js';
import {
  defaultConnectorPorts,
  missingReleaseService,
  type ConnectorPorts,
  type LitmusSession,
} from '../stages/connector/ports.js';
import { chooseProvider, probeLitmus } from '../stages/connector/probe.js';
import { connectorSettings, type ConnectorSettings } from '../stages/connector/settings.js';
import { instanceKey, loadState, type StateHandle } from '../stages/connector/state-store.js';
import type { StageDeps } from '../stages/stage-deps.js';
import type {
  LitmusIntegrationChange,
  LitmusIntegrationFactory,
  LitmusIntegrationState,
} from './litmus-port.js';

/** The integration as found: where its values are, by the provider's schema. */
interface Located {
  session: LitmusSession;
  state: StateHandle;
  providerId: string;
  keys: Partial<Record<Role, string>>;
  /** The schema's password and key properties (Litmus Edge may return them masked). */
  secretKeys: string[];
  instance?: Instance;
}

const endpointLabel = (s: ConnectorSettings): string =>
  s.endpoint.kind === 'url'
    ? s.endpoint.url.origin
    : `Service ${s.endpoint.namespace}/${s.endpoint.service}:${s.endpoint.port}`;

function trustOf(s: ConnectorSettings, state: StateHandle): TlsTrust {
  if (s.ca) return { kind: 'ca', ca: s.ca, checkHostname: s.endpoint.kind === 'url' };
  const sha256 = state.state.pins[s.endpoint.key];
  if (!sha256)
    throw new Error(
      `Litmus Edge's TLS certificate is not pinned in ${state.pinsWhere}, so it was not contacted (check-certs sends its token only to a Litmus Edge already trusted): run the connector stage once (it pins the certificate on first use), or set litmus-edge-ca`,
    );
  return { kind: 'pin', sha256, recordedIn: state.pinsWhere };
}

/** Opens a session, finds provider, schema keys and instance, runs `fn`, and closes the session. */
async function withIntegration<T>(
  s: ConnectorSettings,
  deps: StageDeps,
  ports: ConnectorPorts,
  signal: AbortSignal,
  fn: (at: Located) => Promise<T>,
): Promise<T> {
  const kube = await deps.kube();
  const state = await loadState(kube, s.stateSecret);
  const trust = trustOf(s, state);
  const missing = await missingReleaseService(kube, s);
  if (missing) throw new Error(`${missing.why}: deploy Litmus Edge, or set litmus-edge-url`);
  const session = await ports.open(s, trust, signal);
  try {
    const probed = await probeLitmus(session, 0, signal);
    const { provider } = chooseProvider(probed.providers, s.provider, session.where);
    const schema = await session.client.providerSchema(provider.id);
    const placement = placeRoles(schema, s.overrides);
    if (placement.problems.length > 0)
      throw new Error(`the schema of provider ${provider.id} is ambiguous: ${placement.problems.join('; ')}`);
    const nameKey = placement.placed.name ?? 'name';
    const instance = probed.instances.find(
      (i) => i.providerId === provider.id && String(i.config[nameKey] ?? '') === s.name,
    );
    return await fn({
      session,
      state,
      providerId: provider.id,
      keys: placement.placed,
      secretKeys: schema.properties.filter((p) => p.secret).map((p) => p.key),
      ...(instance ? { instance } : {}),
    });
  } finally {
    await session.close();
  }
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

function stateOf(at: Located): LitmusIntegrationState | undefined {
  const i = at.instance;
  if (!i) return undefined;
  const chain = at.keys.clientChain ? text(i.config[at.keys.clientChain]) : undefined;
  const ca = at.keys.brokerCa ? text(i.config[at.keys.brokerCa]) : undefined;
  return {
    ...(chain ? { clientChainPem: chain } : {}),
    ...(ca ? { brokerCaPem: ca } : {}),
    ...(i.enabled !== undefined ? { enabled: i.enabled } : {}),
  };
}

export function connectorIntegration(ports?: (deps: StageDeps) => ConnectorPorts): LitmusIntegrationFactory {
  return async (inputs, deps) => {
    // Read (and updated by rotate) only when a Litmus Edge credential is given.
    if (!litmusCredentialGiven(inputs)) return undefined;
    const s = connectorSettings(inputs);
    const p = ports ? ports(deps) : defaultConnectorPorts(deps);
    return {
      where: `Litmus Edge ${endpointLabel(s)} integration '${s.name}'`,
      read: (signal) => withIntegration(s, deps, p, signal, async (at) => stateOf(at)),
      update: (change, signal) =>
        withIntegration(s, deps, p, signal, (at) => updateIntegration(s, deps, at, change)),
    };
  };
}

/**
 * The config is sent whole, so a secret Litmus Edge returned masked (a password set through connector-config)
 * must not go back as its mask: it is taken from connector-config, or the update is refused.
 */
function keepSecrets(
  s: ConnectorSettings,
  at: Located,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const ours = new Set([at.keys.clientKey, at.keys.clientChain, at.keys.brokerCa]);
  for (const key of at.secretKeys.filter((k) => !ours.has(k) && isMask(config[k]))) {
    const given = s.overrides[key];
    if (typeof given !== 'string' || given.startsWith('{{'))
      throw new Error(
        `${at.session.where} returns property ${key} masked and connector-config does not give it: updating the integration would overwrite it with the mask, so nothing was changed. Fix: give ${key} in connector-config, or run the connector stage with it`,
      );
    config[key] = given;
  }
  return config;
}

/** The whole config to send: what it holds, with our chain, key and CA (the key from the client Secret unless new). */
async function nextConfig(
  s: ConnectorSettings,
  deps: StageDeps,
  at: Located & { instance: Instance },
  change: LitmusIntegrationChange,
): Promise<{ config: Record<string, unknown>; keySha256?: string }> {
  const config = keepSecrets(s, at, { ...at.instance.config });
  const { clientChain, clientKey, brokerCa } = at.keys;
  if (brokerCa && change.brokerCaPem) config[brokerCa] = change.brokerCaPem;
  if (!clientChain && !clientKey) return { config };
  // A Litmus Edge that keeps secrets returns the key masked: the whole chain and key are always sent.
  let chain = change.clientChainPem;
  let key = change.clientKeyPem ? traditionalKeyPem(change.clientKeyPem) : undefined;
  if (!chain || !key) {
    const m = await readMaterial(await deps.kube(), s, deps.mask);
    if (!m.ok) throw new Error(m.problem);
    chain ??= m.material.chain;
    key ??= m.material.key;
  }
  deps.mask(key);
  if (clientChain) config[clientChain] = chain;
  if (!clientKey) return { config };
  config[clientKey] = key;
  return { config, keySha256: sha256Hex(key) };
}

const changedKeys = (a: Record<string, unknown>, b: Record<string, unknown>): string[] =>
  Object.keys(b).filter((k) => !sameValue(a[k], b[k]));

/** Disable, update, enable (as the connector does), and record the key's hash as the connector would. */
async function updateIntegration(
  s: ConnectorSettings,
  deps: StageDeps,
  at: Located,
  change: LitmusIntegrationChange,
): Promise<void> {
  const instance = at.instance;
  if (!instance)
    throw new Error(`integration '${s.name}' does not exist at ${at.session.where}: run the connector stage`);
  const { config, keySha256 } = await nextConfig(s, deps, { ...at, instance }, change);
  const key = instanceKey(s.endpoint.key, at.providerId, s.name);
  const keyKnown = keySha256 === at.state.state.applied[key]?.keySha256;
  const changed = changedKeys(instance.config, config).filter((k) => !(k === at.keys.clientKey && keyKnown));
  if (changed.length === 0) return;
  await disabledWhile(at, instance, s.name, () => at.session.client.updateInstance(instance, config));
  await verifyKept(at, instance.instanceId, config);
  if (keySha256) await recordKey(at.state, key, keySha256, deps.now());
}

/**
 * Runs `update` with the integration disabled (as Litmus' own scripts change one), and enables it again whatever
 * happened: a refused update leaves it as it was, still sending with what it held. When enabling fails too (a
 * cancelled run, Litmus Edge gone), the error says it is left disabled.
 */
async function disabledWhile(
  at: Located,
  i: Instance,
  name: string,
  update: () => Promise<void>,
): Promise<void> {
  const client = at.session.client;
  const wasEnabled = i.enabled !== false;
  if (wasEnabled) await client.setEnabled(i.instanceId, false);
  let failed: unknown;
  try {
    await update();
  } catch (e) {
    failed = e;
  }
  if (wasEnabled) {
    try {
      await client.setEnabled(i.instanceId, true);
    } catch (e) {
      const first = failed ? `${(failed as Error).message}; then ` : '';
      throw new Error(
        `${first}enabling integration '${name}' again failed (${(e as Error).message}): it is left disabled and sends nothing. Fix: enable it in the Litmus Edge portal, or run the connector stage`,
        { cause: e },
      );
    }
  }
  if (failed) throw failed;
}

/** Reads the instance back: a Litmus Edge that dropped a value must not pass for updated. */
async function verifyKept(at: Located, id: string, sent: Record<string, unknown>): Promise<void> {
  const back = await at.session.client.instance(id);
  const check = [at.keys.brokerCa, at.keys.clientChain].filter((k): k is string => !!k);
  const lost = check.filter((k) => !sameValue(back?.config[k], sent[k]));
  if (lost.length > 0)
    throw new Error(
      `${at.session.where} answered the update, but reading it back shows ${lost.join(', ')} not as sent: it may not keep these values. Check the integration in the Litmus Edge portal, then run check-certs again`,
    );
}

async function recordKey(state: StateHandle, key: string, keySha256: string, now: Date): Promise<void> {
  const next = structuredClone(state.state);
  next.applied[key] = { keySha256, at: now.toISOString() };
  await state.save(next);
}
