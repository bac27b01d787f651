// The connector's own state, in a Secret beside the client Secret (`<client-cert-secret>-connector` in
// `namespace`): the SHA-256 pinned for each Litmus Edge endpoint on first use (`pins.json`), and for each
// integration instance a SHA-256 of the client key last sent (`applied.json`) — never the key — so a Litmus Edge
// that does not return secrets on read can still be compared without a write on every run.
import type { KubeClient, ObjectRef } from '../../kube/kube-client.js';
import { describeRef } from '../../kube/kube-client.js';
import { MANAGED_BY, type SecretObject } from '../certs/secret-layout.js';

export interface ConnectorState {
  /** endpoint key (a URL origin or service/ns/name:port) -> SHA-256 (AB:CD:... form). */
  pins: Record<string, string>;
  /** instance key (endpoint|provider|name) -> what was last applied. */
  applied: Record<string, { keySha256: string; at: string }>;
}

/** The key of `applied`: one integration instance of one Litmus Edge. */
export const instanceKey = (endpointKey: string, providerId: string, name: string): string =>
  `${endpointKey}|${providerId}|${name}`;

export interface StateHandle {
  readonly ref: ObjectRef;
  /** "Secret ns/name key pins.json", for messages. */
  readonly pinsWhere: string;
  state: ConnectorState;
  save(state: ConnectorState): Promise<void>;
}

const decode = (s: SecretObject | undefined, key: string): unknown => {
  const v = s?.data?.[key];
  if (!v) return {};
  try {
    return JSON.parse(Buffer.from(v, 'base64').toString('utf8')) as unknown;
  } catch {
    return {};
  }
};

const record = <T>(v: unknown): Record<string, T> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, T>) : {};

export async function loadState(kube: KubeClient, ref: ObjectRef): Promise<StateHandle> {
  let current = await kube.get<SecretObject>(ref);
  const handle: StateHandle = {
    ref,
    pinsWhere: `${describeRef(ref)} key pins.json`,
    state: { pins: record(decode(current, 'pins.json')), applied: record(decode(current, 'applied.json')) },
    async save(state) {
      const data = {
        'pins.json': Buffer.from(JSON.stringify(state.pins, null, 2)).toString('base64'),
        'applied.json': Buffer.from(JSON.stringify(state.applied, null, 2)).toString('base64'),
      };
      const metadata = {
        name: ref.name,
        namespace: ref.namespace!,
        labels: { ...(current?.metadata.labels ?? {}), ...MANAGED_BY },
        annotations: {
          ...(current?.metadata.annotations ?? {}),
          'litmus-aio.io/purpose':
            "the connector stage's TLS pins of Litmus Edge (trust on first use) and hashes of what it applied",
        },
        ...(current?.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
      };
      const obj: SecretObject = { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata, data };
      current = await (current ? kube.replace(obj) : kube.create(obj));
      handle.state = state;
    },
  };
  return handle;
}
