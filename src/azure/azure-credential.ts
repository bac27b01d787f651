// Builds the Azure credential the inputs ask for. GitHub OIDC: every token request gets a fresh ID token as
// its client assertion (a cached one expires in long jobs: AADSTS700024). Errors say exactly what to change,
// and log the ID token's iss/sub/aud claims (never the token) when Entra finds no matching federated credential.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { InputValues } from '../config/input-specs.js';
import type { AzureAccess, AzureEnvironment } from './azure-access.js';
import { armScope, CLOUDS } from './clouds.js';

export interface CredentialPorts {
  env: NodeJS.ProcessEnv;
  /** GitHub's ID token for an audience (core.getIDToken in the action). */
  getIdToken?: (audience: string) => Promise<string>;
  mask: (secret: string) => void;
  log: { info(m: string): void; debug(m: string): void };
}

/** A configuration error found before anything ran. */
export class AzureCredentialError extends Error {
  override name = 'AzureCredentialError';
}

const PERMISSION_FIX =
  'add to the workflow (top level or the job):\n  permissions:\n    id-token: write\n    contents: read\nor, outside GitHub Actions, set azure-credential: azure-cli or environment';

interface Claims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
}

/** The claims of a JWT, read without verifying it: only for telling the user which subject to register. */
export function jwtClaims(token: string): Claims {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Claims;
  } catch {
    return {};
  }
}

/** Turns Entra's AADSTS codes into the fix, using the last assertion's claims (never the assertion itself). */
export function explainAzureError(e: unknown, last: Claims | undefined, clientId: string | undefined): Error {
  // Credentials wrap Entra's answer: look through the error, its response and its causes for the AADSTS code.
  const parts: string[] = [];
  for (let x: unknown = e, depth = 0; x && depth < 5; depth++) {
    const err = x as { message?: string; errorResponse?: { errorDescription?: string }; cause?: unknown };
    parts.push(err.message ?? String(x), err.errorResponse?.errorDescription ?? '');
    x = err.cause;
  }
  const message = parts.filter(Boolean).join(' ');
  const code = /AADSTS(\d+)/.exec(message)?.[1];
  const claims = last
    ? `the GitHub ID token had iss '${last.iss}', sub '${last.sub}', aud '${String(last.aud)}'`
    : '';
  switch (code) {
    case '700213':
    case '70021':
      return new AzureCredentialError(
        `Azure sign-in failed (AADSTS${code}: no federated credential matches): ${claims}. Fix: on app ${clientId ?? '(azure-client-id)'} add a federated credential with issuer '${last?.iss ?? 'https://token.actions.githubusercontent.com'}' and subject '${last?.sub ?? '<the sub claim>'}' (audience ${String(last?.aud ?? 'api://AzureADTokenExchange')}), or run the job in the branch/environment its subject names`,
      );
    case '7002138':
      return new AzureCredentialError(
        `Azure sign-in failed (AADSTS7002138: the federated credential's subject differs in letter case): ${claims}. Fix: register the subject exactly as '${last?.sub}'`,
      );
    case '700212':
      return new AzureCredentialError(
        `Azure sign-in failed (AADSTS700212: wrong audience): ${claims}. Fix: set azure-audience to the audience of the federated credential (usually api://AzureADTokenExchange)`,
      );
    case '700024':
      return new AzureCredentialError(
        `Azure sign-in failed (AADSTS700024: the client assertion is not within its valid time range): ${claims}. Fix: check the runner's clock (NTP); the tool already asks for a fresh ID token for every token request`,
      );
    case '700016':
      return new AzureCredentialError(
        `Azure sign-in failed (AADSTS700016: application ${clientId} not found in the tenant). Fix: azure-client-id must be the application (client) ID, not the object ID, and azure-tenant-id its tenant`,
      );
    case '90002':
      return new AzureCredentialError(
        `Azure sign-in failed (AADSTS90002: tenant not found). Fix: check azure-tenant-id and azure-cloud`,
      );
    case '7000215':
      return new AzureCredentialError(
        `Azure sign-in failed (AADSTS7000215: invalid client secret). Fix: use the secret's value, not its ID, in AZURE_CLIENT_SECRET`,
      );
    default:
      return new AzureCredentialError(`Azure sign-in failed: ${(parts[0] ?? message).split('\n')[0]}`);
  }
}

export async function createAzureAccess(
  inputs: Pick<
    InputValues,
    | 'azure-credential'
    | 'azure-client-id'
    | 'azure-tenant-id'
    | 'azure-subscription-id'
    | 'azure-audience'
    | 'azure-cloud'
  >,
  ports: CredentialPorts,
  environment: AzureEnvironment = {},
): Promise<AzureAccess> {
  const cloud = CLOUDS[inputs['azure-cloud']];
  const authorityHost = environment.authorityHost ?? cloud.authorityHost;
  const resourceManager = environment.resourceManager ?? cloud.resourceManager;
  const tls = environment.caPem ? { tlsOptions: { ca: environment.caPem } } : {};
  const identity = await import('@azure/identity');
  let inner: TokenCredential;
  let describe: string;
  let lastClaims: Claims | undefined;

  switch (inputs['azure-credential']) {
    case 'github-oidc': {
      const clientId = inputs['azure-client-id'];
      const tenantId = inputs['azure-tenant-id'];
      const missing = [!clientId && 'azure-client-id', !tenantId && 'azure-tenant-id'].filter(Boolean);
      if (missing.length > 0) {
        throw new AzureCredentialError(
          `azure-credential is github-oidc but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set. Fix: set them to the Entra app (or managed identity) that holds the federated credential, e.g. azure-client-id: \${{ vars.AZURE_CLIENT_ID }}`,
        );
      }
      if (
        !ports.env['ACTIONS_ID_TOKEN_REQUEST_URL'] ||
        !ports.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] ||
        !ports.getIdToken
      ) {
        throw new AzureCredentialError(
          `azure-credential is github-oidc but this job cannot request a GitHub ID token (ACTIONS_ID_TOKEN_REQUEST_URL is not set). Fix: ${PERMISSION_FIX}`,
        );
      }
      const getIdToken = ports.getIdToken;
      // A fresh ID token for every token request: MSAL calls this whenever it needs an assertion.
      const getAssertion = async (): Promise<string> => {
        const token = await getIdToken(inputs['azure-audience']);
        ports.mask(token);
        lastClaims = jwtClaims(token);
        return token;
      };
      inner = new identity.ClientAssertionCredential(tenantId!, clientId!, getAssertion, {
        authorityHost,
        ...(environment.authorityHost ? { disableInstanceDiscovery: true } : {}),
        ...tls,
      });
      describe = `GitHub OIDC federated identity ${clientId} (tenant ${tenantId})`;
      break;
    }
    case 'azure-cli':
      inner = new identity.AzureCliCredential(
        inputs['azure-tenant-id'] ? { tenantId: inputs['azure-tenant-id'] } : {},
      );
      describe = 'Azure CLI session (az login)';
      break;
    case 'environment':
      inner = new identity.EnvironmentCredential({
        authorityHost,
        ...(environment.authorityHost ? { disableInstanceDiscovery: true } : {}),
        ...tls,
      });
      describe = `environment credential ${ports.env['AZURE_CLIENT_ID'] ?? '(AZURE_CLIENT_ID unset)'}`;
      break;
  }

  // Every access token is masked the moment it exists, and errors are explained.
  const credential: TokenCredential = {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        const t = await inner.getToken(scopes, options);
        if (t) ports.mask(t.token);
        return t;
      } catch (e) {
        throw explainAzureError(e, lastClaims, inputs['azure-client-id']);
      }
    },
  };
  ports.log.debug(`Azure: ${describe}; Resource Manager ${resourceManager}`);
  return {
    credential,
    describe,
    ...(inputs['azure-subscription-id'] ? { subscriptionId: inputs['azure-subscription-id'] } : {}),
    resourceManager,
    clientOptions: {
      endpoint: resourceManager,
      credentialScopes: [environment.armScope ?? armScope(resourceManager)],
      ...tls,
      ...(environment.retryOptions ? { retryOptions: environment.retryOptions } : {}),
    },
  };
}
