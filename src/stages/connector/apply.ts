// Carries out a connector decision against Litmus Edge, in the order Litmus' own scripts use: disable the
// instance, change its config, create the topics, enable them, enable the instance. Returns the instance id.
import type { Instance, LitmusEdgeClient, Subscription } from '../../litmus/client.js';
import type { Logger } from '../../pipeline/logger.js';
import { isMask, type ConnectorDecision, type DesiredIntegration } from './decide.js';

async function enableRequested(
  client: LitmusEdgeClient,
  id: string,
  want: DesiredIntegration,
  known: Subscription[],
  log: Logger,
): Promise<void> {
  // Litmus Edge may create topics disabled whatever createSubs said: read them back and enable what is not.
  const subs = await client.subscriptions(id);
  const wanted = new Set(want.topics.map((t) => t.local));
  const off = subs.filter((s) => s.isLocalToRemote && wanted.has(s.localName) && !s.enabled);
  const ids = [...new Set([...known.map((s) => s.topicId), ...off.map((s) => s.topicId)])];
  if (ids.length === 0) return;
  log.info(`enabling ${ids.length} topic(s)`);
  await client.enableSubscriptions(id, ids);
}

/**
 * The config an update sends (it replaces the instance's): what the inputs want, and beside it what the instance
 * holds that they do not manage (set in the portal, e.g. a username), so an update does not drop it. A value
 * Litmus Edge returned masked cannot be kept this way: only connector-config can carry such a secret.
 */
function updatedConfig(live: Instance, want: DesiredIntegration): Record<string, unknown> {
  const kept = Object.entries(live.config).filter(([k, v]) => !(k in want.config) && !isMask(v));
  return { ...Object.fromEntries(kept), ...want.config };
}

export async function applyConnector(
  client: LitmusEdgeClient,
  d: ConnectorDecision,
  want: DesiredIntegration,
  log: Logger,
): Promise<string> {
  let id = d.instance?.instanceId;
  if (!id) {
    log.info(`creating integration '${want.name}' (${want.providerId})`);
    id = await client.createInstance(want.providerId, want.config);
    const created = await client.instance(id);
    if (created?.enabled) {
      log.info('the new integration came up enabled: disabling it while its topics are set');
      await client.setEnabled(id, false);
    }
  } else if (d.disableFirst) {
    log.info(`disabling integration '${want.name}' (${id}) while it changes`);
    await client.setEnabled(id, false);
  }
  if (d.instance && d.configDiff.length > 0) {
    log.info(`updating integration '${want.name}' (${id}): ${d.configDiff.length} key(s)`);
    await client.updateInstance(d.instance, updatedConfig(d.instance, want));
  }
  if (d.newSubs.length > 0) {
    log.info(`creating ${d.newSubs.length} topic(s)`);
    await client.createSubscriptions(
      id,
      d.newSubs.map((t) => ({ localName: t.local, remoteName: t.remote })),
    );
  }
  if (d.newSubs.length > 0 || d.enableSubs.length > 0)
    await enableRequested(client, id, want, d.enableSubs, log);
  if (d.enable) {
    log.info(`enabling integration '${want.name}' (${id})`);
    await client.setEnabled(id, true);
  }
  return id;
}
