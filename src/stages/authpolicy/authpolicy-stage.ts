// Stage `authpolicy`: the broker accepts the Litmus Edge client by X.509 on its own TLS port. Writes a
// BrokerAuthentication (and optionally a BrokerAuthorization) and adds one port to the listener, keeping every
// other port exactly as it was. Clear conflicts stop the run before any write; a second run writes nothing.
import type {
  AuthenticationSpec,
  AuthorizationSpec,
  BrokerStore,
  ListenerSpec,
  Stored,
} from '../../aio/broker-model.js';
import { kubeBrokerStore } from '../../aio/kube-broker-store.js';
import { STAGE_CATALOG } from '../../config/catalog.js';
import { InputError } from '../../config/input-error.js';
import type { Stage, StageContext, StageOutcome } from '../../pipeline/stage.js';
import { jsonDiff } from '../../util/json-diff.js';
import type { StageDeps } from '../stage-deps.js';
import {
  defaultAttributes,
  desiredAuthentication,
  desiredAuthorization,
  desiredPort,
  canonicalSpec,
  sameSpec,
  type PolicySettings,
} from './desired.js';

export interface AuthpolicyDeps extends StageDeps {
  /** The store for `authpolicy-mode`; defaults to the Kubernetes CRs. The ARM store is injected by the engine. */
  brokerStore?: () => Promise<BrokerStore>;
}

interface Write {
  describe: string;
  run: () => Promise<void>;
}

export function createAuthpolicyStage(deps: AuthpolicyDeps): Stage {
  const i = deps.inputs;
  if (i['authpolicy-mode'] === 'arm') {
    // Checked when the pipeline is built, before any stage runs.
    const missing = (['azure-subscription-id', 'resource-group', 'aio-instance'] as const).filter(
      (k) => !i[k],
    );
    if (missing.length > 0) {
      throw new InputError(
        missing.map((k) => ({
          input: k,
          source: 'authpolicy-mode arm',
          problem: 'is required to find the IoT Operations instance in Azure Resource Manager',
          expected: k === 'azure-subscription-id' ? 'a subscription GUID' : 'a name',
          example: `${k}: ${k === 'azure-subscription-id' ? '${{ vars.AZURE_SUBSCRIPTION_ID }}' : k === 'resource-group' ? 'rg-plant7' : 'aio-plant7'} (or authpolicy-mode: kubernetes for test clusters)`,
        })),
      );
    }
  }
  const s: PolicySettings = {
    authenticationName: i['broker-authentication'],
    listenerName: i['broker-listener'],
    port: i['broker-port'],
    trustedCaConfigMap: i['trusted-ca-configmap'],
    attributes:
      i['authorization-attributes'] ?? defaultAttributes(i['intermediate-ca-subject'], i['client-subject']),
    ...(i['topic-prefix'] ? { topicPrefix: i['topic-prefix'] } : {}),
  };
  const store = async (): Promise<BrokerStore> => {
    if (deps.brokerStore) return deps.brokerStore();
    if (i['authpolicy-mode'] === 'arm') {
      const { armBrokerStore } = await import('../../aio/arm-broker-store.js');
      const azure = await deps.azure();
      return armBrokerStore(azure, {
        subscriptionId: (i['azure-subscription-id'] ?? azure.subscriptionId)!,
        resourceGroup: i['resource-group']!,
        instance: i['aio-instance']!,
        broker: i.broker,
      });
    }
    return kubeBrokerStore(await deps.kube(), i['aio-namespace']);
  };

  /** Reads everything, refuses conflicts, and returns the writes to make (none when all is in place). */
  async function planWrites(ctx: StageContext): Promise<Write[]> {
    const broker = await store();
    const kube = await deps.kube();
    const [listener, listeners, authn, authz, trustedCa] = await Promise.all([
      broker.get<ListenerSpec>('listener', s.listenerName),
      broker.list<ListenerSpec>('listener'),
      broker.get<AuthenticationSpec>('authentication', s.authenticationName),
      s.topicPrefix
        ? broker.get<AuthorizationSpec>('authorization', s.authenticationName)
        : Promise.resolve(undefined),
      kube.get({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: i['aio-namespace'],
        name: s.trustedCaConfigMap,
      }),
    ]);
    const problems: string[] = [];
    if (!listener) {
      throw new Error(
        `authpolicy: nothing was changed: BrokerListener '${s.listenerName}' does not exist (${broker.where}); is Azure IoT Operations installed? Set broker-listener to an existing listener`,
      );
    }
    for (const other of listeners) {
      if (other.name !== s.listenerName && other.spec.ports.some((p) => p.port === s.port)) {
        problems.push(
          `port ${s.port} is already used by BrokerListener '${other.name}' (ports are unique across listeners); choose another broker-port`,
        );
      }
    }
    // With certs in the same run, the ConfigMap is created before this stage applies (plan: it will be).
    if (!trustedCa && !ctx.upstream.has('certs')) {
      problems.push(
        `ConfigMap ${i['aio-namespace']}/${s.trustedCaConfigMap} (the trusted client CA) is missing: run the certs stage first (stages: certs,authpolicy)`,
      );
    }

    const writes: Write[] = [];
    const wantAuthz = desiredAuthorization(s);
    if (wantAuthz) {
      const w = resourceWrite(broker, 'authorization', 'BrokerAuthorization', authz, wantAuthz, problems);
      if (w) writes.push(w);
    }
    const authnWrite = resourceWrite(
      broker,
      'authentication',
      'BrokerAuthentication',
      authn,
      desiredAuthentication(s),
      problems,
    );
    if (authnWrite) writes.push(authnWrite);

    const port = desiredPort(s, listener.spec);
    const index = listener.spec.ports.findIndex((p) => p.port === s.port);
    const current = index >= 0 ? listener.spec.ports[index] : undefined;
    if (!current || !sameSpec(current, port)) {
      // A port entry that uses our authentication is ours to update; anyone else's needs force.
      if (current && current.authenticationRef !== s.authenticationName && !i.force) {
        problems.push(
          `BrokerListener '${s.listenerName}' already has port ${s.port} with other settings (${jsonDiff(canonicalSpec(current), canonicalSpec(port)).join('; ')}); set force: true to overwrite that port entry, or choose another broker-port`,
        );
      }
      const ports = [...listener.spec.ports];
      if (index >= 0) ports[index] = port;
      else ports.push(port);
      const kept = listener.spec.ports.filter((p) => p.port !== s.port).map((p) => p.port);
      const next: ListenerSpec = { ...listener.spec, ports };
      writes.push({
        describe: `${current ? 'update' : 'add'} port ${s.port} on BrokerListener '${s.listenerName}' (TLS ${port.tls?.mode}, issuer ${port.tls?.certManagerCertificateSpec?.issuerRef.name}, authenticationRef ${s.authenticationName}${port.authorizationRef ? `, authorizationRef ${port.authorizationRef}` : ''}); ports ${kept.join(', ') || 'none'} unchanged${ctx.mode === 'plan' ? `: ${jsonDiff(listener.spec, next).join('; ')}` : ''}`,
        run: () => broker.put('listener', s.listenerName, next, listener),
      });
    }
    if (problems.length > 0) throw new Error(`authpolicy: nothing was changed: ${problems.join('; ')}`);
    return writes;

    function resourceWrite<S>(
      b: BrokerStore,
      kind: 'authentication' | 'authorization',
      kindName: string,
      existing: Stored<S> | undefined,
      wanted: S,
      problemList: string[],
    ): Write | undefined {
      if (existing && sameSpec(existing.spec, wanted)) return undefined;
      const diff = jsonDiff(canonicalSpec(existing?.spec), canonicalSpec(wanted));
      if (existing && !i.force) {
        problemList.push(
          `${kindName} '${s.authenticationName}' exists with different content (${diff.join('; ')}); set force: true to replace it, or choose another broker-authentication name`,
        );
      }
      return {
        describe: existing
          ? `update ${kindName} '${s.authenticationName}' in ${b.where}: ${diff.join('; ')}`
          : `create ${kindName} '${s.authenticationName}' in ${b.where}${ctx.mode === 'plan' ? `: ${JSON.stringify(wanted)}` : ''}`,
        run: () => b.put(kind, s.authenticationName, wanted, existing),
      };
    }
  }

  return {
    name: 'authpolicy',
    needs: STAGE_CATALOG.authpolicy.needs,
    async plan(ctx): Promise<StageOutcome> {
      const writes = await planWrites(ctx);
      return {
        changed: writes.length > 0,
        changes: writes.map((w) => w.describe),
        outputs: { 'broker-port': String(s.port) },
      };
    },
    async apply(ctx): Promise<StageOutcome> {
      const writes = await planWrites(ctx);
      // Order matters: the port references the authentication (and authorization), so those exist first.
      for (const w of writes) {
        ctx.log.info(w.describe);
        await w.run();
      }
      return {
        changed: writes.length > 0,
        changes: writes.map((w) => w.describe),
        outputs: { 'broker-port': String(s.port) },
      };
    },
  };
}
