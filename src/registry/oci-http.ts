// An OCI distribution registry over HTTPS (the distribution API v2), implementing OciRegistry. Copies follow the
// tools that get it right (DESIGN.md §2): blobs first (blob-copy.ts: HEAD → present, same host → cross-repository
// mount, else a streamed upload verified while it streams), then manifests with their exact bytes and media type,
// children before the index (copy-plan.ts), bounded concurrency, retries with backoff and jitter honouring
// Retry-After (retry.ts). No layer is ever held in memory.
import { copyBlob } from './blob-copy.js';
import type { BlobCopy } from './blob-copy.js';
import type { RegistryAuth } from './auth.js';
import { createRegistryClient, pullScope } from './client.js';
import type { RegistryClient } from './client.js';
import {
  choosePlatforms,
  copyOrder,
  IMAGE_TYPES,
  INDEX_TYPES,
  MANIFEST_ACCEPT,
  platformMatches,
  platformOf,
} from './copy-plan.js';
import type { ManifestNode, Platform } from './copy-plan.js';
import { RegistryError } from './errors.js';
import { isDigest } from './image-ref.js';
import { pool } from './retry.js';
import { createTransport } from './transport.js';
import type { CopyItem, CopyOptions, CopyResult, Descriptor, ImageRef, OciRegistry } from './types.js';

export { DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST } from './copy-plan.js';

export interface OciHttpOptions {
  /** PEM bundle trusted in addition to the system roots. TLS verification is never turned off. */
  ca?: string;
  /** Blobs transferred at once (default 3). */
  concurrency?: number;
  /** Blobs larger than this go up in chunks (PATCH + Content-Range) rather than one PUT (default 100 MiB). */
  monolithicLimit?: number;
  /** Chunk size for chunked uploads (default 64 MiB); each chunk is streamed, never buffered. */
  chunkSize?: number;
  /** Retries after the first attempt (default 4); delays grow exponentially from retryBaseMs (default 500). */
  retries?: number;
  retryBaseMs?: number;
  /** Longest wait between attempts, Retry-After included (default 30 s). */
  retryMaxMs?: number;
  /** A socket with no data for this long fails (retryably); default 120 s. */
  idleTimeoutMs?: number;
}

/** How a destination adapter reaches a source adapter's registry (both made here). */
const CLIENT = Symbol('oci-http client');
type WithClient = OciRegistry & { [CLIENT]?: RegistryClient };

export function ociHttpRegistry(base: URL, auth: RegistryAuth, o: OciHttpOptions = {}): OciRegistry {
  const transport = createTransport({
    ...(o.ca !== undefined ? { ca: o.ca } : {}),
    ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
  });
  const client = createRegistryClient(base, auth, transport, {
    retries: o.retries ?? 4,
    baseMs: o.retryBaseMs ?? 500,
    maxMs: o.retryMaxMs ?? 30_000,
  });
  const registry: WithClient = {
    where: client.where,
    [CLIENT]: client,
    resolve: (ref, signal) => resolve(client, ref, signal ?? new AbortController().signal),
    copyFrom: (src, from, to, opts) => copy(src, client, from, to, opts, o),
  };
  return registry;
}

/** HEAD the manifest (falling back to GET when HEAD is refused or carries no digest); 404 → undefined. */
async function resolve(
  c: RegistryClient,
  ref: ImageRef,
  signal: AbortSignal,
): Promise<Descriptor | undefined> {
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const repo = ref.repository;
  // HEAD answers carry no error body: on a refusal (401, 403, …) the GET below reports the registry's own code.
  const head = await c.retrying(signal, async () => {
    const a = await c.call({
      method: 'HEAD',
      url: c.api(`${repo}/manifests/${reference}`),
      repo,
      scopes: [pullScope(repo)],
      what: `manifest ${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      pass: (x) => ['not-found', 'rejected', 'unauthorized', 'denied'].includes(x.kind),
      signal,
    });
    a.body.resume();
    return a;
  });
  if (head.status === 404) return undefined;
  const digest = String(head.headers['docker-content-digest'] ?? '');
  const type =
    String(head.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim() ?? '';
  const size = Number(head.headers['content-length'] ?? NaN);
  const usable = head.status < 300 && isDigest(digest) && type !== '' && Number.isFinite(size);
  if (usable && (!ref.digest || digest === ref.digest)) return { digest, mediaType: type, size };
  try {
    const m = await c.fetchManifest(repo, reference, signal);
    return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
  } catch (e) {
    if (e instanceof RegistryError && e.kind === 'not-found') return undefined;
    throw e;
  }
}

/** The manifest `digest` and everything under it, each verified against its digest. */
async function walk(
  src: RegistryClient,
  repo: string,
  digest: string,
  signal: AbortSignal,
): Promise<ManifestNode> {
  const m = await src.fetchManifest(repo, digest, signal);
  const doc = JSON.parse(m.bytes.toString('utf8')) as {
    schemaVersion?: number;
    manifests?: Descriptor[];
    config?: Descriptor;
    layers?: Descriptor[];
  };
  if (INDEX_TYPES.has(m.mediaType)) {
    const children: ManifestNode[] = [];
    for (const c of doc.manifests ?? []) children.push(await walk(src, repo, c.digest, signal));
    return { ...m, children, blobs: [] };
  }
  if (IMAGE_TYPES.has(m.mediaType) && doc.config) {
    return { ...m, children: [], blobs: [doc.config, ...(doc.layers ?? [])] };
  }
  throw new RegistryError({
    kind: 'unsupported',
    problem: `manifest ${digest} in ${src.where}/${repo} has media type ${m.mediaType || '(none)'}${doc.schemaVersion === 1 ? ' (Docker schema 1)' : ''}, which this copy does not handle`,
    fix: 'copy an image whose manifest is OCI or Docker schema 2 (re-push it with a current client)',
  });
}

/** The manifest the tag gets, given the platforms asked for; throws when the image lacks one of them. */
async function chooseTop(
  src: RegistryClient,
  repo: string,
  root: ManifestNode,
  platforms: CopyOptions['platforms'],
  signal: AbortSignal,
): Promise<{ top: ManifestNode; rewritten?: CopyResult['rewritten'] }> {
  if (platforms === 'all') return { top: root };
  const label = `${src.where}/${repo}@${root.digest}`;
  if (root.children.length > 0) {
    const choice = choosePlatforms(root, platforms);
    if ('problem' in choice) {
      throw new RegistryError({
        kind: 'not-found',
        problem: `${label} ${choice.problem}`,
        fix: 'choose platforms the image has, or all',
      });
    }
    return choice;
  }
  // A single image: its config says which platform it is.
  const config = root.blobs[0] as Descriptor;
  const p = platformOf(
    JSON.parse((await src.readSmallBlob(repo, config, signal)).toString('utf8')) as Platform,
  );
  if (!platforms.some((w) => platformMatches(w, p))) {
    throw new RegistryError({
      kind: 'not-found',
      problem: `${label} is a single-platform image for ${p}, not ${platforms.join(', ')}`,
      fix: 'choose the platform the image has, or all',
    });
  }
  return { top: root };
}

async function copy(
  srcRegistry: OciRegistry,
  dst: RegistryClient,
  from: ImageRef,
  to: ImageRef,
  opts: CopyOptions,
  o: OciHttpOptions,
): Promise<CopyResult> {
  const src = (srcRegistry as WithClient)[CLIENT];
  if (!src) {
    throw new RegistryError({
      kind: 'unsupported',
      problem: `copy from ${srcRegistry.where}: the source is not an OCI HTTP registry adapter`,
      fix: 'create the source with ociHttpRegistry',
    });
  }
  const signal = opts.signal;
  const reference = to.tag ?? to.digest;
  if (!reference) {
    throw new RegistryError({
      kind: 'rejected',
      problem: `no tag to write in ${dst.where}/${to.repository}`,
      fix: 'name a tag',
    });
  }
  let sourceDigest = from.digest;
  if (!sourceDigest) {
    const d = await srcRegistry.resolve(from, signal);
    if (!d) {
      throw new RegistryError({
        kind: 'not-found',
        problem: `${src.where}/${from.repository}:${from.tag ?? 'latest'} does not exist`,
        fix: 'check the source repository and tag',
      });
    }
    sourceDigest = d.digest;
  }
  const root = await walk(src, from.repository, sourceDigest, signal);
  const { top, rewritten } = await chooseTop(src, from.repository, root, opts.platforms, signal);
  const { blobs, manifests } = copyOrder(top);

  const items: CopyItem[] = [];
  const bytesTotal = blobs.reduce((s, b) => s + b.size, 0);
  let bytesDone = 0;
  const job: BlobCopy = {
    src,
    srcRepo: from.repository,
    dst,
    dstRepo: to.repository,
    monolithicLimit: o.monolithicLimit ?? 100 * 1024 * 1024,
    chunkSize: o.chunkSize ?? 64 * 1024 * 1024,
    dryRun: opts.dryRun ?? false,
    progress(n) {
      bytesDone += n;
      opts.onProgress?.({ bytesDone, bytesTotal });
    },
  };
  await pool(blobs, o.concurrency ?? 3, signal, async (d, s) => {
    items.push(await copyBlob(job, d, s));
  });

  // Children by digest, then the top manifest under the tag: a tag never names a manifest whose parts are missing.
  for (const m of manifests) {
    const ref = m === top ? reference : m.digest;
    const present = (await dst.manifestDigestAt(to.repository, ref, signal)) === m.digest;
    items.push({
      kind: 'manifest',
      digest: m.digest,
      size: m.bytes.length,
      how: present ? 'present' : 'upload',
    });
    if (!present && !opts.dryRun) await dst.putManifest(to.repository, ref, m, signal);
  }
  return {
    descriptor: { digest: top.digest, mediaType: top.mediaType, size: top.bytes.length },
    items,
    ...(rewritten ? { rewritten } : {}),
  };
}
