// The Azure port the stages use: a token credential for Resource Manager plus where ARM is. Built from the
// inputs by azure-credential.ts; tests point it at the stand-ins through `AzureEnvironment`.
import type { TokenCredential } from '@azure/core-auth';

export interface AzureAccess {
  credential: TokenCredential;
  /** Which credential, for reports: "GitHub OIDC federated identity 1111... (tenant ...)". */
  describe: string;
  subscriptionId?: string;
  resourceManager: string;
  /** Options every Azure SDK client takes (endpoint, scopes, TLS trust for private CAs). */
  clientOptions: {
    endpoint: string;
    credentialScopes: string[];
    tlsOptions?: { ca: string };
    retryOptions?: { retryDelayInMs?: number; maxRetryDelayInMs?: number };
  };
}

/** Overrides for clouds the input does not name (Azure Stack, tests): endpoints and an extra CA to trust. */
export interface AzureEnvironment {
  authorityHost?: string;
  resourceManager?: string;
  /** The token scope for Resource Manager when it differs from `<resourceManager>/.default`. */
  armScope?: string;
  caPem?: string;
  retryOptions?: { retryDelayInMs?: number; maxRetryDelayInMs?: number };
}
