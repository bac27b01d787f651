// What a copy writes, worked out with no I/O: which manifest the tag gets (the source's own, one platform's, or an
// index reduced to some platforms) and the order of work (blobs deduplicated; manifests children first).
import { digestOf } from './streams.js';
import type { CopyResult, Descriptor } from './types.js';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const INDEX_TYPES: ReadonlySet<string> = new Set([OCI_INDEX, DOCKER_LIST]);
export const IMAGE_TYPES: ReadonlySet<string> = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);
/** Every manifest media type, for Accept. */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ');

export interface Platform {
  os?: string;
  architecture?: string;
  variant?: string;
}

/** A manifest as fetched (exact bytes), with its child manifests (an index) or its blobs (an image). */
export interface ManifestNode {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  children: ManifestNode[];
  /** An image manifest's config, then its layers. */
  blobs: Descriptor[];
}

/** `os/arch[/variant]`, or `unknown`. */
export function platformOf(p: Platform | undefined): string {
  if (!p?.os || !p.architecture) return 'unknown';
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** `linux/arm64` matches `linux/arm64` and `linux/arm64/v8`; `linux/arm/v7` matches only itself. */
export function platformMatches(want: string, have: string): boolean {
  return want === have || (want.split('/').length === 2 && have.split('/').slice(0, 2).join('/') === want);
}

export type PlatformChoice =
  { top: ManifestNode; rewritten?: NonNullable<CopyResult['rewritten']> } | { problem: string };

/**
 * The manifest the tag gets when only `platforms` of the index `root` are copied: one platform → that platform's
 * own manifest (source bytes, its own digest); several → an index listing only them (new bytes, new digest). Either
 * way the destination digest differs from the source index's, and `rewritten` says so.
 */
export function choosePlatforms(root: ManifestNode, platforms: string[]): PlatformChoice {
  const doc = JSON.parse(root.bytes.toString('utf8')) as {
    manifests: (Descriptor & { platform?: Platform })[];
  };
  const all = doc.manifests.map((d, i) => ({ d, node: root.children[i], p: platformOf(d.platform) }));
  const picked = all.filter((x) => platforms.some((w) => platformMatches(w, x.p)));
  const missing = platforms.filter((w) => !picked.some((x) => platformMatches(w, x.p)));
  if (missing.length > 0 || picked.length === 0) {
    return {
      problem: `has no platform ${missing.join(', ') || platforms.join(', ')} (it has ${all.map((x) => x.p).join(', ')})`,
    };
  }
  const first = picked[0];
  if (picked.length === 1 && first?.node) {
    return {
      top: first.node,
      rewritten: {
        sourceDigest: root.digest,
        why: `only platform ${first.p} of index ${root.digest} was copied; the tag names that platform's own manifest`,
      },
    };
  }
  const bytes = Buffer.from(JSON.stringify({ ...doc, manifests: picked.map((x) => x.d) }));
  return {
    top: {
      digest: digestOf('sha256', bytes),
      mediaType: root.mediaType,
      bytes,
      children: picked.flatMap((x) => (x.node ? [x.node] : [])),
      blobs: [],
    },
    rewritten: {
      sourceDigest: root.digest,
      why: `an index reduced to ${picked.map((x) => x.p).join(', ')} was written: its digest differs from the source index ${root.digest}`,
    },
  };
}

/** The work a copy of `top` is: distinct blobs, and manifests in the order they must be pushed (children first). */
export function copyOrder(top: ManifestNode): { blobs: Descriptor[]; manifests: ManifestNode[] } {
  const manifests: ManifestNode[] = [];
  const blobs = new Map<string, Descriptor>();
  const visit = (n: ManifestNode) => {
    for (const c of n.children) visit(c);
    for (const b of n.blobs) if (!blobs.has(b.digest)) blobs.set(b.digest, b);
    if (!manifests.some((m) => m.digest === n.digest)) manifests.push(n);
  };
  visit(top);
  return { blobs: [...blobs.values()], manifests };
}
