// The mirror stage's server-side importer for Azure Container Registry: `registries.importImage` copies the image
// inside Azure (no bytes pass through the runner), by digest, so a source tag moving mid-run cannot change what gets
// tagged. A client-side deadline bounds the long-running operation (imports from Google Artifact Registry can hang in
// Running: Azure/acr#549). The data-plane sign-in for reading the tag back is in acr-registry-auth.ts.
import type { AzureAccess } from './azure-access.js';
import { AzureCredentialError } from './azure-credential.js';
import type { ImageImporter, ImageRef } from '../registry/types.js';

export interface AcrRegistryId {
  subscriptionId: string;
  resourceGroup: string;
  registryName: string;
}

export interface AcrImporterOptions {
  /** How long an import may run before it is reported as hung; default 20 minutes. */
  deadlineMs?: number;
  /** Poll interval of the long-running operation; default: the service's Retry-After (else the SDK's 2 s). */
  pollIntervalMs?: number;
}

const DEFAULT_DEADLINE_MS = 20 * 60_000;

/** An ACR or ARM failure, with what went wrong and what to change kept apart. */
export class AcrError extends Error {
  override name = 'AcrError';
  constructor(
    readonly problem: string,
    readonly fix: string | undefined,
    /** ARM's error code (`Conflict`, `AuthorizationFailed`, ...) when there is one. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(fix ? `${problem}. Fix: ${fix}` : problem, options);
  }
}

export const registryResourceId = (r: AcrRegistryId): string =>
  `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${r.registryName}`;

/** The ACR management client, pointed where AzureAccess says (endpoint, scopes, TLS trust, retry delays). */
export async function acrManagementClient(az: AzureAccess, subscriptionId: string) {
  const { ContainerRegistryManagementClient } = await import('@azure/arm-containerregistry');
  const o = az.clientOptions;
  // @azure/arm-containerregistry 12 is a modular client: its scopes go in `credentials.scopes`.
  return new ContainerRegistryManagementClient(az.credential, subscriptionId, {
    endpoint: o.endpoint,
    credentials: { scopes: o.credentialScopes },
    ...(o.tlsOptions ? { tlsOptions: o.tlsOptions } : {}),
    ...(o.retryOptions ? { retryOptions: o.retryOptions } : {}),
  });
}

interface ArmErrorLike {
  code?: string;
  statusCode?: number;
  message: string;
}

/** core-lro's text for a failed operation: `The long-running operation has failed. <code>. <message>`. */
const LRO_FAILED = /^The long-running operation has failed\. ([A-Za-z][\w.]*)\. ([\s\S]*)$/;

/** ARM's code and message from what the SDK threw (a RestError, or a failed long-running operation). */
export function armErrorOf(e: unknown): ArmErrorLike {
  const err = e as { code?: unknown; statusCode?: unknown; message?: unknown };
  const text = typeof err?.message === 'string' ? err.message : String(e);
  const lro = LRO_FAILED.exec(text);
  const code =
    typeof err?.code === 'string' ? err.code : (lro?.[1] ?? /"code"\s*:\s*"([^"]+)"/.exec(text)?.[1]);
  return {
    ...(code ? { code } : {}),
    ...(typeof err?.statusCode === 'number' ? { statusCode: err.statusCode } : {}),
    message: lro?.[2] ?? text,
  };
}

/**
 * Turns an ARM failure into an AcrError that says what to change. Sign-in failures (AADSTS...) are already explained
 * by the credential (azure-credential.ts) and pass through unchanged.
 */
export function explainAcrFailure(
  e: unknown,
  az: AzureAccess,
  what: string,
  registry: AcrRegistryId,
  action: string,
): Error {
  if (e instanceof AzureCredentialError || e instanceof AcrError) return e;
  const { code, statusCode, message } = armErrorOf(e);
  const at = `registry ${registry.registryName} (resource group ${registry.resourceGroup}, subscription ${registry.subscriptionId})`;
  if (code === 'AuthorizationFailed' || code === 'LinkedAuthorizationFailed' || statusCode === 403) {
    return new AcrError(
      `${what} was refused: ${az.describe} may not do ${action} on ${at} (${code ?? statusCode}: ${message})`,
      `give it a role with ${action} on the registry (e.g. Contributor, or the Container Registry Data Importer and Data Reader role for imports), then run again; role assignments can take a few minutes to apply`,
      code,
      { cause: e },
    );
  }
  if (
    code === 'ResourceNotFound' ||
    code === 'ResourceGroupNotFound' ||
    code === 'SubscriptionNotFound' ||
    (statusCode === 404 && code !== 'TokenNotFound')
  ) {
    return new AcrError(
      `${what} failed: ${at} was not found (${code ?? statusCode}: ${message})`,
      'check acr-name, resource-group and azure-subscription-id (the registry name, not its login server)',
      code,
      { cause: e },
    );
  }
  return new AcrError(`${what} failed: ${code ?? statusCode ?? 'error'}: ${message}`, undefined, code, {
    cause: e,
  });
}

/**
 * The credentials ACR sends to the source. Google's `_json_key` must carry the raw service-account JSON: sent
 * base64-encoded the import hangs in Running (Azure/acr#549), so a base64 key (or `_json_key_base64`) is decoded here.
 */
export function importCredentials(c: { username: string; password: string }): {
  username: string;
  password: string;
} {
  const user = c.username;
  if (user !== '_json_key' && user !== '_json_key_base64') return c;
  const raw = c.password.trim();
  if (raw.startsWith('{')) return { username: '_json_key', password: c.password };
  const decoded = Buffer.from(raw, 'base64').toString('utf8').trim();
  if (decoded.startsWith('{') && decoded.endsWith('}')) return { username: '_json_key', password: decoded };
  return { username: '_json_key', password: c.password };
}

const refText = (r: ImageRef) =>
  `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;

export async function acrImporter(
  az: AzureAccess,
  registry: AcrRegistryId,
  o: AcrImporterOptions = {},
): Promise<ImageImporter> {
  const client = await acrManagementClient(az, registry.subscriptionId);
  const deadlineMs = o.deadlineMs ?? DEFAULT_DEADLINE_MS;
  return {
    where: `Azure Container Registry ${registry.registryName} (resource group ${registry.resourceGroup})`,
    async importImage(from, to, opts) {
      if (!to.tag) throw new Error(`ACR import needs a target tag: ${refText(to)}`);
      const what = `ACR import of ${refText(from)} into ${registry.registryName} as ${to.repository}:${to.tag}`;
      const stop = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        stop.abort(new Error(`deadline of ${deadlineMs} ms`));
      }, deadlineMs);
      const onAbort = () => stop.abort(opts.signal.reason);
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
      const poller = client.registries.importImage(
        registry.resourceGroup,
        registry.registryName,
        {
          source: {
            registryUri: from.registry,
            sourceImage: `${from.repository}@${from.digest}`,
            ...(opts.credentials ? { credentials: importCredentials(opts.credentials) } : {}),
          },
          targetTags: [`${to.repository}:${to.tag}`],
          mode: opts.mode,
        },
        {
          abortSignal: stop.signal,
          ...(o.pollIntervalMs !== undefined ? { updateIntervalInMs: o.pollIntervalMs } : {}),
        },
      );
      try {
        await poller.pollUntilDone({ abortSignal: stop.signal });
      } catch (e) {
        if (timedOut) {
          const status = poller.operationState?.status ?? 'running';
          throw new AcrError(
            `${what} did not finish within its deadline of ${Math.round(deadlineMs / 1000)} s (the operation is still ${status}). ` +
              'A known cause: imports from Google Artifact Registry stay Running for ever when the service-account key ' +
              'is sent base64-encoded (Azure/acr#549); this tool sends username _json_key with the raw JSON key',
            'check that the registry password input holds the key file itself (JSON starting with "{"); if the image is just large, raise the import deadline',
            'ImportDeadlineExceeded',
            { cause: e },
          );
        }
        if (opts.signal.aborted) throw e;
        throw explainAcrFailure(
          e,
          az,
          what,
          registry,
          'Microsoft.ContainerRegistry/registries/importImage/action',
        );
      } finally {
        clearTimeout(timer);
        opts.signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
