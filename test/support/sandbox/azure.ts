// The sandbox's Azure side: GitHub OIDC -> Entra ID -> Resource Manager stand-ins, wired so a PUT to an IoT
// Operations listener/authentication/authorization reaches the Kubernetes stand-in's CRs, as AIO's
// cloud-to-edge sync does (and so the sandbox mosquitto follows it).
import type { AzureEnvironment } from '../../../src/azure/azure-access.js';
import { startArmStandIn, type ArmStandIn } from '../arm/index.js';
import {
  startEntraStandIn,
  startGithubOidcStandIn,
  type EntraStandIn,
  type GithubOidcStandIn,
} from '../identity/index.js';
import type { KubeSandbox } from '../kube-apiserver/index.js';
import { createTestCa } from '../test-pki.js';

export const SANDBOX_CLIENT_ID = '0c8a3f52-6d1e-4b7a-9c2d-5e4f3a2b1c0d';
export const SANDBOX_SUBJECT = 'repo:octo/litmus-edge-site:ref:refs/heads/main';

export interface AzureSandbox {
  oidc: GithubOidcStandIn;
  entra: EntraStandIn;
  arm: ArmStandIn;
  clientId: string;
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  instance: string;
  /** What the engine needs to use these stand-ins instead of the public cloud. */
  environment: AzureEnvironment;
  /** ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN, as a runner with `id-token: write` provides them. */
  runnerEnv: Record<string, string>;
  stop(): Promise<void>;
}

const KIND: Record<string, string> = {
  listener: 'BrokerListener',
  authentication: 'BrokerAuthentication',
  authorization: 'BrokerAuthorization',
};

export async function startAzureSandbox(kube: KubeSandbox): Promise<AzureSandbox> {
  const ca = await createTestCa('Sandbox Azure CA');
  const oidc = await startGithubOidcStandIn({ subject: SANDBOX_SUBJECT });
  const entra = await startEntraStandIn({ ca });
  const arm = await startArmStandIn({
    ca,
    auth: { jwks: () => entra.jwks() },
    // Cloud-to-edge sync: the resource's properties become the CR's spec (read-only state left out).
    onIotOpsChange: (kind, name, resource) => {
      const plural = `broker${kind}s`;
      if (!resource) {
        kube.store.delete(plural, 'azure-iot-operations', name);
        return;
      }
      const {
        provisioningState: _p,
        healthState: _h,
        ...spec
      } = (resource.properties ?? {}) as Record<string, unknown>;
      const existing = kube.store.get(plural, 'azure-iot-operations', name);
      kube.store.put({
        apiVersion: 'mqttbroker.iotoperations.azure.com/v1',
        kind: KIND[kind]!,
        metadata: { ...(existing?.metadata ?? {}), name, namespace: 'azure-iot-operations' },
        spec,
      });
    },
  });
  const tenantId = arm.seed.tenantId;
  entra.addTenant({
    tenantId,
    displayName: 'Sandbox',
    applications: [
      {
        clientId: SANDBOX_CLIENT_ID,
        federatedCredentials: [{ name: 'main', issuer: oidc.issuer, subject: SANDBOX_SUBJECT }],
      },
    ],
  });
  return {
    oidc,
    entra,
    arm,
    clientId: SANDBOX_CLIENT_ID,
    tenantId,
    subscriptionId: arm.seed.subscriptionId,
    resourceGroup: arm.seed.resourceGroup,
    instance: arm.seed.instanceName,
    environment: {
      authorityHost: entra.authorityHost,
      resourceManager: arm.url,
      armScope: 'https://management.azure.com/.default',
      caPem: ca.cert,
      retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 },
    },
    runnerEnv: oidc.env() as Record<string, string>,
    async stop() {
      await Promise.all([oidc.close(), entra.close(), arm.close()]);
    },
  };
}
