// Microsoft.IoTOperations 2025-10-01: instances and brokers (read), broker listeners, authentications and
// authorizations (read, list, asynchronous PUT/DELETE). A completed change of a listener/authentication/authorization
// is reported through `onIotOpsChange`, which the project wires to its Kubernetes stand-in (cloud → edge sync).
// Besides the spec's defaults (server.ts), the service names a listener's Service when the PUT does not: the
// official examples' answers carry a `serviceName` their requests lack; AIO's default is `aio-broker`.
import { baseResource } from '../engine.js';
import type { ArmResource } from '../store.js';
import type { IotOpsKind, PutBehaviour, RequestContext, ResourceTypeDef } from '../types.js';

export const DEFAULT_SERVICE_NAME = 'aio-broker';

export const IOTOPS_NAMESPACE = 'Microsoft.IoTOperations';
export const IOTOPS_API_VERSION = '2025-10-01';

const CHILD_KINDS: Record<string, IotOpsKind> = {
  listeners: 'listener',
  authentications: 'authentication',
  authorizations: 'authorization',
};

async function notify(ctx: RequestContext, type: string, resource: ArmResource, action: 'put' | 'delete') {
  const hook = ctx.hooks.onIotOpsChange;
  if (!hook) return;
  const [instance, broker] = ctx.path.pairs.map((p) => p.name);
  await hook(CHILD_KINDS[type]!, resource.name, action === 'put' ? resource : null, {
    action,
    resourceId: resource.id,
    instance: instance!,
    broker: broker!,
  });
}

const listenerBuild: PutBehaviour['build'] = (ctx, body, existing) => {
  const r = baseResource(ctx, body, existing);
  if (ctx.serverDefaults && r.properties?.serviceName === undefined) {
    r.properties = { ...r.properties, serviceName: DEFAULT_SERVICE_NAME };
  }
  return r;
};

export function iotOpsTypes(location: string): ResourceTypeDef[] {
  const base = { namespace: IOTOPS_NAMESPACE, apiVersion: IOTOPS_API_VERSION, location };
  const brokerChild = (type: string): ResourceTypeDef => ({
    ...base,
    types: ['instances', 'brokers', type],
    get: true,
    list: true,
    provisioning: { create: ['Accepted', 'Provisioning'], update: ['Accepted', 'Updating'] },
    put: {
      ...(type === 'listeners' ? { build: listenerBuild } : {}),
      committed: async (ctx, resource) => {
        await notify(ctx, type, resource, 'put');
        resource.properties = { ...resource.properties, healthState: 'Available' };
      },
    },
    delete: { committed: (ctx, resource) => notify(ctx, type, resource, 'delete') },
  });
  return [
    { ...base, types: ['instances'], get: true },
    { ...base, types: ['instances', 'brokers'], get: true, list: true },
    brokerChild('listeners'),
    brokerChild('authentications'),
    brokerChild('authorizations'),
  ];
}
