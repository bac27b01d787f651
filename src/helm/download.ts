// Downloads for the helm installer: network errors and 408/429/5xx answers are tried again with exponential backoff
// and jitter (bounded attempts), an attempt that receives nothing for a while is abandoned and tried again, and an
// archive is streamed to its file while it is hashed (SHA-256), with progress logged by bytes. Messages name the
// URL and what happened, never a header.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../pipeline/logger.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The wait before the first retry; doubled for each later one, with jitter. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 1000, maxMs: 15_000 };

export interface DownloadOptions {
  fetch: typeof fetch;
  retry: RetryPolicy;
  signal: AbortSignal;
  log: Logger;
  /** An attempt that receives nothing for this long is abandoned (and tried again); default 60 s. */
  idleMs?: number;
}

/** A download that failed for good; `status` is the HTTP status when the server answered. */
export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Far more than a helm archive (about 20 MB): a server sending more is not serving helm. */
const MAX_BYTES = 512 * 1024 * 1024;
const MAX_TEXT = 64 * 1024;

class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The wait before retry `n` (0-based), pure: base·2ⁿ capped at max, scaled by 0.5-1 for jitter. */
export function backoffMs(p: RetryPolicy, n: number, random: number): number {
  return Math.round(Math.min(p.maxMs, p.baseMs * 2 ** n) * (0.5 + random / 2));
}

function asFailure(e: unknown): AttemptFailure {
  if (e instanceof AttemptFailure) return e;
  // fetch says "fetch failed" or "terminated"; its cause says what happened (connect ECONNREFUSED ..., other side
  // closed) and how Node names it.
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = typeof cause?.message === 'string' ? cause.message : (e as Error).message;
  const text = code && !message.includes(code) ? `${message} (${code})` : message;
  // A name that does not resolve will not resolve on the next try either.
  return new AttemptFailure(text, code !== 'ENOTFOUND');
}

function checkAnswer(res: Response): void {
  if (res.ok && res.body) return;
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new AttemptFailure(
    `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
    retryable,
    res.status,
  );
}

/** Runs one attempt after another until one succeeds, a failure is final, or the attempts are used up. */
async function withRetries<T>(
  url: string,
  o: DownloadOptions,
  attempt: (signal: AbortSignal, idle: () => void) => Promise<T>,
): Promise<T> {
  for (let n = 1; ; n++) {
    const stalled = new AbortController();
    const idleMs = o.idleMs ?? 60_000;
    const timer = setTimeout(() => stalled.abort(), idleMs);
    try {
      return await attempt(AbortSignal.any([o.signal, stalled.signal]), () => timer.refresh());
    } catch (e) {
      if (o.signal.aborted) throw o.signal.reason;
      const f = stalled.signal.aborted
        ? new AttemptFailure(`nothing received for ${idleMs / 1000} s`, true)
        : asFailure(e);
      if (!f.retryable || n >= o.retry.attempts)
        throw new DownloadError(`${url}: ${f.message}${n > 1 ? ` (after ${n} attempts)` : ''}`, f.status);
      const wait = backoffMs(o.retry, n - 1, Math.random());
      const after = wait < 1000 ? `${wait} ms` : `${(wait / 1000).toFixed(1)} s`;
      o.log.warn(
        `download of ${url} failed (${f.message}); trying again in ${after} (attempt ${n + 1} of ${o.retry.attempts})`,
      );
      await delay(wait, undefined, { signal: o.signal });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A small text file (a .sha256sum), read in full. */
export function fetchText(url: string, o: DownloadOptions): Promise<string> {
  return withRetries(url, o, async (signal, idle) => {
    const res = await o.fetch(url, { signal });
    checkAnswer(res);
    let text = '';
    for await (const chunk of Readable.fromWeb(res.body as never)) {
      idle();
      text += String(chunk);
      if (text.length > MAX_TEXT) throw new AttemptFailure(`more than ${MAX_TEXT} bytes`, false);
    }
    return text;
  });
}

/** Logs how far a download is: at each quarter when the size is known, else every 16 MiB. */
function progress(log: Logger, name: string, total: number | undefined): (bytes: number) => void {
  const step = total ? Math.ceil(total / 4) : 16 * 1024 * 1024;
  let next = step;
  return (bytes) => {
    if (bytes < next || (total !== undefined && bytes >= total)) return;
    while (next <= bytes) next += step;
    log.info(
      `${name}: ${bytes} of ${total ?? '?'} bytes${total ? ` (${Math.floor((100 * bytes) / total)}%)` : ''}`,
    );
  };
}

/** Streams `url` into `file` (replaced on each attempt); the SHA-256 (hex) and size of what was written. */
export function downloadFile(
  url: string,
  file: string,
  name: string,
  o: DownloadOptions,
): Promise<{ sha256: string; bytes: number }> {
  return withRetries(url, o, async (signal, idle) => {
    const res = await o.fetch(url, { signal });
    checkAnswer(res);
    const length = Number(res.headers.get('content-length') ?? NaN);
    const total = Number.isFinite(length) ? length : undefined;
    if (total !== undefined && total > MAX_BYTES)
      throw new AttemptFailure(`it is ${total} bytes, more than a helm archive can be`, false);
    const hash = createHash('sha256');
    const report = progress(o.log, name, total);
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        idle();
        bytes += chunk.length;
        if (bytes > MAX_BYTES) return done(new AttemptFailure(`more than ${MAX_BYTES} bytes`, false));
        hash.update(chunk);
        report(bytes);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as never), tap, createWriteStream(file), { signal });
    if (total !== undefined && bytes !== total)
      throw new AttemptFailure(`the connection ended after ${bytes} of ${total} bytes`, true);
    o.log.info(`${name}: ${bytes} bytes downloaded`);
    return { sha256: hash.digest('hex'), bytes };
  });
}
