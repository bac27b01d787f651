// How the connector stage reaches Litmus Edge: by default a port-forward through the Kubernetes API to port 443 of
// the release's Service (the chart's Service is ClusterIP), or litmus-edge-url; TLS as tls.ts says, and the
// credentials of the inputs. Built lazily: the Litmus adapter is only loaded when the stage runs.
import type { KubeClient, LocalForward } from '../../kube/kube-client.js';
import type { LitmusEdgeClient } from '../../litmus/client.js';
import type { TlsTrust } from '../../litmus/tls.js';
import type { StageDeps } from '../stage-deps.js';
import type { ConnectorSettings } from './settings.js';

export interface LitmusSession {
  client: LitmusEdgeClient;
  /** SHA-256 of Litmus Edge's certificate, once a connection was made. */
  observedPin(): string | undefined;
  where: string;
  /** The port-forward's tunnel errors (e.g. no ready pod), for messages. */
  tunnelErrors(): string[];
  close(): Promise<void>;
}

export interface ConnectorPorts {
  open(s: ConnectorSettings, trust: TlsTrust, signal: AbortSignal): Promise<LitmusSession>;
}

export function defaultConnectorPorts(deps: StageDeps): ConnectorPorts {
  return {
    async open(s, trust, signal) {
      const [{ secureAgent }, { tokenCredentials, oauthCredentials }, { litmusEdgeClient }] =
        await Promise.all([
          import('../../litmus/tls.js'),
          import('../../litmus/auth.js'),
          import('../../litmus/client.js'),
        ]);
      let forward: LocalForward | undefined;
      let base: URL;
      let where: string;
      let servername: string;
      if (s.endpoint.kind === 'service') {
        const { namespace, service, port } = s.endpoint;
        forward = await (await deps.kube()).forwardServicePort(namespace, service, port);
        base = new URL(`https://${forward.host}:${forward.port}/`);
        where = `Service ${namespace}/${service}:${port} (port-forward)`;
        servername = `${service}.${namespace}.svc`;
      } else {
        base = s.endpoint.url;
        where = s.endpoint.url.origin;
        servername = s.endpoint.url.hostname.replace(/^\[|\]$/g, '');
      }
      const tls = secureAgent(trust, {
        host: base.hostname.replace(/^\[|\]$/g, ''),
        port: Number(base.port || 443),
        servername,
        where,
      });
      const endpoint = {
        base,
        agent: tls.agent,
        where,
        ...(forward ? { hostHeader: servername } : {}),
      };
      const creds =
        s.auth.kind === 'token'
          ? tokenCredentials(s.auth.token)
          : oauthCredentials(() => endpoint, {
              clientId: s.auth.clientId,
              clientSecret: s.auth.clientSecret,
              mask: deps.mask,
              now: () => deps.now().getTime(),
            });
      return {
        client: litmusEdgeClient(endpoint, creds, signal),
        observedPin: tls.observed,
        where,
        tunnelErrors: () => forward?.errors() ?? [],
        async close() {
          tls.destroy();
          await forward?.close();
        },
      };
    },
  };
}

/** The release's Service the default endpoint tunnels to, when it does not exist (a port-forward would only retry). */
export async function missingReleaseService(
  kube: KubeClient,
  s: ConnectorSettings,
): Promise<{ where: string; why: string } | undefined> {
  if (s.endpoint.kind !== 'service') return undefined;
  const { namespace, service, port } = s.endpoint;
  if (await kube.get({ apiVersion: 'v1', kind: 'Service', namespace, name: service })) return undefined;
  return {
    where: `Service ${namespace}/${service}:${port} (port-forward)`,
    why: `Service ${namespace}/${service} (the release's Litmus Edge portal and API) does not exist`,
  };
}
