// Inputs for Azure: which identity, which cloud, and where the IoT Operations instance lives.
import * as z from 'zod/mini';
import { defineInputs, kubeNameInput, oneOf, quote, textInput } from './input-spec.js';

const guid = (what: string) =>
  z.pipe(
    z.transform((raw: unknown) => (typeof raw === 'string' ? raw.trim() : raw)),
    z.string({ error: (iss) => `got ${quote(iss.input)}, not ${what}` }).check(
      z.regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
        error: (iss) =>
          `${quote(iss.input)} is not ${what} (a GUID like 00000000-0000-0000-0000-000000000000)`,
      }),
    ),
  );

export const AZURE_INPUTS = defineInputs({
  'azure-credential': {
    description:
      "How to authenticate to Azure: `github-oidc` (the workflow's OIDC token exchanged for an Entra ID token; needs `permissions: id-token: write`), `azure-cli` (an existing `az login`, for the CLI and self-hosted runners) or `environment` (AZURE_CLIENT_ID/AZURE_TENANT_ID with AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH).",
    default: 'github-oidc',
    expected: 'github-oidc, azure-cli or environment',
    example: 'azure-credential: azure-cli',
    schema: oneOf(['github-oidc', 'azure-cli', 'environment'], 'a credential kind'),
  },
  'azure-client-id': {
    description:
      'Application (client) ID of the Entra app or user-assigned identity with the federated credential (github-oidc).',
    expected: 'a GUID',
    example: 'azure-client-id: ${{ vars.AZURE_CLIENT_ID }}',
    schema: z.optional(guid('a client ID')),
  },
  'azure-tenant-id': {
    description: 'Directory (tenant) ID (github-oidc).',
    expected: 'a GUID',
    example: 'azure-tenant-id: ${{ vars.AZURE_TENANT_ID }}',
    schema: z.optional(guid('a tenant ID')),
  },
  'azure-subscription-id': {
    description: 'Subscription of the IoT Operations instance (and the registry, for mirror).',
    expected: 'a GUID',
    example: 'azure-subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}',
    schema: z.optional(guid('a subscription ID')),
  },
  'azure-audience': {
    description: 'Audience of the GitHub OIDC token; must match the federated credential.',
    default: 'api://AzureADTokenExchange',
    expected: 'an audience string',
    example: 'azure-audience: api://AzureADTokenExchange',
    schema: textInput('audience'),
  },
  'azure-cloud': {
    description: 'Azure cloud: sets the Entra ID authority and the Resource Manager endpoint.',
    default: 'public',
    expected: 'public, usgov or china',
    example: 'azure-cloud: usgov',
    schema: oneOf(['public', 'usgov', 'china'], 'an Azure cloud'),
  },
  'resource-group': {
    description: 'Resource group of the IoT Operations instance (authpolicy-mode arm).',
    expected: 'a resource group name',
    example: 'resource-group: rg-plant7',
    schema: z.optional(
      z.string().check(
        z.regex(/^[-\w._()]{1,90}$/, {
          error: (iss) => `${quote(iss.input)} is not a valid resource group name`,
        }),
      ),
    ),
  },
  'aio-instance': {
    description: 'Name of the Azure IoT Operations instance resource (authpolicy-mode arm).',
    expected: 'an instance name',
    example: 'aio-instance: aio-plant7',
    schema: z.optional(kubeNameInput()),
  },
  broker: {
    description: 'Name of the broker resource in the instance.',
    default: 'default',
    expected: 'a broker name',
    example: 'broker: default',
    schema: kubeNameInput(),
  },
});
