// The world the stand-in starts with: one subscription and resource group holding an ACR, an Arc-connected cluster
// with its custom location, and an AIO instance whose broker `default` has the default listener (port 18883, TLS
// Automatic from the AIO cert-manager issuer, authenticationRef default) and the default ServiceAccountToken
// authentication (audience aio-internal) — as DESIGN.md §2 describes. The registry, cluster, custom location,
// instance and broker start from the official examples' GET answers (seed-examples.ts), so they are as rich as
// Azure's. Every resource passes the spec's response validation (the stand-in checks each answer).
import { ACR_NAMESPACE } from './providers/acr.js';
import { EXTENDED_LOCATION_NAMESPACE, KUBERNETES_NAMESPACE } from './providers/arc.js';
import { DEFAULT_SERVICE_NAME, IOTOPS_NAMESPACE } from './providers/iotops.js';
import { exampleAnswer, overlay, SEED_EXAMPLES } from './seed-examples.js';
import type { ArmResource, ArmStore } from './store.js';
import type { ResourceTypeDef } from './types.js';
import type { SpecValidator } from './validator.js';
import { fullType, resourceGroupId } from './ids.js';

export const DEFAULT_TENANT_ID = '7d1b2f3c-4e5a-4b6c-8d7e-9f0a1b2c3d4e';
export const DEFAULT_SUBSCRIPTION_ID = '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f';

export interface SeedOptions {
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  registryName: string;
  clusterName: string;
  customLocationName: string;
  instanceName: string;
  brokerName: string;
}

export interface SeedInfo extends SeedOptions {
  resourceGroupId: string;
  registryId: string;
  loginServer: string;
  clusterId: string;
  customLocationId: string;
  instanceId: string;
  brokerId: string;
  listenerId: string;
  authenticationId: string;
  /** `{name, type}` for IoT Operations PUT bodies. */
  extendedLocation: { name: string; type: 'CustomLocation' };
}

export const DEFAULT_SEED: SeedOptions = {
  tenantId: DEFAULT_TENANT_ID,
  subscriptionId: DEFAULT_SUBSCRIPTION_ID,
  resourceGroup: 'rg-litmus-edge',
  location: 'eastus',
  registryName: 'litmusmirror',
  clusterName: 'edge-cluster-01',
  customLocationName: 'edge-cluster-01-cl',
  instanceName: 'aio-instance',
  brokerName: 'default',
};

export const AIO_ISSUER = 'azure-iot-operations-aio-certificate-issuer';

const CREATED = '2025-01-15T09:30:00.000Z';
const SYSTEM_DATA = {
  createdBy: 'admin@contoso.example',
  createdByType: 'User',
  createdAt: CREATED,
  lastModifiedBy: 'admin@contoso.example',
  lastModifiedByType: 'User',
  lastModifiedAt: CREATED,
};
const AIO_EXTENSION = 'Microsoft.KubernetesConfiguration/extensions/azure-iot-operations';

function seedInfo(o: SeedOptions): SeedInfo {
  const rgId = resourceGroupId(o.subscriptionId, o.resourceGroup);
  const customLocationId = `${rgId}/providers/${EXTENDED_LOCATION_NAMESPACE}/customLocations/${o.customLocationName}`;
  const instanceId = `${rgId}/providers/${IOTOPS_NAMESPACE}/instances/${o.instanceName}`;
  const brokerId = `${instanceId}/brokers/${o.brokerName}`;
  return {
    ...o,
    resourceGroupId: rgId,
    registryId: `${rgId}/providers/${ACR_NAMESPACE}/registries/${o.registryName}`,
    loginServer: `${o.registryName}.azurecr.io`,
    clusterId: `${rgId}/providers/${KUBERNETES_NAMESPACE}/connectedClusters/${o.clusterName}`,
    customLocationId,
    instanceId,
    brokerId,
    listenerId: `${brokerId}/listeners/default`,
    authenticationId: `${brokerId}/authentications/default`,
    extendedLocation: { name: customLocationId, type: 'CustomLocation' },
  };
}

/** The seeded resource `id` (name and type from the id), from an official example's answer with `over` laid on it. */
function fromExample(
  specsDir: string,
  example: string,
  id: string,
  over: Record<string, unknown>,
): ArmResource {
  const [, rest = ''] = id.split('/providers/');
  const [ns, ...segs] = rest.split('/');
  const base = exampleAnswer(specsDir, example);
  return overlay(base, {
    id,
    name: segs.at(-1),
    type: fullType(
      ns!,
      segs.filter((_, i) => i % 2 === 0),
    ),
    systemData: SYSTEM_DATA,
    ...over,
  }) as ArmResource;
}

/** The Azure side: the registry, the Arc-connected cluster and its custom location (with what AIO enables there). */
function azureResources(s: SeedInfo, specsDir: string): ArmResource[] {
  const clusterExtension = `${s.clusterId}/providers/${AIO_EXTENSION}`;
  return [
    fromExample(specsDir, SEED_EXAMPLES.registry, s.registryId, {
      location: s.location,
      sku: { name: 'Premium', tier: 'Premium' },
      properties: { loginServer: s.loginServer, creationDate: CREATED, status: undefined },
    }),
    fromExample(specsDir, SEED_EXAMPLES.cluster, s.clusterId, {
      location: s.location,
      kind: undefined, // an Arc-connected k3s cluster, not an AKS-on-Azure-Local ProvisionedCluster
      identity: {
        principalId: 'b0c1d2e3-f4a5-4b6c-8d7e-0f1a2b3c4d5e',
        tenantId: s.tenantId,
        type: 'SystemAssigned',
      },
      properties: {
        kubernetesVersion: '1.30.4',
        totalNodeCount: 1,
        totalCoreCount: 4,
        agentVersion: '1.21.10',
        distribution: 'k3s',
        distributionVersion: 'v1.30.4+k3s1',
        infrastructure: 'generic',
        connectivityStatus: 'Connected',
        lastConnectivityTime: CREATED,
        aadProfile: { tenantID: s.tenantId },
        arcAgentProfile: { desiredAgentVersion: '1.21.10' },
      },
    }),
    fromExample(specsDir, SEED_EXAMPLES.customLocation, s.customLocationId, {
      location: s.location,
      identity: { principalId: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', tenantId: s.tenantId },
      properties: {
        hostType: 'Kubernetes',
        hostResourceId: s.clusterId,
        namespace: 'azure-iot-operations',
        displayName: s.customLocationName,
        clusterExtensionIds: [clusterExtension],
      },
    }),
    // GET .../customLocations/{c}/enabledResourceTypes: what the AIO cluster extension enables.
    fromExample(
      specsDir,
      SEED_EXAMPLES.enabledResourceTypes,
      `${s.customLocationId}/enabledResourceTypes/3b4a7f0e-6c1d-4f2a-9e8b-5d6c7b8a9f01`,
      {
        properties: {
          clusterExtensionId: clusterExtension,
          extensionType: 'microsoft.iotoperations',
          typesMetadata: [
            'instances',
            'instances/brokers',
            'instances/brokers/listeners',
            'instances/brokers/authentications',
            'instances/brokers/authorizations',
            'instances/dataflowProfiles',
            'instances/dataflowEndpoints',
          ].map((resourceType) => ({
            apiVersion: '2025-10-01',
            resourceProviderNamespace: IOTOPS_NAMESPACE,
            resourceType,
          })),
        },
      },
    ),
  ];
}

/** The AIO instance and its broker `default` (as AIO deploys it: Medium memory profile, 2x2 cardinality). */
function aioResources(s: SeedInfo, specsDir: string): ArmResource[] {
  return [
    fromExample(specsDir, SEED_EXAMPLES.instance, s.instanceId, {
      location: s.location,
      extendedLocation: s.extendedLocation,
      identity: { type: 'None', principalId: undefined, tenantId: undefined },
      properties: {
        description: 'Azure IoT Operations instance',
        version: '1.2.36',
        schemaRegistryRef: {
          resourceId: `${s.resourceGroupId}/providers/Microsoft.DeviceRegistry/schemaRegistries/litmus-schemas`,
        },
        healthState: 'Available',
      },
    }),
    fromExample(specsDir, SEED_EXAMPLES.broker, s.brokerId, {
      extendedLocation: s.extendedLocation,
      properties: {
        memoryProfile: 'Medium',
        cardinality: {
          backendChain: { partitions: 2, redundancyFactor: 2, workers: 2 },
          frontend: { replicas: 2, workers: 2 },
        },
        diagnostics: { logs: { level: 'info' }, metrics: { prometheusPort: 9600 } },
        generateResourceLimits: { cpu: 'Disabled' },
        healthState: 'Available',
      },
    }),
    ...brokerDefaults(s),
  ];
}

/** The default listener and authentication, exactly as DESIGN.md §2 describes them. */
function brokerDefaults(s: SeedInfo): ArmResource[] {
  const common = { extendedLocation: s.extendedLocation, systemData: SYSTEM_DATA };
  return [
    {
      id: s.listenerId,
      name: 'default',
      type: `${IOTOPS_NAMESPACE}/instances/brokers/listeners`,
      ...common,
      properties: {
        serviceName: DEFAULT_SERVICE_NAME,
        serviceType: 'ClusterIp',
        ports: [
          {
            port: 18883,
            protocol: 'Mqtt',
            authenticationRef: 'default',
            tls: {
              mode: 'Automatic',
              certManagerCertificateSpec: {
                issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: AIO_ISSUER },
              },
            },
          },
        ],
        provisioningState: 'Succeeded',
        healthState: 'Available',
      },
    },
    {
      id: s.authenticationId,
      name: 'default',
      type: `${IOTOPS_NAMESPACE}/instances/brokers/authentications`,
      ...common,
      properties: {
        authenticationMethods: [
          { method: 'ServiceAccountToken', serviceAccountTokenSettings: { audiences: ['aio-internal'] } },
        ],
        provisioningState: 'Succeeded',
        healthState: 'Available',
      },
    },
  ];
}

/** Seeds `store`; `specsDir` holds the official examples the seeded resources start from. */
export function seedStore(store: ArmStore, specsDir: string, options: Partial<SeedOptions> = {}): SeedInfo {
  const s = seedInfo({ ...DEFAULT_SEED, ...options });
  store.addSubscription({ subscriptionId: s.subscriptionId, tenantId: s.tenantId });
  store.addResourceGroup({ subscriptionId: s.subscriptionId, name: s.resourceGroup, location: s.location });
  for (const r of [...azureResources(s, specsDir), ...aioResources(s, specsDir)]) store.put(r);
  return s;
}

/** Every seeded resource must be a valid GET answer for its type; a stand-in that starts drifted fails at once. */
export async function checkSeed(
  validator: SpecValidator,
  origin: string,
  store: ArmStore,
  seed: SeedInfo,
  types: ResourceTypeDef[],
): Promise<void> {
  const problems: string[] = [];
  for (const def of types) {
    if (!def.get) continue; // list-only child types (enabledResourceTypes) are checked on every list answer
    for (const r of store.ofType(fullType(def.namespace, def.types))) {
      const issues = await validator.validateResponse(
        { url: `${origin}${r.id}?api-version=${def.apiVersion}`, method: 'GET' },
        { status: 200, headers: { 'content-type': 'application/json' }, body: r },
      );
      for (const i of issues) problems.push(`${r.id}: ${i.code} ${i.message} at '${i.path}'`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `ARM stand-in seed (${seed.subscriptionId}) does not match the specs:\n${problems.join('\n')}`,
    );
  }
}
