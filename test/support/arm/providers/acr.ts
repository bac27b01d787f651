// Microsoft.ContainerRegistry 2025-11-01: registries (GET, importImage, generateCredentials), tokens and scope maps
// (read, list, asynchronous PUT/PATCH/DELETE). importImage is a server-side copy into an in-memory content model
// (repo:tag → digest), or into a real registry peer when the importImage/targetTagExists hooks are wired
// (peer-import.ts): with `mode: NoForce` an existing target tag fails the operation with ACR's Conflict error;
// `Force` overwrites. Tokens answer as ACR does: certificates as thumbprint + expiry (never the PEM), passwords as
// name + creationTime (+ expiry) without the value, which only generateCredentials returns.
import { createHash, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { baseResource, handleGet } from '../engine.js';
import { ArmError } from '../errors.js';
import type { ArmResource } from '../store.js';
import type { HandlerResult, ImportImageRequest, RequestContext, ResourceTypeDef } from '../types.js';

export const ACR_NAMESPACE = 'Microsoft.ContainerRegistry';
export const ACR_API_VERSION = '2025-11-01';

/** `repo[:tag]` with the tag filled in (source tag, else `latest`), as ACR reads targetTags. */
export function normaliseTarget(target: string, sourceImage: string): string {
  if (/:[^/]+$/.test(target)) return target;
  const sourceTag = /:([^/@]+)$/.exec(sourceImage.split('@')[0]!)?.[1];
  return `${target}:${sourceTag ?? 'latest'}`;
}

/** A stable made-up digest for a source the stand-in cannot see. */
export function syntheticDigest(registry: string, image: string): string {
  const pinned = /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1];
  if (pinned) return pinned;
  return `sha256:${createHash('sha256').update(`${registry}/${image}`).digest('hex')}`;
}

function importImage(ctx: RequestContext): HandlerResult {
  const registry = handleGet(ctx).body as ArmResource; // 404 for an unknown registry
  const body = ctx.body as {
    source: ImportImageRequest['source'];
    targetTags?: string[];
    untaggedTargetRepositories?: string[];
    mode?: 'NoForce' | 'Force';
  };
  const source = body.source;
  const untagged = body.untaggedTargetRepositories ?? [];
  const targets = (body.targetTags ?? (untagged.length ? [] : [source.sourceImage.split('@')[0]!])).map((t) =>
    normaliseTarget(t, source.sourceImage),
  );
  const request: ImportImageRequest = {
    registryId: registry.id,
    source,
    targetTags: targets,
    untaggedTargetRepositories: untagged,
    mode: body.mode ?? 'NoForce',
  };
  const name = `registries-${randomUUID()}`;
  const content = ctx.store.registryContent(registry.id);
  // The copy starts now and the operation stays InProgress until it is done, as ACR's does (a held operation or an
  // injected lro-failed fault copies nothing).
  const run = async (): Promise<void> => {
    if (request.mode === 'NoForce') {
      for (const t of targets) {
        if (content.has(t) || (await ctx.hooks.targetTagExists?.(registry.id, t))) {
          // ACR's wording, e.g. "Operation registries-<guid> failed. Resource /subscriptions/.../registries/r
          // hello-world:v3 Tag hello-world:v3 already exists in target registry." (Azure/azure-cli#10938).
          throw new ArmError(
            409,
            'Conflict',
            `Operation ${name} failed. Resource ${registry.id} Tag ${t} already exists in target registry.`,
          );
        }
      }
    }
    const { digest } = ctx.hooks.importImage
      ? await ctx.hooks.importImage(request)
      : { digest: syntheticDigest(source.registryUri ?? source.resourceId ?? '', source.sourceImage) };
    for (const t of targets) content.set(t, digest);
  };
  const op = ctx.lro.start({
    subscriptionId: ctx.path.subscriptionId,
    namespace: ctx.def.namespace,
    location: ctx.def.location,
    apiVersion: ctx.apiVersion,
    resourceId: registry.id,
    name,
    namePrefix: 'registries-',
    failWith: ctx.lroFailure,
    work: run,
    complete: () => undefined,
  });
  return { status: 202, headers: ctx.lro.headers(ctx.origin, op, true) };
}

const PASSWORD_NAMES = ['password1', 'password2'] as const;

/** ACR-style password: 52 characters of base64 without padding. */
function newPassword(): string {
  return randomBytes(39).toString('base64');
}

interface StoredPassword {
  name: string;
  creationTime?: string;
  expiry?: string;
}

/** POST .../registries/{r}/generateCredentials: a new value for one slot (or both), 202 + Location, then the result. */
function generateCredentials(ctx: RequestContext): HandlerResult {
  const registry = handleGet(ctx).body as ArmResource;
  const body = (ctx.body ?? {}) as { tokenId?: string; name?: string; expiry?: string };
  const tokenId = body.tokenId ?? '';
  const prefix = `${registry.id}/tokens/`.toLowerCase();
  const token = tokenId.toLowerCase().startsWith(prefix) ? ctx.store.get(tokenId) : undefined;
  if (!token) {
    throw new ArmError(
      404,
      'TokenNotFound',
      `The token '${tokenId.split('/').pop() ?? tokenId}' was not found in registry '${registry.name}'.`,
    );
  }
  const names = body.name ? [body.name] : [...PASSWORD_NAMES];
  const now = new Date().toISOString();
  const generated = names.map((n) => ({
    name: n,
    creationTime: now,
    ...(body.expiry ? { expiry: new Date(body.expiry).toISOString() } : {}),
    value: newPassword(),
  }));
  const op = ctx.lro.start({
    subscriptionId: ctx.path.subscriptionId,
    namespace: ctx.def.namespace,
    location: ctx.def.location,
    apiVersion: ctx.apiVersion,
    resourceId: registry.id,
    namePrefix: 'registries-',
    failWith: ctx.lroFailure,
    complete: () => {
      const current = ctx.store.get(token.id) ?? token;
      const creds = (current.properties?.credentials ?? {}) as { passwords?: StoredPassword[] };
      const kept = (creds.passwords ?? []).filter((p) => !names.includes(p.name));
      const passwords = [...kept, ...generated.map(({ value: _v, ...p }) => p)].sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      ctx.store.put({
        ...current,
        properties: { ...current.properties, credentials: { ...creds, passwords } },
      });
      return { username: token.name, passwords: generated };
    },
  });
  return { status: 202, headers: ctx.lro.headers(ctx.origin, op, true) };
}

/** What ACR stores for a certificate: a computed thumbprint and expiry; the PEM itself is never returned. */
function certificateView(c: Record<string, unknown>): Record<string, unknown> {
  const { encodedPemCertificate, ...rest } = c;
  if (typeof encodedPemCertificate !== 'string') return rest;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(Buffer.from(encodedPemCertificate, 'base64'));
  } catch {
    throw new ArmError(
      400,
      'InvalidCertificate',
      `The certificate '${String(c.name)}' is not a valid base64-encoded PEM certificate.`,
    );
  }
  return {
    ...rest,
    thumbprint: x509.fingerprint.replace(/:/g, ''),
    expiry: new Date(x509.validTo).toISOString(),
  };
}

/** Token credentials as ACR keeps them: passwords from the stored token (a body can only drop slots), certificates as views. */
function tokenCredentials(
  body: Record<string, unknown> | undefined,
  existing: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const stored = (existing ?? {}) as {
    passwords?: StoredPassword[];
    certificates?: Record<string, unknown>[];
  };
  const sent = (body ?? {}) as { passwords?: StoredPassword[]; certificates?: Record<string, unknown>[] };
  const passwords = sent.passwords
    ? (stored.passwords ?? []).filter((p) => sent.passwords!.some((s) => s.name === p.name))
    : (stored.passwords ?? []);
  const certificates = sent.certificates
    ? sent.certificates.map(certificateView)
    : (stored.certificates ?? []);
  return { certificates, passwords };
}

function withCreationDate(extra: (ctx: RequestContext, r: ArmResource) => Record<string, unknown>) {
  return (
    ctx: RequestContext,
    body: Record<string, unknown>,
    existing: ArmResource | undefined,
  ): ArmResource => {
    const r = baseResource(ctx, body, existing);
    const created = (existing?.properties?.creationDate as string | undefined) ?? new Date().toISOString();
    return { ...r, properties: { ...r.properties, creationDate: created, ...extra(ctx, r) } };
  };
}

function tokenProperties(ctx: RequestContext, r: ArmResource): Record<string, unknown> {
  const existing = ctx.store.get(r.id);
  const scopeMapId = r.properties?.scopeMapId as string | undefined;
  if (scopeMapId && !ctx.store.get(scopeMapId)) {
    throw new ArmError(
      404,
      'ScopeMapNotFound',
      `The scope map '${scopeMapId.split('/').pop()}' was not found.`,
    );
  }
  return {
    status: (r.properties?.status as string | undefined) ?? 'enabled',
    credentials: tokenCredentials(
      r.properties?.credentials as Record<string, unknown> | undefined,
      existing?.properties?.credentials as Record<string, unknown> | undefined,
    ),
  };
}

export function acrTypes(location: string): ResourceTypeDef[] {
  const base = { namespace: ACR_NAMESPACE, apiVersion: ACR_API_VERSION, location };
  const provisioning = { create: ['Creating'], update: ['Updating'] };
  return [
    {
      ...base,
      types: ['registries'],
      get: true,
      actions: { importimage: importImage, generatecredentials: generateCredentials },
    },
    {
      ...base,
      types: ['registries', 'scopeMaps'],
      get: true,
      list: true,
      provisioning,
      put: { build: withCreationDate(() => ({ type: 'UserDefined' })) },
      patch: { build: withCreationDate(() => ({ type: 'UserDefined' })) },
      delete: {},
    },
    {
      ...base,
      types: ['registries', 'tokens'],
      get: true,
      list: true,
      provisioning,
      put: { build: withCreationDate(tokenProperties) },
      patch: { build: withCreationDate(tokenProperties) },
      delete: {},
    },
  ];
}
