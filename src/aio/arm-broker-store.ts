// BrokerStore on Azure Resource Manager: the cloud is the source of truth for AIO broker resources and syncs
// them to the cluster. There is no npm SDK for Microsoft.IoTOperations, so this uses the Azure SDK's generic
// resource client (GET/PUT by id, with its long-running-operation polling) at api-version 2025-10-01.
import type { AzureAccess } from '../azure/azure-access.js';
import type { BrokerResourceKind, BrokerStore, Stored } from './broker-model.js';

export const IOT_OPERATIONS_API_VERSION = '2025-10-01';

const COLLECTION: Record<BrokerResourceKind, string> = {
  listener: 'listeners',
  authentication: 'authentications',
  authorization: 'authorizations',
};

interface ArmResource {
  id?: string;
  name?: string;
  extendedLocation?: { name: string; type: string };
  properties?: Record<string, unknown>;
}

/** ARM adds these to properties; they are never part of what we compare or send. */
function specOf<S>(properties: Record<string, unknown> | undefined): S {
  const { provisioningState: _p, healthState: _h, ...spec } = properties ?? {};
  return spec as S;
}

interface Page {
  value?: ArmResource[];
  nextLink?: string;
}

/**
 * Every item of an ARM list, following `nextLink` page by page (a page may be empty and still have one). A nextLink
 * is followed only on Resource Manager's own host (the pipeline would send our token to any URL) and never twice (a
 * service answering the same page again would loop for ever).
 */
export async function allPages(
  first: string,
  what: string,
  get: (url: string) => Promise<{ status: number; text: string }>,
): Promise<ArmResource[]> {
  const arm = new URL(first);
  const items: ArmResource[] = [];
  const seen = new Set<string>();
  for (let url: string | undefined = first; url;) {
    const at = new URL(url);
    const wrong = seen.has(at.href)
      ? 'to a page already read'
      : at.protocol !== arm.protocol || at.host !== arm.host
        ? `off ${arm.host}`
        : undefined;
    if (wrong) {
      throw new Error(
        `GET ${what}: Resource Manager answered with a nextLink ${wrong} (${at.origin}${at.pathname}); stopped reading the list. Retry later; if it persists, report it to Azure support`,
      );
    }
    seen.add(at.href);
    const res = await get(url);
    if (res.status !== 200) throw new Error(`GET ${what}: HTTP ${res.status} ${res.text}`.trim());
    const page = JSON.parse(res.text || '{}') as Page;
    items.push(...(page.value ?? []));
    url = page.nextLink;
  }
  return items;
}

export interface ArmBrokerLocation {
  subscriptionId: string;
  resourceGroup: string;
  instance: string;
  broker: string;
}

export async function armBrokerStore(
  azure: AzureAccess,
  at: ArmBrokerLocation,
  options: { pollIntervalMs?: number } = {},
): Promise<BrokerStore> {
  const [{ ResourceManagementClient }, { createPipelineRequest }] = await Promise.all([
    import('@azure/arm-resources'),
    import('@azure/core-rest-pipeline'),
  ]);
  const client = new ResourceManagementClient(azure.credential, at.subscriptionId, azure.clientOptions);
  const instanceId = `/subscriptions/${at.subscriptionId}/resourceGroups/${at.resourceGroup}/providers/Microsoft.IoTOperations/instances/${at.instance}`;
  const brokerId = `${instanceId}/brokers/${at.broker}`;
  const idOf = (kind: BrokerResourceKind, name: string): string => `${brokerId}/${COLLECTION[kind]}/${name}`;
  const notFound = (e: unknown): boolean => (e as { statusCode?: number }).statusCode === 404;
  let extendedLocation: ArmResource['extendedLocation'];

  /** Child resources are created in the instance's custom location. */
  const location = async (): Promise<NonNullable<ArmResource['extendedLocation']>> => {
    if (extendedLocation) return extendedLocation;
    const instance = (await client.resources.getById(instanceId, IOT_OPERATIONS_API_VERSION)) as ArmResource;
    if (!instance.extendedLocation)
      throw new Error(`IoT Operations instance ${instanceId} has no extendedLocation`);
    return (extendedLocation = instance.extendedLocation);
  };
  const toStored = <S>(r: ArmResource): Stored<S> => ({
    name: r.name ?? '',
    spec: specOf<S>(r.properties),
    raw: r,
  });

  return {
    where: `Azure Resource Manager (instance ${at.instance}, broker ${at.broker}, resource group ${at.resourceGroup})`,
    async get<S>(kind: BrokerResourceKind, name: string) {
      try {
        return toStored<S>(
          (await client.resources.getById(idOf(kind, name), IOT_OPERATIONS_API_VERSION)) as ArmResource,
        );
      } catch (e) {
        if (notFound(e)) return undefined;
        throw e;
      }
    },
    async list<S>(kind: BrokerResourceKind) {
      // The generic client has no list for child collections: GET the collection through its own pipeline.
      const collection = `${brokerId}/${COLLECTION[kind]}`;
      const first = `${azure.resourceManager.replace(/\/+$/, '')}${collection}?api-version=${IOT_OPERATIONS_API_VERSION}`;
      const pages = await allPages(first, collection, async (url) => {
        const res = await client.sendRequest(createPipelineRequest({ url, method: 'GET' }));
        return { status: res.status, text: res.bodyAsText ?? '' };
      });
      return pages.map((r) => toStored<S>(r));
    },
    async put<S>(kind: BrokerResourceKind, name: string, spec: S, previous?: Stored<S>) {
      const loc = (previous?.raw as ArmResource | undefined)?.extendedLocation ?? (await location());
      await client.resources.beginCreateOrUpdateByIdAndWait(
        idOf(kind, name),
        IOT_OPERATIONS_API_VERSION,
        { extendedLocation: loc, properties: spec as Record<string, unknown> } as never,
        options.pollIntervalMs !== undefined ? { updateIntervalInMs: options.pollIntervalMs } : {},
      );
    },
  };
}
