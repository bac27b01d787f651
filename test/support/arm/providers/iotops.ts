// Microsoft.IoTOperations 2025-10-01: instances and brokers (read), broker listeners, authentications and
// authorizations (read, list, asynchronous PUT/DELETE). A completed change of a listener/authentication/authorization
// is reported through `onIotOpsChange`, which the project wires to its Kubernetes stand-in (cloud → edge sync).
import type { ArmResource } from '../store.js';
import type { IotOpsKind, RequestContext, ResourceTypeDef } from '../types.js';

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

export function iotOpsTypes(location: string): ResourceTypeDef[] {
  const base = { namespace: IOTOPS_NAMESPACE, apiVersion: IOTOPS_API_VERSION, location };
  const brokerChild = (type: string): ResourceTypeDef => ({
    ...base,
    types: ['instances', 'brokers', type],
    get: true,
    list: true,
    provisioning: { create: ['Accepted', 'Provisioning'], update: ['Accepted', 'Updating'] },
    put: {
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
