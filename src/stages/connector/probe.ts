// First contact with Litmus Edge: GET /cc/version, GET /cc/providers and GET /cc/instances. An instance that does
// not offer the REST integrations API (Litmus Edge 4.x configures integrations through GraphQL: api.litmus.io,
// "Create Integration Instance ... GraphQL") is refused naming what it answered and what this stage needs. Right
// after deploy, Litmus Edge takes a while to answer: then the first call is retried until a deadline.
import { LitmusApiError } from '../../litmus/errors.js';
import type { Instance, Provider } from '../../litmus/client.js';
import { tokens } from '../../litmus/config-mapping.js';
import type { LitmusSession } from './ports.js';

export interface Probed {
  version?: string;
  providers: Provider[];
  instances: Instance[];
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** GET /cc/version, retried while Litmus Edge does not answer (or answers 5xx) until `waitMs` has passed. */
async function firstAnswer(
  session: LitmusSession,
  waitMs: number,
  signal: AbortSignal,
): Promise<{ status: number; version?: string }> {
  const deadline = performance.now() + waitMs;
  let wait = 500;
  for (;;) {
    try {
      return await session.client.version();
    } catch (e) {
      const retry = e instanceof LitmusApiError && e.retryable && performance.now() + wait < deadline;
      if (!retry || signal.aborted) {
        const tunnel = session.tunnelErrors().at(-1);
        if (e instanceof LitmusApiError && e.status === 0 && tunnel)
          throw new Error(`${e.message} (${tunnel})`, { cause: e });
        throw e;
      }
      await sleep(wait, signal);
      wait = Math.min(wait * 2, 5_000);
    }
  }
}

function restMissing(where: string, version: string | undefined, endpoint: string, status: number): Error {
  const found = version
    ? `integration service ${version} (GET /cc/version)`
    : 'no version at GET /cc/version';
  return new Error(
    `connector: nothing was changed: Litmus Edge at ${where} reports ${found}, but ${endpoint} answered ${status}: it does not offer the REST integrations API (/cc/providers, /cc/instances) this stage configures the integration with. Litmus Edge 4.x moved integrations to GraphQL. Needed: a Litmus Edge with the /cc REST API (3.x). Fix: deploy a 3.x version (litmus-edge-version), or leave connector out (stages without connector) and configure the "MQTT – Generic over SSL" integration in the Litmus Edge portal`,
  );
}

export async function probeLitmus(
  session: LitmusSession,
  waitMs: number,
  signal: AbortSignal,
): Promise<Probed> {
  const v = await firstAnswer(session, waitMs, signal);
  const providers = await session.client.providers();
  if (providers.status >= 300)
    throw restMissing(session.where, v.version, 'GET /cc/providers', providers.status);
  const instances = await session.client.instances();
  if (instances.status >= 300)
    throw restMissing(session.where, v.version, 'GET /cc/instances', instances.status);
  return {
    ...(v.version ? { version: v.version } : {}),
    providers: providers.providers,
    instances: instances.instances,
  };
}

const list = (ps: Provider[]): string => ps.map((p) => `${p.id} ("${p.name}")`).join(', ') || 'none';

/**
 * The provider named by connector-provider; when that id is missing, the one provider whose name reads as
 * "MQTT – Generic over SSL" (the id generic-mqtt-ssl is only seen in screenshots).
 */
export function chooseProvider(
  providers: Provider[],
  wanted: string,
  where: string,
): { provider: Provider; note?: string } {
  const exact = providers.find((p) => p.id === wanted);
  if (exact) return { provider: exact };
  const ssl = providers.filter((p) => {
    const t = [...tokens(p.name), ...tokens(p.id)];
    return t.includes('mqtt') && (t.includes('ssl') || t.includes('tls')) && t.includes('generic');
  });
  if (ssl.length === 1) {
    return {
      provider: ssl[0]!,
      note: `provider '${wanted}' is not offered; using ${ssl[0]!.id} ("${ssl[0]!.name}"), the one MQTT over SSL provider (set connector-provider: ${ssl[0]!.id} to say so)`,
    };
  }
  throw new Error(
    `connector: nothing was changed: Litmus Edge at ${where} offers no provider '${wanted}'${ssl.length > 1 ? ` and more than one MQTT over SSL provider` : ' and no "MQTT – Generic over SSL" provider'}. Its providers: ${list(providers)}. Fix: set connector-provider to the id of its "MQTT – Generic over SSL" provider`,
  );
}
