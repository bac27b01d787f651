// The contract between the mirror stage and the registry adapters. The stage sees only these ports: an OCI
// registry (distribution API, src/registry/oci-http.ts) and a server-side importer (ACR, src/azure/acr-importer.ts).

/** A parsed image reference: `host[:port]/repository[:tag][@sha256:...]`. */
export interface ImageRef {
  /** Registry host[:port] as written (docker.io is normalised to registry-1.docker.io by the adapter). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** What a manifest reference resolves to. */
export interface Descriptor {
  digest: string;
  mediaType: string;
  size: number;
}

/** One blob or manifest a copy would transfer (for plan mode) or did transfer. */
export interface CopyItem {
  kind: 'blob' | 'manifest';
  digest: string;
  size: number;
  /** present: already at the destination; mount: cross-repository mount; upload: bytes sent. */
  how: 'present' | 'mount' | 'upload';
}

export interface CopyProgress {
  bytesDone: number;
  bytesTotal: number;
}

export interface CopyOptions {
  /** `all` (the index whole, digest kept) or platforms such as `linux/amd64`. */
  platforms: 'all' | string[];
  signal: AbortSignal;
  onProgress?: (p: CopyProgress) => void;
  /** Only work out what would be copied, transfer nothing (plan mode). */
  dryRun?: boolean;
}

export interface CopyResult {
  /** The digest now at the destination tag (the source digest when platforms is `all`). */
  descriptor: Descriptor;
  items: CopyItem[];
  /**
   * Set when the destination digest differs from the source's (a platform subset of an index was copied): the
   * source digest and why. Absent when the source manifest was copied byte for byte.
   */
  rewritten?: { sourceDigest: string; why: string };
}

export interface OciRegistry {
  /** For messages: `registry.example:5000`. */
  where: string;
  /** The manifest a tag or digest names; undefined when the repository or reference does not exist. */
  resolve(ref: ImageRef, signal?: AbortSignal): Promise<Descriptor | undefined>;
  /**
   * Copies `from` (by digest) in `src` to `to` (a tag) here: blobs first (skipping present ones, mounting within one
   * registry), manifests with their exact bytes and media type, children before the index. Verifies every digest.
   */
  copyFrom(src: OciRegistry, from: ImageRef, to: ImageRef, o: CopyOptions): Promise<CopyResult>;
}

/** A server-side import (ACR importImage): no bytes pass through the runner. */
export interface ImageImporter {
  where: string;
  importImage(
    from: ImageRef & { digest: string },
    to: ImageRef,
    o: {
      mode: 'NoForce' | 'Force';
      credentials?: { username: string; password: string };
      signal: AbortSignal;
    },
  ): Promise<void>;
}

/** A repository-scoped pull credential the cluster uses (ACR token, or the registry user for oci mode). */
export interface PullCredential {
  username: string;
  password: string;
  /** When the password was created (rotation), if known. */
  createdAt?: Date;
}
