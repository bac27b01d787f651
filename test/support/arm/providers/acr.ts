// Microsoft.ContainerRegistry 2025-11-01: registries (GET, importImage), tokens and scope maps (read, list,
// asynchronous PUT/DELETE). importImage is a server-side copy into an in-memory content model (repo:tag → digest):
// with `mode: NoForce` an existing target tag fails the operation with ACR's Conflict error; `Force` overwrites.
import { createHash } from 'node:crypto';
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
  const op = ctx.lro.start({
    subscriptionId: ctx.path.subscriptionId,
    namespace: ctx.def.namespace,
    location: ctx.def.location,
    apiVersion: ctx.apiVersion,
    resourceId: registry.id,
    namePrefix: 'registries-',
    failWith: ctx.lroFailure,
    complete: async () => {
      const content = ctx.store.registryContent(registry.id);
      if (request.mode === 'NoForce') {
        const existing = targets.find((t) => content.has(t));
        if (existing) {
          throw new ArmError(
            409,
            'Conflict',
            `Operation ${op.name} failed. Resource ${registry.id} Tag ${existing} already exists in target registry.`,
          );
        }
      }
      const { digest } = ctx.hooks.importImage
        ? await ctx.hooks.importImage(request)
        : { digest: syntheticDigest(source.registryUri ?? source.resourceId ?? '', source.sourceImage) };
      for (const t of targets) content.set(t, digest);
      return undefined;
    },
  });
  return { status: 202, headers: ctx.lro.headers(ctx.origin, op, true) };
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

export function acrTypes(location: string): ResourceTypeDef[] {
  const base = { namespace: ACR_NAMESPACE, apiVersion: ACR_API_VERSION, location };
  const provisioning = { create: ['Creating'], update: ['Updating'] };
  return [
    { ...base, types: ['registries'], get: true, actions: { importimage: importImage } },
    {
      ...base,
      types: ['registries', 'scopeMaps'],
      get: true,
      list: true,
      provisioning,
      put: { build: withCreationDate(() => ({ type: 'UserDefined' })) },
      delete: {},
    },
    {
      ...base,
      types: ['registries', 'tokens'],
      get: true,
      list: true,
      provisioning,
      put: {
        build: withCreationDate((_ctx, r) => ({
          status: (r.properties?.status as string | undefined) ?? 'enabled',
        })),
      },
      delete: {},
    },
  ];
}
