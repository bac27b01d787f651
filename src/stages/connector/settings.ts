// What the connector stage works from, derived once from the inputs; every "X needs Y" is checked here (before
// anything is contacted) and reported as an input problem.
import { InputError, type InputProblem } from '../../config/input-error.js';
import type { Inputs } from '../../config/input-specs.js';
import type { ObjectRef } from '../../kube/kube-client.js';
import { remoteTopicFor } from '../../litmus/topics.js';
import { pkiRefs } from '../pki-refs.js';

export type LitmusEndpoint =
  | { kind: 'url'; url: URL; key: string }
  | { kind: 'service'; namespace: string; service: string; port: number; key: string };

export type LitmusAuth =
  { kind: 'token'; token: string } | { kind: 'oauth'; clientId: string; clientSecret: string };

export interface TopicRoute {
  local: string;
  remote: string;
}

export interface ConnectorSettings {
  endpoint: LitmusEndpoint;
  /** litmus-edge-ca; without it the certificate is pinned on first use. */
  ca?: string;
  auth: LitmusAuth;
  name: string;
  provider: string;
  overrides: Record<string, unknown>;
  topics: TopicRoute[];
  brokerHost: string;
  brokerPort: number;
  clientId: string;
  qos: number;
  /** The provider's `topic` (the remote root): topic-prefix, else `litmus-edge`. */
  remoteRoot: string;
  clientSecret: ObjectRef;
  brokerCa: ObjectRef;
  brokerCaKey: string;
  /** Beside the client Secret: the TLS pins of Litmus Edge and a hash of the key last sent (never the key). */
  stateSecret: ObjectRef;
  /** What the deployed image should be (litmus-edge-version), compared with the firmware it reports. */
  expectedVersion?: string;
}

/** The chart's Service name for a release (charts/litmusedge/templates/_helpers.tpl, litmusedge.fullname). */
export function releaseServiceName(release: string): string {
  const chart = 'litmusedge';
  const full = release.includes(chart) ? release : `${release}-${chart}`;
  return full.slice(0, 52).replace(/-+$/, '');
}

/** The Litmus Edge credentials: a token, or an OAuth2 client id with its secret (exactly one way). */
export function authProblems(
  i: Inputs,
  source = i.stagesExplicit ? 'stage connector' : 'stage connector, one of the default stages',
): InputProblem[] {
  const p = (input: string, problem: string, expected: string, example: string): InputProblem => ({
    input,
    source,
    problem,
    expected,
    example,
  });
  const token = !!i['litmus-edge-token'];
  const id = !!i['litmus-edge-client-id'];
  const secret = !!i['litmus-edge-client-secret'];
  if (id !== secret)
    return [
      p(
        id ? 'litmus-edge-client-secret' : 'litmus-edge-client-id',
        'must be given together with its partner (litmus-edge-client-id and litmus-edge-client-secret)',
        'both or neither',
        'litmus-edge-client-id: ${{ vars.LE_CLIENT_ID }} and litmus-edge-client-secret: ${{ secrets.LE_CLIENT_SECRET }}',
      ),
    ];
  if (token && id)
    return [
      p(
        'litmus-edge-token',
        'and litmus-edge-client-id/-secret are both given: use one way to authenticate',
        'either an API token or OAuth2 client credentials',
        'litmus-edge-token: ${{ secrets.LITMUS_EDGE_TOKEN }}',
      ),
    ];
  if (!token && !id)
    return [
      p(
        'litmus-edge-token',
        "is required by the connector stage (or litmus-edge-client-id with litmus-edge-client-secret): it configures Litmus Edge's integration through its API",
        'an API token from System > Access Control > Tokens',
        'litmus-edge-token: ${{ secrets.LITMUS_EDGE_TOKEN }} (or leave connector out: stages: certs,authpolicy,smoke)',
      ),
    ];
  return [];
}

export function connectorSettings(i: Inputs): ConnectorSettings {
  const problems = authProblems(i);
  if (problems.length > 0) throw new InputError(problems);
  const refs = pkiRefs(i);
  const url = i['litmus-edge-url'] ? new URL(i['litmus-edge-url']) : undefined;
  const service = releaseServiceName(i.release);
  const endpoint: LitmusEndpoint = url
    ? { kind: 'url', url, key: url.origin }
    : {
        kind: 'service',
        namespace: i.namespace,
        service,
        port: 443,
        key: `service/${i.namespace}/${service}:443`,
      };
  const prefix = i['topic-prefix'];
  return {
    endpoint,
    ...(i['litmus-edge-ca'] ? { ca: i['litmus-edge-ca'] } : {}),
    auth: i['litmus-edge-token']
      ? { kind: 'token', token: i['litmus-edge-token'] }
      : {
          kind: 'oauth',
          clientId: i['litmus-edge-client-id']!,
          clientSecret: i['litmus-edge-client-secret']!,
        },
    name: i['connector-name'],
    provider: i['connector-provider'],
    overrides: i['connector-config'] ?? {},
    topics: [...new Set(i['connector-topics'] ?? [])].map((local) => ({
      local,
      remote: remoteTopicFor(local, prefix),
    })),
    brokerHost: i['broker-host'] ?? `aio-broker.${i['aio-namespace']}.svc.cluster.local`,
    brokerPort: i['broker-port'],
    clientId: `litmus-edge-${i['connector-name'].toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`.slice(0, 64),
    qos: 1,
    remoteRoot: prefix ? prefix.replace(/\/+$/, '') : 'litmus-edge',
    clientSecret: refs.clientSecret,
    brokerCa: refs.brokerCa,
    brokerCaKey: i['broker-ca-key'],
    stateSecret: {
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: i.namespace,
      name: `${i['client-cert-secret']}-connector`.slice(0, 253),
    },
    ...(i['litmus-edge-version'] ? { expectedVersion: i['litmus-edge-version'] } : {}),
  };
}
