// The cluster's pull credential in acr mode: an ACR token that may only read one repository (scope map with
// `content/read` + `metadata/read`), with two password slots. ACR never returns a password's value after
// generateCredentials, only its name and creation time: so the slot in use is the newest one, and a rotation
// regenerates the other slot (the stage then updates the pull secret); the next rotation regenerates the first.
import type { PullCredential } from '../registry/types.js';
import type { AzureAccess } from './azure-access.js';
import {
  AcrError,
  acrManagementClient,
  armErrorOf,
  explainAcrFailure,
  registryResourceId,
} from './acr-importer.js';
import type { AcrRegistryId } from './acr-importer.js';

export type PasswordSlot = 'password1' | 'password2';

export interface AcrPullTokenOptions {
  /** The repository the token may pull (`litmusedge/litmusedge-std-docker`). */
  repository: string;
  /** Rotate when the password in use is older than this (the `pull-token-days` input); default 30. */
  rotateAfterDays?: number;
  now?: Date;
  /** Token name; default `<repository with / → ->-pull`, cut to ACR's 50 characters. */
  tokenName?: string;
  /** Scope map name; default `<token name>-scope`. */
  scopeMapName?: string;
  /**
   * The credential the pull secret holds now. ACR cannot give a password back, so without it a fresh password
   * cannot be reused and the unused slot is regenerated.
   */
  current?: { username: string; password: string };
  pollIntervalMs?: number;
}

export interface AcrPullToken extends PullCredential {
  /** created: first password; rotated: a new password in `slot`; unchanged: `current` is still good. */
  action: 'created' | 'rotated' | 'unchanged';
  slot: PasswordSlot;
  /** What was changed in ARM, for the stage's report. */
  changes: string[];
}

export interface PasswordInfo {
  name?: string;
  creationTime?: Date;
}

export type PasswordDecision =
  | { action: 'keep'; slot: PasswordSlot; createdAt?: Date }
  | { action: 'generate'; slot: PasswordSlot; reason: string };

const DAY_MS = 86_400_000;
const other = (s: PasswordSlot): PasswordSlot => (s === 'password1' ? 'password2' : 'password1');
const isSlot = (n: string | undefined): n is PasswordSlot => n === 'password1' || n === 'password2';

/** Which slot to use, from the token's password names and creation times (pure). */
export function decidePullPassword(
  passwords: PasswordInfo[],
  o: { rotateAfterDays: number; now: Date; haveCurrent: boolean },
): PasswordDecision {
  const dated = passwords
    .filter((p): p is { name: PasswordSlot; creationTime?: Date } => isSlot(p.name))
    .sort((a, b) => (b.creationTime?.getTime() ?? 0) - (a.creationTime?.getTime() ?? 0));
  const newest = dated[0];
  if (!newest) return { action: 'generate', slot: 'password1', reason: 'the token has no password yet' };
  const age = newest.creationTime ? o.now.getTime() - newest.creationTime.getTime() : Infinity;
  if (age > o.rotateAfterDays * DAY_MS) {
    const days = Number.isFinite(age) ? `${Math.floor(age / DAY_MS)} days old` : 'of unknown age';
    return {
      action: 'generate',
      slot: other(newest.name),
      reason: `${newest.name} is ${days} (rotation after ${o.rotateAfterDays} days)`,
    };
  }
  if (!o.haveCurrent) {
    return {
      action: 'generate',
      slot: other(newest.name),
      reason: `the pull secret does not hold ${newest.name} and ACR does not return password values`,
    };
  }
  return {
    action: 'keep',
    slot: newest.name,
    ...(newest.creationTime ? { createdAt: newest.creationTime } : {}),
  };
}

/** ACR resource names: 5-50 alphanumerics and dashes. */
function acrName(s: string): string {
  const n = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return n.length >= 5 ? n : `${n}-pull`.slice(0, 50);
}

export function pullScopeActions(repository: string): string[] {
  return [`repositories/${repository}/content/read`, `repositories/${repository}/metadata/read`];
}

/** Some tiers or older API behaviour refuse tokens and scope maps; ARM's code for it is not documented. */
function tierRefusal(e: unknown): boolean {
  const { code, statusCode, message } = armErrorOf(e);
  return (
    (statusCode === 400 || statusCode === 409 || code !== undefined) &&
    /\b(sku|tier|premium)\b/i.test(`${code ?? ''} ${message}`)
  );
}

export async function ensureAcrPullToken(
  az: AzureAccess,
  registry: AcrRegistryId,
  o: AcrPullTokenOptions,
): Promise<AcrPullToken> {
  const client = await acrManagementClient(az, registry.subscriptionId);
  const { resourceGroup: rg, registryName: reg } = registry;
  const tokenName = acrName(o.tokenName ?? `${o.repository}-pull`);
  const scopeMapName = acrName(o.scopeMapName ?? `${tokenName}-scope`);
  const poll = o.pollIntervalMs !== undefined ? { updateIntervalInMs: o.pollIntervalMs } : {};
  const changes: string[] = [];
  const actions = pullScopeActions(o.repository);
  const notFound = (e: unknown) => armErrorOf(e).statusCode === 404;
  const step = async <T>(what: string, action: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      if (tierRefusal(e)) {
        throw new AcrError(
          `${what} failed: registry ${reg} refuses repository-scoped tokens (${armErrorOf(e).code ?? 'error'}: ${armErrorOf(e).message})`,
          `tokens and scope maps need a tier that offers them (older registries: Premium): run 'az acr update -n ${reg} --sku Premium', or use mirror in oci mode with a registry user`,
          armErrorOf(e).code,
          { cause: e },
        );
      }
      throw explainAcrFailure(e, az, what, registry, action);
    }
  };

  // Scope map: pull-only, this repository only.
  const scopeMap = await step(
    `Reading scope map ${scopeMapName}`,
    'Microsoft.ContainerRegistry/registries/scopeMaps/read',
    () =>
      client.scopeMaps
        .get(rg, reg, scopeMapName)
        .catch((e: unknown) => (notFound(e) ? undefined : Promise.reject(e))),
  );
  const sameActions =
    scopeMap?.actions !== undefined &&
    scopeMap.actions.length === actions.length &&
    actions.every((a) => scopeMap.actions!.includes(a));
  let scopeMapId = scopeMap?.id ?? `${registryResourceId(registry)}/scopeMaps/${scopeMapName}`;
  if (!scopeMap || !sameActions) {
    const written = await step(
      `${scopeMap ? 'Updating' : 'Creating'} scope map ${scopeMapName}`,
      'Microsoft.ContainerRegistry/registries/scopeMaps/write',
      () =>
        scopeMap
          ? client.scopeMaps.update(rg, reg, scopeMapName, { actions }, poll).pollUntilDone()
          : client.scopeMaps
              .create(
                rg,
                reg,
                scopeMapName,
                { actions, description: `pull-only access to ${o.repository}` },
                poll,
              )
              .pollUntilDone(),
    );
    scopeMapId = written.id ?? scopeMapId;
    changes.push(`${scopeMap ? 'updated' : 'created'} scope map ${scopeMapName} (${actions.join(', ')})`);
  }

  // Token bound to the scope map, enabled.
  let token = await step(
    `Reading token ${tokenName}`,
    'Microsoft.ContainerRegistry/registries/tokens/read',
    () =>
      client.tokens
        .get(rg, reg, tokenName)
        .catch((e: unknown) => (notFound(e) ? undefined : Promise.reject(e))),
  );
  const tokenOk =
    token && token.scopeMapId?.toLowerCase() === scopeMapId.toLowerCase() && token.status === 'enabled';
  if (!tokenOk) {
    const existed = token !== undefined;
    token = await step(
      `${existed ? 'Updating' : 'Creating'} token ${tokenName}`,
      'Microsoft.ContainerRegistry/registries/tokens/write',
      () =>
        existed
          ? client.tokens.update(rg, reg, tokenName, { scopeMapId, status: 'enabled' }, poll).pollUntilDone()
          : client.tokens.create(rg, reg, tokenName, { scopeMapId, status: 'enabled' }, poll).pollUntilDone(),
    );
    changes.push(
      `${existed ? 'updated' : 'created'} token ${tokenName} (scope map ${scopeMapName}, enabled)`,
    );
  }

  const haveCurrent =
    o.current !== undefined && o.current.username === tokenName && o.current.password !== '';
  const decision = decidePullPassword(token?.credentials?.passwords ?? [], {
    rotateAfterDays: o.rotateAfterDays ?? 30,
    now: o.now ?? new Date(),
    haveCurrent,
  });
  if (decision.action === 'keep' && o.current) {
    return {
      username: tokenName,
      password: o.current.password,
      ...(decision.createdAt ? { createdAt: decision.createdAt } : {}),
      action: 'unchanged',
      slot: decision.slot,
      changes,
    };
  }
  const slot = decision.slot;
  const result = await step(
    `Generating ${slot} of token ${tokenName}`,
    'Microsoft.ContainerRegistry/registries/generateCredentials/action',
    () =>
      client.registries
        .generateCredentials(
          rg,
          reg,
          { tokenId: token?.id ?? `${registryResourceId(registry)}/tokens/${tokenName}`, name: slot },
          poll,
        )
        .pollUntilDone(),
  );
  const generated = result.passwords?.find((p) => p.name === slot) ?? result.passwords?.[0];
  if (!generated?.value) {
    throw new AcrError(
      `generateCredentials for token ${tokenName} answered without a ${slot} value`,
      undefined,
    );
  }
  const first = (token?.credentials?.passwords ?? []).length === 0;
  changes.push(
    decision.action === 'generate'
      ? `generated ${slot} of token ${tokenName}: ${decision.reason}`
      : `generated ${slot} of token ${tokenName}`,
  );
  return {
    username: result.username ?? tokenName,
    password: generated.value,
    ...(generated.creationTime ? { createdAt: generated.creationTime } : {}),
    action: first ? 'created' : 'rotated',
    slot,
    changes,
  };
}
