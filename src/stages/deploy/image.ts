// Which image the release runs: the image input, else the mirror stage's output of this run, else the version tag
// in the registry; always pinned by digest (a tag is resolved once, before anything changes), so a later move of
// the tag cannot change what a pod restart pulls.
import { formatImageRef, isDigest, parseImageRef } from '../../registry/image-ref.js';
import type { ImageRef } from '../../registry/types.js';
import type { DeploySettings } from './settings.js';

export interface DeployImage {
  /** host[:port]/repository, the chart's image.repository. */
  repository: string;
  /** The tag, kept as a human label beside the digest ('' when the reference had none). */
  tag: string;
  digest: string;
  /** repository[:tag]@digest. */
  ref: string;
  /** Where it came from, for messages. */
  from: string;
}

/** Resolves a tag to the digest the registry names now; undefined when the registry has no such tag. */
export type DigestResolver = (ref: ImageRef, signal: AbortSignal) => Promise<string | undefined>;

export function pinned(ref: ImageRef & { digest: string }, from: string): DeployImage {
  const repository = `${ref.registry}/${ref.repository}`;
  return { repository, tag: ref.tag ?? '', digest: ref.digest, ref: formatImageRef(ref), from };
}

/** The image to deploy and where it comes from, before any digest is resolved (pure). */
export function chooseImage(
  s: DeploySettings,
  mirrorOutput: string | undefined,
): { ref: ImageRef; from: string } | undefined {
  if (s.image) return { ref: s.image, from: 'the image input' };
  const mirrored = mirrorOutput ? parseImageRef(mirrorOutput) : undefined;
  if (mirrored) return { ref: mirrored, from: "the mirror stage's output" };
  if (s.versionImage)
    return { ref: s.versionImage, from: 'registry, target-repository and litmus-edge-version' };
  return undefined;
}

export async function resolveDeployImage(
  s: DeploySettings,
  mirrorOutput: string | undefined,
  digestOf: DigestResolver,
  signal: AbortSignal,
): Promise<DeployImage> {
  const chosen = chooseImage(s, mirrorOutput);
  if (!chosen)
    throw new Error(
      'no image to deploy: the mirror stage gave none. Fix: set image, or registry with litmus-edge-version',
    );
  const { ref, from } = chosen;
  if (ref.digest && isDigest(ref.digest)) return pinned({ ...ref, digest: ref.digest }, from);
  const digest = await digestOf(ref, signal);
  if (!digest)
    throw new Error(
      `the image ${formatImageRef(ref)} (from ${from}) was not found in its registry, so nothing was deployed. Fix: run the mirror stage for this litmus-edge-version (it copies the image there), or set image to an image that exists (with @sha256:... to skip this lookup)`,
    );
  return pinned({ ...ref, digest }, from);
}
