// Reads what authpolicy decides on: the listener (and all others, for port clashes), our authentication and
// authorization, the trusted-CA ConfigMap, and the ownership records. No writes.
import type {
  AuthenticationSpec,
  AuthorizationSpec,
  BrokerStore,
  ListenerSpec,
  Stored,
} from '../../aio/broker-model.js';
import type { KubeClient } from '../../kube/kube-client.js';
import { loadOwnershipRecords, type OwnershipRecords } from '../../ownership/ownership-store.js';
import type { AuthpolicySettings } from './settings.js';

export interface BrokerObserved {
  where: string;
  listener: Stored<ListenerSpec> | undefined;
  listeners: Array<Stored<ListenerSpec>>;
  authentication: Stored<AuthenticationSpec> | undefined;
  authorization: Stored<AuthorizationSpec> | undefined;
  trustedCaExists: boolean;
  records: OwnershipRecords;
}

export async function observeBroker(
  broker: BrokerStore,
  kube: KubeClient,
  s: AuthpolicySettings,
): Promise<BrokerObserved> {
  const [listener, listeners, authentication, authorization, trustedCa, records] = await Promise.all([
    broker.get<ListenerSpec>('listener', s.listenerName),
    broker.list<ListenerSpec>('listener'),
    broker.get<AuthenticationSpec>('authentication', s.authenticationName),
    s.topicPrefix
      ? broker.get<AuthorizationSpec>('authorization', s.authenticationName)
      : Promise.resolve(undefined),
    kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: s.namespace, name: s.trustedCaConfigMap }),
    loadOwnershipRecords(kube, s.namespace),
  ]);
  return {
    where: broker.where,
    listener,
    listeners,
    authentication,
    authorization,
    trustedCaExists: trustedCa !== undefined,
    records,
  };
}
