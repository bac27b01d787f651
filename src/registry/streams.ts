// The streams a blob copy is made of: a verifier that hashes bytes as they pass and holds the last chunk back
// until the digest matches (so a corrupted blob never reaches the destination whole), and a splitter that turns one
// stream into consecutive chunk-sized request bodies (chunked uploads). Neither copies or buffers more than a chunk.
import { createHash } from 'node:crypto';
import { PassThrough, Transform, Writable } from 'node:stream';
import type { Readable, TransformCallback } from 'node:stream';
import { RegistryError } from './errors.js';
import { blobGcPacer } from './gc-pacer.js';
import type { Descriptor } from './types.js';

export function digestOf(algo: string, data: Buffer): string {
  return `${algo}:${createHash(algo).update(data).digest('hex')}`;
}

export function algoOf(digest: string): string {
  const a = digest.slice(0, digest.indexOf(':'));
  if (a !== 'sha256' && a !== 'sha512') {
    throw new RegistryError({
      kind: 'unsupported',
      problem: `digest ${digest} uses an algorithm this adapter does not verify`,
      fix: 'use a sha256 digest',
    });
  }
  return a;
}

/** Passes bytes through while hashing; holds the last chunk back until the digest is verified. */
export class VerifyingStream extends Transform {
  private readonly hash;
  private held: Buffer | undefined;
  private n = 0;
  private readonly pacer = blobGcPacer();
  constructor(
    private readonly expected: Descriptor,
    private readonly where: string,
    private readonly onBytes: (n: number) => void,
  ) {
    super();
    this.hash = createHash(algoOf(expected.digest));
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.n += chunk.length;
    this.pacer.streamed(chunk.length);
    if (this.n > this.expected.size) {
      cb(this.mismatch(`more than the ${this.expected.size} bytes its descriptor says`));
      return;
    }
    const out = this.held;
    this.held = chunk;
    if (out) {
      this.onBytes(out.length);
      cb(null, out);
    } else cb();
  }
  override _flush(cb: TransformCallback): void {
    if (this.n !== this.expected.size) {
      cb(this.mismatch(`${this.n} bytes where its descriptor says ${this.expected.size}`));
      return;
    }
    const got = `${algoOf(this.expected.digest)}:${this.hash.digest('hex')}`;
    if (got !== this.expected.digest) {
      cb(this.mismatch(`content whose digest is ${got}`));
      return;
    }
    if (this.held) {
      this.onBytes(this.held.length);
      this.push(this.held);
    }
    cb();
  }
  private mismatch(what: string): RegistryError {
    return new RegistryError({
      kind: 'digest-mismatch',
      problem: `blob ${this.expected.digest} from ${this.where} has ${what}: the source is corrupted or was tampered with; nothing was tagged`,
      fix: `repair or re-push the image at the source registry; blob ${this.expected.digest} must match its digest`,
    });
  }
}

/**
 * Writes a byte stream as consecutive slices of at most `chunkSize` bytes, each to a stream of its own that `send`
 * turns into one request; the next slice starts once the previous request has been answered.
 */
export class ChunkSplitter extends Writable {
  private offset = 0;
  private current: { body: PassThrough; left: number; answered: Promise<void> } | undefined;
  constructor(
    private readonly total: number,
    private readonly chunkSize: number,
    private readonly send: (body: Readable, offset: number, n: number) => Promise<void>,
  ) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.take(chunk).then(() => cb(), cb);
  }
  override _final(cb: (e?: Error | null) => void): void {
    cb(
      this.offset === this.total && !this.current
        ? null
        : new Error(`blob ended at byte ${this.offset} of ${this.total}`),
    );
  }
  override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
    // Without an error: the body may not have a listener yet, and the request fails as cut short anyway.
    this.current?.body.destroy();
    cb(e);
  }
  private async take(chunk: Buffer): Promise<void> {
    let b = chunk;
    while (b.length > 0) {
      if (!this.current) {
        const n = Math.min(this.chunkSize, this.total - this.offset);
        if (n <= 0) throw new Error(`blob longer than its ${this.total} bytes`);
        const body = new PassThrough();
        const answered = this.send(body, this.offset, n);
        answered.catch(() => undefined); // observed below
        this.current = { body, left: n, answered };
        this.offset += n;
      }
      const cur = this.current;
      const part = b.subarray(0, cur.left);
      b = b.subarray(part.length);
      cur.left -= part.length;
      const ok = cur.body.write(part);
      if (cur.left === 0) {
        cur.body.end();
        await cur.answered;
        this.current = undefined;
      } else if (!ok) {
        await new Promise<void>((resolve, reject) => {
          cur.body.once('drain', resolve);
          cur.answered.then(
            () => reject(new Error('the registry answered before the chunk was sent')),
            reject,
          );
        });
      }
    }
  }
}
