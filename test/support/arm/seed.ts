// The world the stand-in starts with: one subscription and resource group holding an ACR, an Arc-connected cluster
// with its custom location, and an AIO instance whose broker `default` has the default listener (port 18883, TLS
// Automatic from the AIO cert-manager issuer, authenticationRef default) and the default ServiceAccountToken
// authentication (audience aio-internal) — as DESIGN.md §2 describes. Every resource passes the spec's response
// validation (the stand-in checks each answer).
import { ACR_NAMESPACE } from './providers/acr.js';
import { EXTENDED_LOCATION_NAMESPACE, KUBERNETES_NAMESPACE } from './providers/arc.js';
import { IOTOPS_NAMESPACE } from './providers/iotops.js';
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

export function seedStore(store: ArmStore, options: Partial<SeedOptions> = {}): SeedInfo {
  const o = { ...DEFAULT_SEED, ...options };
  const rgId = resourceGroupId(o.subscriptionId, o.resourceGroup);
  const registryId = `${rgId}/providers/${ACR_NAMESPACE}/registries/${o.registryName}`;
  const clusterId = `${rgId}/providers/${KUBERNETES_NAMESPACE}/connectedClusters/${o.clusterName}`;
  const customLocationId = `${rgId}/providers/${EXTENDED_LOCATION_NAMESPACE}/customLocations/${o.customLocationName}`;
  const instanceId = `${rgId}/providers/${IOTOPS_NAMESPACE}/instances/${o.instanceName}`;
  const brokerId = `${instanceId}/brokers/${o.brokerName}`;
  const listenerId = `${brokerId}/listeners/default`;
  const authenticationId = `${brokerId}/authentications/default`;
  const extendedLocation = { name: customLocationId, type: 'CustomLocation' as const };
  const created = '2025-01-15T09:30:00.000Z';
  const systemData = {
    createdBy: 'admin@contoso.example',
    createdByType: 'User',
    createdAt: created,
    lastModifiedBy: 'admin@contoso.example',
    lastModifiedByType: 'User',
    lastModifiedAt: created,
  };

  store.addSubscription({ subscriptionId: o.subscriptionId, tenantId: o.tenantId });
  store.addResourceGroup({ subscriptionId: o.subscriptionId, name: o.resourceGroup, location: o.location });

  const resources: ArmResource[] = [
    {
      id: registryId,
      name: o.registryName,
      type: `${ACR_NAMESPACE}/registries`,
      location: o.location,
      tags: {},
      sku: { name: 'Premium', tier: 'Premium' },
      systemData,
      properties: {
        loginServer: `${o.registryName}.azurecr.io`,
        creationDate: created,
        provisioningState: 'Succeeded',
        adminUserEnabled: false,
        publicNetworkAccess: 'Enabled',
        networkRuleBypassOptions: 'AzureServices',
        zoneRedundancy: 'Disabled',
        anonymousPullEnabled: false,
        dataEndpointEnabled: false,
        dataEndpointHostNames: [],
        privateEndpointConnections: [],
      },
    },
    {
      id: clusterId,
      name: o.clusterName,
      type: `${KUBERNETES_NAMESPACE}/connectedClusters`,
      location: o.location,
      tags: {},
      identity: {
        type: 'SystemAssigned',
        principalId: 'b0c1d2e3-f4a5-4b6c-8d7e-0f1a2b3c4d5e',
        tenantId: o.tenantId,
      },
      kind: 'ProvisionedCluster',
      systemData,
      properties: {
        agentPublicKeyCertificate:
          'MIICYzCCAcygAwIBAgIBADANBgkqhkiG9w0BAQUFADAuMQswCQYDVQQGEwJVUzEMMAoGA1UEChMDSUJN',
        kubernetesVersion: '1.30.4',
        totalNodeCount: 1,
        totalCoreCount: 4,
        agentVersion: '1.21.10',
        provisioningState: 'Succeeded',
        distribution: 'k3s',
        infrastructure: 'generic',
        connectivityStatus: 'Connected',
        lastConnectivityTime: created,
      },
    },
    {
      id: customLocationId,
      name: o.customLocationName,
      type: `${EXTENDED_LOCATION_NAMESPACE}/customLocations`,
      location: o.location,
      tags: {},
      systemData,
      properties: {
        hostType: 'Kubernetes',
        hostResourceId: clusterId,
        namespace: 'azure-iot-operations',
        displayName: o.customLocationName,
        clusterExtensionIds: [
          `${clusterId}/providers/Microsoft.KubernetesConfiguration/extensions/azure-iot-operations`,
        ],
        provisioningState: 'Succeeded',
      },
    },
    {
      id: instanceId,
      name: o.instanceName,
      type: `${IOTOPS_NAMESPACE}/instances`,
      location: o.location,
      tags: {},
      extendedLocation,
      systemData,
      properties: {
        description: 'Azure IoT Operations instance',
        provisioningState: 'Succeeded',
        version: '1.2.36',
        schemaRegistryRef: {
          resourceId: `${rgId}/providers/Microsoft.DeviceRegistry/schemaRegistries/litmus-schemas`,
        },
        healthState: 'Available',
      },
    },
    {
      id: brokerId,
      name: o.brokerName,
      type: `${IOTOPS_NAMESPACE}/instances/brokers`,
      extendedLocation,
      systemData,
      properties: {
        memoryProfile: 'Medium',
        cardinality: {
          backendChain: { partitions: 2, redundancyFactor: 2, workers: 2 },
          frontend: { replicas: 2, workers: 2 },
        },
        generateResourceLimits: { cpu: 'Disabled' },
        provisioningState: 'Succeeded',
        healthState: 'Available',
      },
    },
    {
      id: listenerId,
      name: 'default',
      type: `${IOTOPS_NAMESPACE}/instances/brokers/listeners`,
      extendedLocation,
      systemData,
      properties: {
        serviceName: 'aio-broker',
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
      id: authenticationId,
      name: 'default',
      type: `${IOTOPS_NAMESPACE}/instances/brokers/authentications`,
      extendedLocation,
      systemData,
      properties: {
        authenticationMethods: [
          { method: 'ServiceAccountToken', serviceAccountTokenSettings: { audiences: ['aio-internal'] } },
        ],
        provisioningState: 'Succeeded',
        healthState: 'Available',
      },
    },
    // What the AIO cluster extension enables in its custom location (GET .../customLocations/{c}/enabledResourceTypes).
    {
      id: `${customLocationId}/enabledResourceTypes/3b4a7f0e-6c1d-4f2a-9e8b-5d6c7b8a9f01`,
      name: '3b4a7f0e-6c1d-4f2a-9e8b-5d6c7b8a9f01',
      type: `${EXTENDED_LOCATION_NAMESPACE}/customLocations/enabledResourceTypes`,
      systemData,
      properties: {
        clusterExtensionId: `${clusterId}/providers/Microsoft.KubernetesConfiguration/extensions/azure-iot-operations`,
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
  ];
  for (const r of resources) store.put(r);

  return {
    ...o,
    resourceGroupId: rgId,
    registryId,
    loginServer: `${o.registryName}.azurecr.io`,
    clusterId,
    customLocationId,
    instanceId,
    brokerId,
    listenerId,
    authenticationId,
    extendedLocation,
  };
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
