// The ARM stand-in driven by the real Azure SDK clients (only endpoint, credential and TLS trust changed): ACR import
// with NoForce/Force, tokens and scope maps, IoT Operations broker authentication and listener PUTs with LRO polling
// and the cloud-to-edge hook, spec-rejected bodies, ARM's platform errors, Arc endpoints, and the stand-in's own
// response validation. Every answer the stand-in gives is checked against the spec; afterEach asserts no drift.
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { GenericResource } from '@azure/arm-resources';
import { RestError } from '@azure/core-rest-pipeline';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  ArmError,
  IOTOPS_API_VERSION,
  SPECS_DIR_ENV,
  SpecsNotFoundError,
  defaultSpecsDir,
  startArmStandIn,
} from '../support/arm/index.js';
import type { ArmResource, ArmStandIn, IotOpsChange, IotOpsKind } from '../support/arm/index.js';
import {
  httpsJson,
  registryClientOptions,
  resourcesClientOptions,
  staticCredential,
} from '../support/arm/client-options.js';
import { REPO_ROOT } from '../support/arm/specs.js';
import type { AzureAccess } from '../../src/azure/azure-access.js';
import { allPages, armBrokerStore } from '../../src/aio/arm-broker-store.js';
import { startEntraStandIn } from '../support/identity/index.js';
import type { EntraStandIn } from '../support/identity/index.js';
import { createTestCa } from '../support/test-pki.js';
import type { TestCertificate } from '../support/test-pki.js';

const APP = '5a0c3b1e-2f4d-4e6a-8b9c-0d1e2f3a4b5c';
const READER_APP = '9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b';
const LITMUS_IMAGE = 'litmus-sales-enablement/litmusedge/litmusedge-std-docker:latest';
const TARGET = 'litmusedge/litmusedge-std-docker:3.16.2';
const AIO_ISSUER_REF = {
  group: 'cert-manager.io',
  kind: 'ClusterIssuer',
  name: 'azure-iot-operations-aio-certificate-issuer',
};
const FAST = { updateIntervalInMs: 10 };

let ca: TestCertificate;
let entra: EntraStandIn;
let arm: ArmStandIn;
let rm: ResourceManagementClient;
let acr: ContainerRegistryManagementClient;
const changes: { kind: IotOpsKind; name: string; resource: ArmResource | null; change: IotOpsChange }[] = [];

const token = (clientId = APP) => entra.mintAccessToken({ tenantId: arm.seed.tenantId, clientId });
const polls = (since: number) => arm.requests.slice(since).filter((r) => r.kind === 'operationStatus').length;

beforeAll(async () => {
  ca = await createTestCa('ARM test CA');
  entra = await startEntraStandIn({ ca });
  arm = await startArmStandIn({
    ca,
    auth: { jwks: () => entra.jwks() },
    lro: { pollsBeforeDone: 2 },
    onIotOpsChange: (kind, name, resource, change) => {
      changes.push({ kind, name, resource, change });
    },
    // The reader app may read but not write.
    authorize: (principal, action) => principal.appId !== READER_APP || action.endsWith('/read'),
  });
  entra.addTenant({
    tenantId: arm.seed.tenantId,
    applications: [{ clientId: APP }, { clientId: READER_APP }],
  });
  rm = new ResourceManagementClient(
    staticCredential(() => token()),
    arm.seed.subscriptionId,
    resourcesClientOptions(arm.url, ca.cert),
  );
  acr = new ContainerRegistryManagementClient(
    staticCredential(() => token()),
    arm.seed.subscriptionId,
    registryClientOptions(arm.url, ca.cert),
  );
});

afterAll(async () => {
  await Promise.all([arm?.close(), entra?.close()]);
});

afterEach(() => {
  // The stand-in validated each of its own answers against the spec; none may have drifted.
  expect(arm.responseIssues).toEqual([]);
});

async function restError(p: Promise<unknown>): Promise<RestError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RestError);
  return err as RestError;
}

describe('seeded world (every GET answer validated against the spec)', () => {
  test('AIO instance, broker, default listener and authentication look like DESIGN.md §2', async () => {
    const instance = await rm.resources.getById(arm.seed.instanceId, IOTOPS_API_VERSION);
    expect(instance.extendedLocation).toEqual({ name: arm.seed.customLocationId, type: 'CustomLocation' });
    // As rich as Azure's answers: seeded from the official examples' GET bodies.
    expect(instance.identity).toMatchObject({ type: 'None' });
    expect(instance.properties).toHaveProperty('features');
    const broker = await rm.resources.getById(arm.seed.brokerId, IOTOPS_API_VERSION);
    expect(broker.name).toBe('default');
    expect(broker.properties).toMatchObject({
      memoryProfile: 'Medium',
      cardinality: { frontend: { replicas: 2, workers: 2 } },
      advanced: { encryptInternalTraffic: 'Enabled' },
      diagnostics: { logs: { level: 'info' } },
      diskBackedMessageBuffer: { maxSize: '500M' },
    });

    const listener = await rm.resources.getById(arm.seed.listenerId, IOTOPS_API_VERSION);
    expect(listener.properties).toMatchObject({
      serviceName: 'aio-broker',
      serviceType: 'ClusterIp',
      ports: [
        {
          port: 18883,
          authenticationRef: 'default',
          tls: { mode: 'Automatic', certManagerCertificateSpec: { issuerRef: AIO_ISSUER_REF } },
        },
      ],
    });
    const authn = await rm.resources.getById(arm.seed.authenticationId, IOTOPS_API_VERSION);
    expect(authn.properties).toMatchObject({
      authenticationMethods: [
        { method: 'ServiceAccountToken', serviceAccountTokenSettings: { audiences: ['aio-internal'] } },
      ],
    });
  });

  test('registry via the ACR client; connected cluster and custom location via raw ARM calls', async () => {
    const registry = await acr.registries.get(arm.seed.resourceGroup, arm.seed.registryName);
    expect(registry.loginServer).toBe(arm.seed.loginServer);
    expect(registry.sku.name).toBe('Premium');
    expect(registry).toMatchObject({
      policies: { exportPolicy: { status: 'enabled' } },
      networkRuleSet: { defaultAction: 'Allow' },
      roleAssignmentMode: 'LegacyRegistryPermissions',
    });

    const cluster = await httpsJson(`${arm.url}${arm.seed.clusterId}?api-version=2024-01-01`, {
      caPem: ca.cert,
      token: token(),
    });
    expect(cluster.status).toBe(200);
    expect(cluster.body).toMatchObject({
      properties: {
        connectivityStatus: 'Connected',
        distribution: 'k3s',
        aadProfile: { enableAzureRBAC: true, tenantID: arm.seed.tenantId },
        arcAgentProfile: { agentAutoUpgrade: 'Enabled' },
      },
    });
    const cl = await httpsJson(`${arm.url}${arm.seed.customLocationId}?api-version=2021-08-15`, {
      caPem: ca.cert,
      token: token(),
    });
    expect(cl.body).toMatchObject({
      properties: { hostResourceId: arm.seed.clusterId, namespace: 'azure-iot-operations' },
    });
  });

  test('listClusterUserCredential returns a base64 kubeconfig (with relay config when clientProxy)', async () => {
    const url = `${arm.url}${arm.seed.clusterId}/listClusterUserCredential?api-version=2024-01-01`;
    const direct = await httpsJson(url, {
      method: 'POST',
      caPem: ca.cert,
      token: token(),
      body: { authenticationMethod: 'Token', clientProxy: false },
    });
    expect(direct.status).toBe(200);
    const kubeconfigs = (direct.body as { kubeconfigs: { name: string; value: string }[] }).kubeconfigs;
    expect(Buffer.from(kubeconfigs[0]!.value, 'base64').toString('utf8')).toContain('kind: Config');
    expect(direct.body).not.toHaveProperty('hybridConnectionConfig');

    const proxied = await httpsJson(url, {
      method: 'POST',
      caPem: ca.cert,
      token: token(),
      body: { authenticationMethod: 'AAD', clientProxy: true },
    });
    expect(proxied.body).toHaveProperty('hybridConnectionConfig.relay');

    const bad = await httpsJson(url, {
      method: 'POST',
      caPem: ca.cert,
      token: token(),
      body: { clientProxy: true },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('authenticationMethod');
  });
});

describe('ACR importImage (long-running, server-side copy)', () => {
  const importParams = (mode: 'NoForce' | 'Force', sourceImage = LITMUS_IMAGE) => ({
    source: {
      registryUri: 'us-docker.pkg.dev',
      sourceImage,
      credentials: { username: '_json_key', password: '{"type":"service_account"}' },
    },
    targetTags: [TARGET],
    mode,
  });

  test('beginImportImageAndWait succeeds after polling and records repo:tag → digest', async () => {
    const since = arm.requests.length;
    await acr.registries.beginImportImageAndWait(
      arm.seed.resourceGroup,
      arm.seed.registryName,
      importParams('NoForce'),
      FAST,
    );
    const content = arm.registryContent();
    expect(content[TARGET]).toMatch(/^sha256:[0-9a-f]{64}$/);
    const own = arm.requests.slice(since);
    expect(own[0]).toMatchObject({
      method: 'POST',
      status: 202,
      kind: 'action',
      operationId: 'Registries_ImportImage',
    });
    expect(polls(since)).toBe(3); // pollsBeforeDone 2 → InProgress, InProgress, Succeeded
  });

  test('a NoForce re-import of an existing tag fails with ACR’s Conflict error; Force overwrites', async () => {
    const before = arm.registryContent()[TARGET];
    expect(before).toBeDefined();
    const err = await acr.registries
      .beginImportImageAndWait(
        arm.seed.resourceGroup,
        arm.seed.registryName,
        importParams('NoForce', `${LITMUS_IMAGE.split(':')[0]}:next`),
        FAST,
      )
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain('Conflict');
    expect(err!.message).toMatch(
      new RegExp(
        `Operation registries-[0-9a-f-]+ failed\\. Resource ${arm.seed.registryId} Tag ${TARGET} already exists in target registry\\.`,
      ),
    );
    expect(arm.registryContent()[TARGET]).toBe(before);

    await acr.registries.beginImportImageAndWait(
      arm.seed.resourceGroup,
      arm.seed.registryName,
      importParams('Force', `${LITMUS_IMAGE.split(':')[0]}:next`),
      FAST,
    );
    expect(arm.registryContent()[TARGET]).not.toBe(before);
  });

  test('the importImage hook supplies the digest (e.g. from a real registry peer) or fails the import', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const seen: string[] = [];
    arm.hooks.importImage = (req) => {
      seen.push(
        `${req.source.registryUri}/${req.source.sourceImage} -> ${req.targetTags.join(',')} (${req.mode})`,
      );
      return { digest };
    };
    try {
      await acr.registries.beginImportImageAndWait(
        arm.seed.resourceGroup,
        arm.seed.registryName,
        {
          source: { registryUri: 'us-docker.pkg.dev', sourceImage: 'vendor/app:1.0' },
          targetTags: ['vendor/app'],
          mode: 'NoForce',
        },
        FAST,
      );
      expect(arm.registryContent()['vendor/app:1.0']).toBe(digest);
      expect(seen).toEqual(['us-docker.pkg.dev/vendor/app:1.0 -> vendor/app:1.0 (NoForce)']);

      arm.hooks.importImage = () => {
        throw new ArmError(400, 'InvalidParameters', 'The source image vendor/missing:1 could not be found.');
      };
      await expect(
        acr.registries.beginImportImageAndWait(
          arm.seed.resourceGroup,
          arm.seed.registryName,
          { source: { registryUri: 'us-docker.pkg.dev', sourceImage: 'vendor/missing:1' }, mode: 'NoForce' },
          FAST,
        ),
      ).rejects.toThrow(/InvalidParameters.*could not be found/);
    } finally {
      arm.hooks.importImage = undefined;
    }
  });

  test('an import body the spec rejects (no source) is a 400 naming the property', async () => {
    const res = await httpsJson(`${arm.url}${arm.seed.registryId}/importImage?api-version=2025-11-01`, {
      method: 'POST',
      caPem: ca.cert,
      token: token(),
      body: { targetTags: [TARGET], mode: 'Sideways' },
    });
    expect(res.status).toBe(400);
    const error = (res.body as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('InvalidRequestContent');
    expect(error.message).toContain('source');
    expect(error.message).toContain("'mode'");
  });
});

describe('ACR scope maps and tokens', () => {
  test('PUT (async) → GET → list → DELETE (async)', async () => {
    const rg = arm.seed.resourceGroup;
    const reg = arm.seed.registryName;
    const scopeMap = await acr.scopeMaps.beginCreateAndWait(
      rg,
      reg,
      'litmus-pull',
      { actions: ['repositories/litmusedge/litmusedge-std-docker/content/read'], description: 'pull only' },
      FAST,
    );
    expect(scopeMap.provisioningState).toBe('Succeeded');
    expect(scopeMap.typePropertiesType).toBe('UserDefined');
    const created = await acr.tokens.beginCreateAndWait(
      rg,
      reg,
      'litmus-edge',
      { scopeMapId: scopeMap.id, status: 'enabled' },
      FAST,
    );
    expect(created).toMatchObject({
      scopeMapId: scopeMap.id,
      status: 'enabled',
      provisioningState: 'Succeeded',
    });
    const names: string[] = [];
    for await (const t of acr.tokens.list(rg, reg)) names.push(t.name!);
    expect(names).toEqual(['litmus-edge']);

    await acr.tokens.beginDeleteAndWait(rg, reg, 'litmus-edge', FAST);
    const gone = await restError(acr.tokens.get(rg, reg, 'litmus-edge'));
    expect(gone.statusCode).toBe(404);
    expect(gone.code).toBe('ResourceNotFound');
    await acr.scopeMaps.beginDeleteAndWait(rg, reg, 'litmus-pull', FAST);
  });
});

describe('IoT Operations through the generic resource client', () => {
  const authnId = () => `${arm.seed.brokerId}/authentications/litmusedge`;
  const litmusAuthn = (): GenericResource => ({
    extendedLocation: arm.seed.extendedLocation,
    properties: {
      authenticationMethods: [
        {
          method: 'X509',
          x509Settings: {
            trustedClientCaCert: 'litmusedge-ca',
            authorizationAttributes: {
              litmus: { subject: 'CN = aiomqttconnector', attributes: { client: 'litmusedge' } },
            },
          },
        },
      ],
    },
  });

  test('BrokerAuthentication PUT: 201 + Azure-AsyncOperation, Accepted → Provisioning → Succeeded, hook fired', async () => {
    const since = arm.requests.length;
    changes.length = 0;
    const seen: (string | undefined)[] = [];
    const onResponse = (raw: { parsedBody?: unknown }) => {
      seen.push(
        (raw.parsedBody as { properties?: { provisioningState?: string } } | undefined)?.properties
          ?.provisioningState,
      );
    };
    // The generated begin* polls once before returning (pollsBeforeDone is 2, so still InProgress).
    const poller = await rm.resources.beginCreateOrUpdateById(authnId(), IOTOPS_API_VERSION, litmusAuthn(), {
      ...FAST,
      onResponse,
    });
    const state = () =>
      (arm.store.get(authnId())?.properties as { provisioningState?: string }).provisioningState;
    expect(arm.requests[since]).toMatchObject({
      method: 'PUT',
      status: 201,
      operationId: 'BrokerAuthentication_CreateOrUpdate',
    });
    expect(seen[0]).toBe('Accepted'); // the 201 body
    expect(state()).toBe('Provisioning');
    expect(changes).toEqual([]); // not before the operation completes
    const result = await poller.pollUntilDone();
    expect(state()).toBe('Succeeded');
    expect(result.properties).toMatchObject({ provisioningState: 'Succeeded', healthState: 'Available' });
    expect(polls(since)).toBe(3); // InProgress, InProgress, Succeeded; then the final GET
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      kind: 'authentication',
      name: 'litmusedge',
      change: { action: 'put', instance: 'aio-instance', broker: 'default' },
      resource: { properties: litmusAuthn().properties },
    });
  });

  test('BrokerListener: GET → add port 18884 → PUT keeps the other ports unchanged', async () => {
    const since = arm.requests.length;
    changes.length = 0;
    const current = await rm.resources.getById(arm.seed.listenerId, IOTOPS_API_VERSION);
    const props = current.properties as { ports: Record<string, unknown>[] };
    const originalPorts = structuredClone(props.ports);
    const newPort = {
      port: 18884,
      protocol: 'Mqtt',
      authenticationRef: 'litmusedge',
      tls: { mode: 'Automatic', certManagerCertificateSpec: { issuerRef: AIO_ISSUER_REF } },
    };
    const updated = await rm.resources.beginCreateOrUpdateByIdAndWait(
      arm.seed.listenerId,
      IOTOPS_API_VERSION,
      {
        extendedLocation: current.extendedLocation,
        properties: { ...props, ports: [...props.ports, newPort] },
      },
      FAST,
    );
    const ports = (updated.properties as { ports: unknown[] }).ports;
    expect(ports).toEqual([...originalPorts, newPort]);
    expect(arm.requests.slice(since).find((r) => r.method === 'PUT')).toMatchObject({ status: 200 }); // update
    expect(polls(since)).toBe(3);
    expect(changes.map((c) => [c.kind, c.name])).toEqual([['listener', 'default']]);
    expect((changes[0]!.resource!.properties as { ports: unknown[] }).ports).toEqual(ports);
    // The GET's read-only properties went back in the PUT: tolerated, as ARM does.
    expect(arm.ignoredRequestIssues.map((i) => i.path)).toContain('properties.provisioningState');
  });

  test.each([
    [
      'an unknown protocol',
      { ports: [{ port: 18885, protocol: 'Bogus' }] },
      'properties.ports[0].protocol',
      'Bogus',
    ],
    [
      'a port without its required number',
      { ports: [{ port: 18883 }, { protocol: 'Mqtt' }] },
      'properties.ports[1].port',
      'port',
    ],
    ['a port number out of range', { ports: [{ port: 70000 }] }, 'properties.ports[0].port', '65535'],
    [
      'a TLS mode the service does not know',
      { ports: [{ port: 18885, tls: { mode: 'Sometimes' } }] },
      'properties.ports[0].tls.mode',
      'Sometimes',
    ],
    [
      'a misspelt property',
      { ports: [{ port: 18885, protcol: 'Mqtt' }] },
      'properties.ports[0].protcol',
      'protcol',
    ],
  ])(
    'a listener body with %s is rejected 400 naming the property; the SDK surfaces it',
    async (_what, properties, path, word) => {
      changes.length = 0;
      const before = arm.store.get(arm.seed.listenerId);
      const err = await restError(
        rm.resources.beginCreateOrUpdateByIdAndWait(
          arm.seed.listenerId,
          IOTOPS_API_VERSION,
          { extendedLocation: arm.seed.extendedLocation, properties },
          FAST,
        ),
      );
      expect(err.statusCode).toBe(400);
      expect(err.code).toBe('InvalidRequestContent');
      expect(err.message).toContain(`'${path}'`);
      expect(err.message).toContain(word);
      expect(arm.store.get(arm.seed.listenerId)).toEqual(before);
      expect(changes).toEqual([]);
    },
  );

  test('an authentication without its required authenticationMethods is rejected naming it', async () => {
    const err = await restError(
      rm.resources.beginCreateOrUpdateByIdAndWait(
        `${arm.seed.brokerId}/authentications/empty`,
        IOTOPS_API_VERSION,
        { extendedLocation: arm.seed.extendedLocation, properties: {} },
        FAST,
      ),
    );
    expect(err.code).toBe('InvalidRequestContent');
    expect(err.message).toContain('authenticationMethods');
  });

  test('DELETE is asynchronous (202 + Location), fires the hook with null, and the resource is gone', async () => {
    const id = `${arm.seed.brokerId}/listeners/scratch`;
    await rm.resources.beginCreateOrUpdateByIdAndWait(
      id,
      IOTOPS_API_VERSION,
      {
        extendedLocation: arm.seed.extendedLocation,
        properties: { serviceType: 'ClusterIp', ports: [{ port: 19999 }] },
      },
      FAST,
    );
    changes.length = 0;
    const since = arm.requests.length;
    await rm.resources.beginDeleteByIdAndWait(id, IOTOPS_API_VERSION, FAST);
    expect(arm.requests[since]).toMatchObject({ method: 'DELETE', status: 202 });
    expect(changes).toEqual([
      {
        kind: 'listener',
        name: 'scratch',
        resource: null,
        change: expect.objectContaining({ action: 'delete' }),
      },
    ]);
    const err = await restError(rm.resources.getById(id, IOTOPS_API_VERSION));
    expect(err.code).toBe('ResourceNotFound');
    // Deleting what is not there is a success in ARM.
    await rm.resources.beginDeleteByIdAndWait(id, IOTOPS_API_VERSION, FAST);
  });

  test('authorizations: PUT, list', async () => {
    const id = `${arm.seed.brokerId}/authorizations/litmus-topics`;
    await rm.resources.beginCreateOrUpdateByIdAndWait(
      id,
      IOTOPS_API_VERSION,
      {
        extendedLocation: arm.seed.extendedLocation,
        properties: {
          authorizationPolicies: {
            cache: 'Enabled',
            rules: [
              {
                principals: { attributes: [{ client: 'litmusedge' }] },
                brokerResources: [{ method: 'Connect' }, { method: 'Publish', topics: ['devicehub/#'] }],
              },
            ],
          },
        },
      },
      FAST,
    );
    const list = await httpsJson(
      `${arm.url}${arm.seed.brokerId}/authorizations?api-version=${IOTOPS_API_VERSION}`,
      {
        caPem: ca.cert,
        token: token(),
      },
    );
    expect((list.body as { value: { name: string }[] }).value.map((v) => v.name)).toEqual(['litmus-topics']);
    expect(changes.at(-1)).toMatchObject({ kind: 'authorization', name: 'litmus-topics' });
  });

  test('a hook that throws fails the operation (edge sync failed)', async () => {
    arm.hooks.onIotOpsChange = () => {
      throw new Error('kubernetes stand-in unreachable');
    };
    try {
      // core-lro reports a Failed operation as a plain Error carrying the operation's code and message.
      await expect(
        rm.resources.beginCreateOrUpdateByIdAndWait(
          `${arm.seed.brokerId}/authentications/broken`,
          IOTOPS_API_VERSION,
          litmusAuthn(),
          FAST,
        ),
      ).rejects.toThrow(
        'The long-running operation has failed. InternalServerError. kubernetes stand-in unreachable',
      );
      expect(
        (
          arm.store.get(`${arm.seed.brokerId}/authentications/broken`)?.properties as {
            provisioningState: string;
          }
        ).provisioningState,
      ).toBe('Failed');
    } finally {
      arm.hooks.onIotOpsChange = (kind, name, resource, change) => {
        changes.push({ kind, name, resource, change });
      };
    }
  });
});

describe('what Azure adds: server-side defaults (on by default)', () => {
  test('a listener PUT without serviceName, serviceType or a port protocol comes back with them', async () => {
    const id = `${arm.seed.brokerId}/listeners/bare`;
    const put = await rm.resources.beginCreateOrUpdateByIdAndWait(
      id,
      IOTOPS_API_VERSION,
      { extendedLocation: arm.seed.extendedLocation, properties: { ports: [{ port: 19883 }] } },
      FAST,
    );
    const got = await rm.resources.getById(id, IOTOPS_API_VERSION);
    for (const r of [put, got]) {
      expect(r.properties).toEqual({
        serviceName: 'aio-broker',
        serviceType: 'ClusterIp',
        ports: [{ port: 19883, protocol: 'Mqtt' }],
        provisioningState: 'Succeeded',
        healthState: 'Available',
      });
    }
    await rm.resources.beginDeleteByIdAndWait(id, IOTOPS_API_VERSION, FAST);
  });

  test("an authorization's cache and a rule's empty lists are filled in; what was sent is kept", async () => {
    const id = `${arm.seed.brokerId}/authorizations/bare`;
    const got = await rm.resources.beginCreateOrUpdateByIdAndWait(
      id,
      IOTOPS_API_VERSION,
      {
        extendedLocation: arm.seed.extendedLocation,
        properties: {
          authorizationPolicies: {
            rules: [{ principals: { clientIds: ['c1'] }, brokerResources: [{ method: 'Connect' }] }],
          },
        },
      },
      FAST,
    );
    expect(got.properties).toMatchObject({
      authorizationPolicies: {
        cache: 'Enabled',
        rules: [
          {
            principals: { clientIds: ['c1'], attributes: [], usernames: [] },
            brokerResources: [{ method: 'Connect', clientIds: [], topics: [] }],
          },
        ],
      },
    });
    await rm.resources.beginDeleteByIdAndWait(id, IOTOPS_API_VERSION, FAST);
  });

  test('serverDefaults: false stores exactly what was sent', async () => {
    const plain = await startArmStandIn({ ca, auth: { jwks: () => entra.jwks() }, serverDefaults: false });
    try {
      const client = new ResourceManagementClient(
        staticCredential(() => token()),
        plain.seed.subscriptionId,
        resourcesClientOptions(plain.url, ca.cert),
      );
      const got = await client.resources.beginCreateOrUpdateByIdAndWait(
        `${plain.seed.brokerId}/listeners/bare`,
        IOTOPS_API_VERSION,
        { extendedLocation: plain.seed.extendedLocation, properties: { ports: [{ port: 19883 }] } },
        FAST,
      );
      expect(got.properties).toEqual({
        ports: [{ port: 19883 }],
        provisioningState: 'Succeeded',
        healthState: 'Available',
      });
    } finally {
      await plain.close();
    }
  });
});

describe('paging (on by default: one item per page, every full page with a nextLink)', () => {
  test('the ACR SDK follows the nextLinks page by page, down to the empty last page', async () => {
    expect(arm.settings).toEqual({ serverDefaults: true, pageSize: 1 });
    const rg = arm.seed.resourceGroup;
    const reg = arm.seed.registryName;
    const names = ['page-a', 'page-b', 'page-c'];
    for (const n of names) {
      await acr.scopeMaps.beginCreateAndWait(
        rg,
        reg,
        n,
        { actions: [`repositories/${n}/content/read`] },
        FAST,
      );
    }
    const since = arm.requests.length;
    const pages: string[][] = [];
    for await (const page of acr.scopeMaps.list(rg, reg).byPage()) pages.push(page.map((m) => m.name!));
    expect(pages).toEqual([['page-a'], ['page-b'], ['page-c'], []]);
    expect(arm.requests.slice(since).map((r) => `${r.method} ${r.status} ${r.kind}`)).toEqual(
      Array(4).fill('GET 200 list'),
    );
    for (const n of names) await acr.scopeMaps.beginDeleteAndWait(rg, reg, n, FAST);
  });

  test('a nextLink is an absolute URL on the stand-in with api-version and an opaque $skiptoken', async () => {
    const res = await httpsJson(
      `${arm.url}${arm.seed.brokerId}/listeners?api-version=${IOTOPS_API_VERSION}`,
      {
        caPem: ca.cert,
        token: token(),
      },
    );
    const next = new URL((res.body as { nextLink: string }).nextLink);
    expect(`${next.origin}${next.pathname}`).toBe(`${arm.url}${arm.seed.brokerId}/listeners`);
    expect(next.searchParams.get('api-version')).toBe(IOTOPS_API_VERSION);
    expect(next.searchParams.get('$skiptoken')).toMatch(/^[A-Za-z0-9_-]+$/);
    const bad = await httpsJson(
      `${arm.url}${arm.seed.brokerId}/listeners?api-version=${IOTOPS_API_VERSION}&%24skiptoken=nope`,
      {
        caPem: ca.cert,
        token: token(),
      },
    );
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { code: string } }).error.code).toBe('InvalidSkipToken');
  });

  test("the product's ARM broker store reads every page (two for the one default listener)", async () => {
    const azure: AzureAccess = {
      credential: staticCredential(() => token()),
      describe: 'test',
      resourceManager: arm.url,
      clientOptions: resourcesClientOptions(arm.url, ca.cert),
    };
    const store = await armBrokerStore(azure, {
      subscriptionId: arm.seed.subscriptionId,
      resourceGroup: arm.seed.resourceGroup,
      instance: arm.seed.instanceName,
      broker: arm.seed.brokerName,
    });
    const since = arm.requests.length;
    const listeners = await store.list('listener');
    expect(listeners.map((l) => l.name)).toEqual(['default']);
    const gets = arm.requests.slice(since).filter((r) => r.path.endsWith('/listeners'));
    expect(gets.map((r) => r.status)).toEqual([200, 200]);
  });

  test("the product's store follows nextLinks only on Resource Manager's host, and never the same page twice", async () => {
    const first = 'https://arm.example/x?api-version=1';
    const pages: Record<string, string> = {
      [first]: JSON.stringify({
        value: [{ name: 'a' }],
        nextLink: 'https://arm.example/x?api-version=1&%24skiptoken=2',
      }),
      'https://arm.example/x?api-version=1&%24skiptoken=2': JSON.stringify({ value: [], nextLink: first }),
    };
    const get = (url: string) => Promise.resolve({ status: 200, text: pages[url] ?? '{}' });
    await expect(allPages(first, 'x', get)).rejects.toThrow('a nextLink to a page already read');
    pages[first] = JSON.stringify({ value: [], nextLink: 'https://elsewhere.example/x' });
    await expect(allPages(first, 'x', get)).rejects.toThrow('a nextLink off arm.example');
  });
});

describe('operations the stand-in does not offer answer as ARM does', () => {
  test.each([
    [
      'PUT a broker (even with a body the spec rejects)',
      'PUT',
      () => arm.seed.brokerId,
      405,
      'MethodNotAllowed',
    ],
    [
      'list the instances of a resource group',
      'GET',
      () => `${arm.seed.resourceGroupId}/providers/Microsoft.IoTOperations/instances`,
      405,
      'MethodNotAllowed',
    ],
    [
      'list the operations of a provider',
      'GET',
      () => '/providers/Microsoft.IoTOperations/operations',
      404,
      'InvalidResourceType',
    ],
    [
      'a type the provider does not have',
      'GET',
      () => `${arm.seed.instanceId}/dataflowProfiles/x`,
      404,
      'InvalidResourceType',
    ],
  ])('%s', async (_what, method, path, status, code) => {
    const res = await httpsJson(`${arm.url}${path()}?api-version=${IOTOPS_API_VERSION}`, {
      method,
      caPem: ca.cert,
      token: token(),
      ...(method === 'PUT' ? { body: { properties: { memoryProfile: 'Gigantic' } } } : {}),
    });
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
  });
});

describe('ARM platform behaviour', () => {
  test('request ids and correlation id headers', async () => {
    const res = await httpsJson(`${arm.url}${arm.seed.instanceId}?api-version=${IOTOPS_API_VERSION}`, {
      caPem: ca.cert,
      token: token(),
      headers: { 'x-ms-correlation-request-id': 'corr-123' },
    });
    expect(res.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-ms-correlation-request-id']).toBe('corr-123');
  });

  test.each([
    [
      'unknown resource group',
      () =>
        rm.resources.getById(
          arm.seed.instanceId.replace(arm.seed.resourceGroup, 'rg-nope'),
          IOTOPS_API_VERSION,
        ),
      404,
      'ResourceGroupNotFound',
      "Resource group 'rg-nope' could not be found.",
    ],
    [
      'unknown listener',
      () => rm.resources.getById(`${arm.seed.brokerId}/listeners/nope`, IOTOPS_API_VERSION),
      404,
      'ResourceNotFound',
      'Microsoft.IoTOperations/instances/brokers/listeners/aio-instance/default/nope',
    ],
    [
      'a listener name the spec forbids',
      () => rm.resources.getById(`${arm.seed.brokerId}/listeners/X_1`, IOTOPS_API_VERSION),
      400,
      'InvalidResourceName',
      'listenerName',
    ],
    [
      'PUT under a missing broker',
      () =>
        rm.resources.beginCreateOrUpdateByIdAndWait(
          `${arm.seed.instanceId}/brokers/nobroker/listeners/xyz`,
          IOTOPS_API_VERSION,
          { properties: { ports: [{ port: 1 }] } },
          FAST,
        ),
      404,
      'ParentResourceNotFound',
      'aio-instance/nobroker',
    ],
    [
      'an api-version the provider does not have',
      () => rm.resources.getById(arm.seed.listenerId, '2024-11-01'),
      400,
      'NoRegisteredProviderFound',
      "API version '2024-11-01'",
    ],
    [
      'an unknown subscription',
      () =>
        rm.resources.getById(
          arm.seed.instanceId.replace(arm.seed.subscriptionId, '00000000-0000-0000-0000-000000000000'),
          IOTOPS_API_VERSION,
        ),
      404,
      'SubscriptionNotFound',
      '00000000-0000-0000-0000-000000000000',
    ],
  ])('%s', async (_what, call, status, code, text) => {
    const err = await restError(call());
    expect(err.statusCode).toBe(status);
    expect(err.code).toBe(code);
    expect(err.message).toContain(text);
  });

  test('AuthorizationFailed for a principal without write permission', async () => {
    const reader = new ResourceManagementClient(
      staticCredential(() => token(READER_APP)),
      arm.seed.subscriptionId,
      resourcesClientOptions(arm.url, ca.cert),
    );
    await reader.resources.getById(arm.seed.listenerId, IOTOPS_API_VERSION);
    const err = await restError(
      reader.resources.beginCreateOrUpdateByIdAndWait(
        arm.seed.listenerId,
        IOTOPS_API_VERSION,
        { properties: { ports: [{ port: 1 }] } },
        FAST,
      ),
    );
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('AuthorizationFailed');
    expect(err.message).toContain("'Microsoft.IoTOperations/instances/brokers/listeners/write'");
    expect(err.message).toContain(entra.objectIdOf(arm.seed.tenantId, READER_APP));
  });

  test('a second PUT while the first is still running gets 409 AnotherOperationInProgress', async () => {
    const id = `${arm.seed.brokerId}/authentications/busy`;
    const body = {
      extendedLocation: arm.seed.extendedLocation,
      properties: {
        authenticationMethods: [
          { method: 'ServiceAccountToken', serviceAccountTokenSettings: { audiences: ['x'] } },
        ],
      },
    };
    const first = await rm.resources.beginCreateOrUpdateById(id, IOTOPS_API_VERSION, body, FAST);
    const err = await restError(
      rm.resources.beginCreateOrUpdateByIdAndWait(id, IOTOPS_API_VERSION, body, FAST),
    );
    expect(err.statusCode).toBe(409);
    expect(err.code).toBe('AnotherOperationInProgress');
    await first.pollUntilDone();
  });

  test.each([
    ['no Authorization header', undefined, 'AuthenticationFailed'],
    ['a token signed by someone else', 'forged', 'InvalidAuthenticationToken'],
    ['a token for another audience', 'graph', 'InvalidAuthenticationTokenAudience'],
    ['an expired token', 'expired', 'ExpiredAuthenticationToken'],
    ['a token from another tenant', 'tenant', 'InvalidAuthenticationTokenTenant'],
  ])('401 for %s', async (_what, kind, code) => {
    const other = await startEntraStandIn({
      ca,
      tenants: [{ tenantId: arm.seed.tenantId, applications: [{ clientId: APP }] }],
    });
    try {
      const tokens: Record<string, () => string> = {
        forged: () => other.mintAccessToken({ tenantId: arm.seed.tenantId, clientId: APP }),
        graph: () =>
          entra.mintAccessToken({
            tenantId: arm.seed.tenantId,
            clientId: APP,
            audience: 'https://graph.microsoft.com',
          }),
        expired: () =>
          entra.mintAccessToken({ tenantId: arm.seed.tenantId, clientId: APP, lifetimeSeconds: -3600 }),
        tenant: () =>
          entra.mintAccessToken({ tenantId: '0f0f0f0f-0000-4000-8000-000000000000', clientId: APP }),
      };
      const res = await httpsJson(`${arm.url}${arm.seed.instanceId}?api-version=${IOTOPS_API_VERSION}`, {
        caPem: ca.cert,
        ...(kind ? { token: tokens[kind]!() } : {}),
      });
      expect(res.status).toBe(401);
      expect((res.body as { error: { code: string } }).error.code).toBe(code);
    } finally {
      await other.close();
    }
  });

  test('a stand-in answer that drifts from the spec is a loud 500 and is recorded', async () => {
    const original = arm.store.get(arm.seed.listenerId)!;
    arm.store.put({ ...original, properties: { serviceType: 'ClusterIp' } }); // `ports` is required
    try {
      const err = await restError(rm.resources.getById(arm.seed.listenerId, IOTOPS_API_VERSION));
      expect(err.statusCode).toBe(500);
      expect(err.code).toBe('StandInResponseInvalid');
      expect(err.message).toContain('Missing required property: ports');
      // The SDK retries a 500; every attempt got the same loud answer.
      expect(arm.responseIssues.length).toBeGreaterThanOrEqual(1);
      expect(arm.responseIssues.every((r) => r.url.includes('/listeners/default') && r.status === 200)).toBe(
        true,
      );
    } finally {
      arm.store.put(original);
      arm.responseIssues.length = 0;
    }
  });
});

describe('specs folder', () => {
  test('defaults to the vendored <repo>/test/contracts/azure, resolved from the repository root', () => {
    expect(defaultSpecsDir()).toBe(`${REPO_ROOT}test/contracts/azure`);
  });

  test('a missing folder fails with a message naming the expected path', async () => {
    const missing = `${REPO_ROOT}no-such-dir/specs`;
    const err = await startArmStandIn({ auth: { jwks: { keys: [] } }, specsDir: missing }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(SpecsNotFoundError);
    expect(err!.message).toContain(missing);
    expect(err!.message).toContain(SPECS_DIR_ENV);

    const saved = process.env[SPECS_DIR_ENV];
    process.env[SPECS_DIR_ENV] = '/tmp/definitely-not-specs';
    try {
      await expect(startArmStandIn({ auth: { jwks: { keys: [] } } })).rejects.toThrow(
        '/tmp/definitely-not-specs',
      );
    } finally {
      if (saved === undefined) delete process.env[SPECS_DIR_ENV];
      else process.env[SPECS_DIR_ENV] = saved;
    }
  });
});
