// One blob from a source registry to a destination: present (HEAD) → nothing; same host → cross-repository mount;
// else a streamed upload, verified while it streams: one PUT (Content-Length) up to the monolithic limit, chunked
// PATCHes with Content-Range above it or when the registry refuses one PUT. A failed attempt starts over (the
// caller's retries); the bytes it had counted are taken back from the progress.
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { RegistryClient } from './client.js';
import { pushScope } from './client.js';
import { RegistryError, registryErrorBody } from './errors.js';
import { ChunkSplitter, VerifyingStream } from './streams.js';
import { readText } from './transport.js';
import type { CopyItem, Descriptor } from './types.js';

export interface BlobCopy {
  src: RegistryClient;
  srcRepo: string;
  dst: RegistryClient;
  dstRepo: string;
  monolithicLimit: number;
  chunkSize: number;
  dryRun: boolean;
  /** Bytes done so far (negative to take back bytes of a failed attempt). */
  progress(n: number): void;
}

/** Statuses with which a registry refuses a monolithic PUT (then: chunks). */
const MONOLITHIC_REFUSED = [400, 405, 413, 416, 501];

export async function copyBlob(c: BlobCopy, d: Descriptor, signal: AbortSignal): Promise<CopyItem> {
  const item = (how: CopyItem['how']): CopyItem => ({ kind: 'blob', digest: d.digest, size: d.size, how });
  if (await c.dst.blobExists(c.dstRepo, d.digest, signal)) {
    c.progress(d.size);
    return item('present');
  }
  const mount = c.src.where === c.dst.where && c.srcRepo !== c.dstRepo;
  if (c.dryRun) return item(mount ? 'mount' : 'upload');
  let counted = 0;
  const count = (n: number) => {
    counted += n;
    c.progress(n);
  };
  let chunked = d.size > c.monolithicLimit;
  return c.dst.retrying(signal, async () => {
    c.progress(-counted);
    counted = 0;
    for (;;) {
      const started = await c.dst.startUpload(
        c.dstRepo,
        signal,
        mount ? { digest: d.digest, repo: c.srcRepo } : undefined,
      );
      if (started.mounted) {
        count(d.size);
        return item('mount');
      }
      const r = await upload(c, d, started.location, chunked, count, signal);
      if (r === 'done') return item('upload');
      // The registry will not take one PUT: start over in chunks.
      chunked = true;
      c.progress(-counted);
      counted = 0;
    }
  });
}

async function upload(
  c: BlobCopy,
  d: Descriptor,
  location: URL,
  chunked: boolean,
  count: (n: number) => void,
  signal: AbortSignal,
): Promise<'done' | 'refused'> {
  const source = await c.src.openBlob(c.srcRepo, d, signal);
  const from = `${c.src.where}/${c.srcRepo}`;
  const len = source.headers['content-length'];
  if (len !== undefined && Number(len) !== d.size) {
    source.body.destroy();
    throw new RegistryError({
      kind: 'digest-mismatch',
      problem: `blob ${d.digest} from ${from} is ${len} bytes where its descriptor says ${d.size}; nothing was tagged`,
      fix: `repair or re-push the image at ${c.src.where}`,
    });
  }
  const verified = source.body.pipe(new VerifyingStream(d, from, count));
  source.body.on('error', (e) => verified.destroy(e));
  try {
    return chunked
      ? await sendChunked(c, d, location, verified, signal)
      : await sendWhole(c, d, location, verified, signal);
  } finally {
    // Whatever happened, stop reading the source (a failed attempt must not leave its socket streaming).
    source.body.destroy();
  }
}

const withDigest = (loc: URL, digest: string) => {
  const u = new URL(loc);
  u.searchParams.set('digest', digest);
  return u;
};

const putBlob = (
  c: BlobCopy,
  d: Descriptor,
  url: URL,
  body: Readable | Buffer,
  length: number,
  s: AbortSignal,
) =>
  c.dst.call({
    method: 'PUT',
    url,
    repo: c.dstRepo,
    scopes: [pushScope(c.dstRepo)],
    what: `blob ${d.digest}`,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(length) },
    body,
    pass: (x, st) => length > 0 && MONOLITHIC_REFUSED.includes(st) && x.kind !== 'unauthorized',
    signal: s,
  });

/** One PUT ?digest= with the whole blob streamed. */
async function sendWhole(
  c: BlobCopy,
  d: Descriptor,
  location: URL,
  verified: Readable,
  signal: AbortSignal,
): Promise<'done' | 'refused'> {
  const a = await putBlob(c, d, withDigest(location, d.digest), verified, d.size, signal);
  const body = await readText(a).catch(() => '');
  if (a.status === 201) return 'done';
  verified.destroy();
  const said = registryErrorBody(body);
  if (said?.code === 'DIGEST_INVALID' || said?.code === 'SIZE_INVALID') {
    throw new RegistryError({
      kind: 'digest-mismatch',
      status: a.status,
      code: said.code,
      registryMessage: said.message,
      problem: `${c.dst.where}/${c.dstRepo} rejected blob ${d.digest}: ${said.code} ${said.message}`,
      fix: `repair or re-push the image at ${c.src.where}`,
    });
  }
  return 'refused';
}

/**
 * PATCHes of at most chunkSize bytes with Content-Range, then PUT ?digest= with no body. The splitter hands each
 * slice to its own request as it arrives (subarrays, no copies, backpressure kept).
 */
async function sendChunked(
  c: BlobCopy,
  d: Descriptor,
  location: URL,
  verified: Readable,
  signal: AbortSignal,
): Promise<'done'> {
  let loc = location;
  const patch = async (body: Readable, offset: number, n: number) => {
    const a = await c.dst.call({
      method: 'PATCH',
      url: loc,
      repo: c.dstRepo,
      scopes: [pushScope(c.dstRepo)],
      what: `blob ${d.digest}`,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(n),
        'content-range': `${offset}-${offset + n - 1}`,
      },
      body,
      signal,
    });
    a.body.resume();
    if (a.headers.location) loc = new URL(a.headers.location, c.dst.base);
  };
  await pipeline(verified, new ChunkSplitter(d.size, c.chunkSize, patch));
  const a = await putBlob(c, d, withDigest(loc, d.digest), Buffer.alloc(0), 0, signal);
  a.body.resume();
  return 'done';
}
