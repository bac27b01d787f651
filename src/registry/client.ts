// One registry's HTTP API with authentication and retries: the requests the OCI adapter is made of. `call` sends one
// request (a 401 gets one retry with fresh credentials), maps the answer (interpret.ts) and turns refusals into
// RegistryErrors that name the registry and repository and carry the registry's own error code, never a secret.
import { Readable } from 'node:stream';
import type { Challenge, RegistryAuth } from './auth.js';
import { parseChallenge } from './auth.js';
import { MANIFEST_ACCEPT } from './copy-plan.js';
import { RegistryError, registryErrorBody } from './errors.js';
import { isDigest } from './image-ref.js';
import { interpretAnswer } from './interpret.js';
import type { RegistryAnswer } from './interpret.js';
import type { RetryPolicy } from './retry.js';
import { withRetries } from './retry.js';
import { algoOf, digestOf } from './streams.js';
import type { Answer, Transport } from './transport.js';
import { readBytes, readText } from './transport.js';
import type { Descriptor } from './types.js';

const MANIFEST_LIMIT = 4 * 1024 * 1024;

export interface Call {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  repo: string;
  scopes: string[];
  /** For messages: `manifest <ref>`, `blob <digest>`. */
  what: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Answers the caller handles itself (not thrown): e.g. 404 for resolve. */
  pass?: (a: RegistryAnswer, status: number) => boolean;
  signal: AbortSignal;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface RegistryClient {
  /** host[:port] */
  where: string;
  base: URL;
  api(path: string): URL;
  call(c: Call): Promise<Answer>;
  retrying<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T>;
  /** GET a manifest (exact bytes); by digest, the bytes are verified against it. */
  fetchManifest(repo: string, reference: string, signal: AbortSignal): Promise<FetchedManifest>;
  /** GET a blob: the answer, body unread (a stream). */
  openBlob(repo: string, d: Descriptor, signal: AbortSignal): Promise<Answer>;
  /** GET a small blob (a config) whole, verified. */
  readSmallBlob(repo: string, d: Descriptor, signal: AbortSignal): Promise<Buffer>;
  /** HEAD a blob (push scope: for the destination). */
  blobExists(repo: string, digest: string, signal: AbortSignal): Promise<boolean>;
  /** HEAD a manifest: its digest, or undefined when there is none (push scope: for the destination). */
  manifestDigestAt(repo: string, reference: string, signal: AbortSignal): Promise<string | undefined>;
  /** POST an upload, with a cross-repository mount when `mountFrom` is given: mounted, or the session URL. */
  startUpload(
    repo: string,
    signal: AbortSignal,
    mountFrom?: { digest: string; repo: string },
  ): Promise<{ mounted: true } | { mounted: false; location: URL }>;
  /** PUT a manifest with its exact bytes and media type; checks the digest the registry stored. */
  putManifest(repo: string, reference: string, m: FetchedManifest, signal: AbortSignal): Promise<void>;
}

export const pullScope = (repo: string) => `repository:${repo}:pull`;
export const pushScope = (repo: string) => `repository:${repo}:pull,push`;

export function createRegistryClient(
  base: URL,
  auth: RegistryAuth,
  transport: Transport,
  policy: RetryPolicy,
): RegistryClient {
  const where = base.host;
  let challenge: Challenge | undefined;
  const api = (path: string) => new URL(`/v2/${path}`, base);
  const pull = pullScope;
  const push = pushScope;
  const retrying = <T>(signal: AbortSignal, fn: () => Promise<T>) => withRetries(policy, signal, fn);
  const tokenGet = async (url: URL, headers: Record<string, string>, signal?: AbortSignal) => {
    const a = await transport.get({ url, headers, ...(signal ? { signal } : {}) });
    return { status: a.status, body: await readText(a) };
  };
  const authorization = async (scopes: string[], fresh: boolean, signal: AbortSignal) =>
    challenge === undefined && !fresh
      ? undefined
      : auth.authorization(challenge, scopes, { fresh, get: tokenGet, signal });

  async function failure(c: Call, a: Answer, ans: RegistryAnswer, retryable = false): Promise<RegistryError> {
    const said = registryErrorBody(await readText(a).catch(() => ''));
    const subject = `${c.method} ${c.what} in ${where}/${c.repo}`;
    const reg = said ? `: ${said.code}${said.message ? ` ${said.message}` : ''}` : '';
    const common = {
      status: a.status,
      ...(said ? { code: said.code, registryMessage: said.message } : {}),
    };
    const reading = c.method === 'GET' || c.method === 'HEAD';
    const denied = (status: string) =>
      new RegistryError({
        ...common,
        kind: 'denied',
        problem: `${where} denied ${auth.describe} ${reading ? 'reading' : 'writing'} ${c.repo} (${status}${reg})`,
        fix: `grant ${auth.describe} ${reading ? (auth.grants?.pull ?? 'pull access') : (auth.grants?.push ?? 'push access')} on ${c.repo} at ${where}`,
      });
    switch (ans.kind) {
      case 'unauthorized':
        // Token auth: a token without the scope asked for (e.g. pull-only, asking to push) is a denial. Without
        // credentials it is what registries answer for a private or missing repository: that is said instead.
        if (ans.challenge?.params['error'] === 'insufficient_scope' && auth.describe !== 'anonymous')
          return denied('HTTP 401 insufficient_scope');
        return new RegistryError({
          ...common,
          kind: 'unauthorized',
          retryable,
          problem: `${where} refused ${auth.describe} for ${c.repo} (HTTP 401${reg})`,
          fix:
            auth.describe === 'anonymous'
              ? `give credentials for ${where} (it does not serve ${c.repo} without them), or check the repository name: registries answer a missing repository this way too`
              : `check the credentials for ${where}: they are wrong, expired, or not valid for this registry`,
        });
      case 'denied':
        return denied('HTTP 403');
      case 'not-found':
        return new RegistryError({
          ...common,
          kind: 'not-found',
          problem: `${subject}: not found (HTTP 404${reg})`,
          fix: `check the repository and reference: ${where}/${c.repo} has no ${c.what}`,
        });
      case 'retry-after':
      case 'server-error':
        return new RegistryError({
          ...common,
          kind: 'server-error',
          retryable: true,
          ...(ans.kind === 'retry-after' && ans.afterMs !== undefined ? { retryAfterMs: ans.afterMs } : {}),
          problem: `${subject}: HTTP ${a.status}${reg}`,
          fix: `retry later: ${where} is busy or failing`,
        });
      default:
        return new RegistryError({
          ...common,
          kind: 'rejected',
          problem: `${subject}: HTTP ${a.status}${reg}`,
          fix: `${where} refused the request; see its message`,
        });
    }
  }

  /** One request with auth: a 401 gets one more try with a fresh token (if the body can be sent again). */
  async function call(c: Call): Promise<Answer> {
    const headers = { ...c.headers };
    const h = await authorization(c.scopes, false, c.signal);
    if (h) headers['authorization'] = h;
    const go = (hd: Record<string, string>) =>
      c.method === 'GET' || c.method === 'HEAD'
        ? transport.get({ method: c.method, url: c.url, headers: hd, signal: c.signal })
        : transport.send({
            method: c.method,
            url: c.url,
            headers: hd,
            signal: c.signal,
            ...(c.body ? { body: c.body } : {}),
          });
    let a = await go(headers);
    let ans = interpretAnswer(a.status, a.headers);
    if (ans.kind === 'unauthorized' && !(c.body instanceof Readable)) {
      const fresh = ans.challenge ?? parseChallenge(String(a.headers['www-authenticate'] ?? ''));
      const hadAuth = headers['authorization'] !== undefined;
      const sameChallenge = fresh?.scheme === challenge?.scheme;
      if (fresh && (!hadAuth || fresh.scheme === 'bearer' || !sameChallenge)) {
        challenge = fresh;
        a.body.resume();
        const retried = await authorization(c.scopes, true, c.signal);
        if (retried) {
          a = await go({ ...c.headers, authorization: retried });
          ans = interpretAnswer(a.status, a.headers);
        }
      }
    }
    if (ans.kind === 'ok' || c.pass?.(ans, a.status)) return a;
    // A streamed body cannot be sent again here: a 401 on it is retryable, and the blob-level retry starts over
    // (its first bodiless request renews the token).
    throw await failure(c, a, ans, ans.kind === 'unauthorized' && c.body instanceof Readable);
  }

  async function fetchManifest(
    repo: string,
    reference: string,
    signal: AbortSignal,
  ): Promise<FetchedManifest> {
    return retrying(signal, async () => {
      const a = await call({
        method: 'GET',
        url: api(`${repo}/manifests/${reference}`),
        repo,
        scopes: [pull(repo)],
        what: `manifest ${reference}`,
        headers: { accept: MANIFEST_ACCEPT },
        signal,
      });
      const bytes = await readBytes(a, MANIFEST_LIMIT);
      let mediaType =
        String(a.headers['content-type'] ?? '')
          .split(';')[0]
          ?.trim() ?? '';
      try {
        const mt = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
        if (typeof mt === 'string' && mt) mediaType = mt;
      } catch {
        throw new RegistryError({
          kind: 'unsupported',
          problem: `manifest ${reference} in ${where}/${repo} is not JSON`,
          fix: 'check the reference',
        });
      }
      if (isDigest(reference)) {
        const got = digestOf(algoOf(reference), bytes);
        if (got !== reference) {
          throw new RegistryError({
            kind: 'digest-mismatch',
            problem: `manifest ${reference} from ${where}/${repo} has content whose digest is ${got}; nothing was tagged`,
            fix: `repair or re-push the image at ${where}: manifest ${reference} must match its digest`,
          });
        }
        return { digest: reference, mediaType, bytes };
      }
      const header = String(a.headers['docker-content-digest'] ?? '');
      return { digest: isDigest(header) ? header : digestOf('sha256', bytes), mediaType, bytes };
    });
  }

  const openBlob = (repo: string, d: Descriptor, signal: AbortSignal) =>
    call({
      method: 'GET',
      url: api(`${repo}/blobs/${d.digest}`),
      repo,
      scopes: [pull(repo)],
      what: `blob ${d.digest}`,
      signal,
    });

  async function readSmallBlob(repo: string, d: Descriptor, signal: AbortSignal): Promise<Buffer> {
    return retrying(signal, async () => {
      const bytes = await readBytes(await openBlob(repo, d, signal), MANIFEST_LIMIT);
      if (digestOf(algoOf(d.digest), bytes) !== d.digest) {
        throw new RegistryError({
          kind: 'digest-mismatch',
          problem: `blob ${d.digest} from ${where}/${repo} does not match its digest; nothing was tagged`,
          fix: `repair or re-push the image at ${where}`,
        });
      }
      return bytes;
    });
  }

  async function blobExists(repo: string, digest: string, signal: AbortSignal): Promise<boolean> {
    return retrying(signal, async () => {
      const a = await call({
        method: 'HEAD',
        url: api(`${repo}/blobs/${digest}`),
        repo,
        scopes: [push(repo)],
        what: `blob ${digest}`,
        pass: (x) => x.kind === 'not-found',
        signal,
      });
      a.body.resume();
      return a.status === 200;
    });
  }

  async function manifestDigestAt(repo: string, reference: string, signal: AbortSignal) {
    return retrying(signal, async () => {
      const a = await call({
        method: 'HEAD',
        url: api(`${repo}/manifests/${reference}`),
        repo,
        scopes: [push(repo)],
        what: `manifest ${reference}`,
        headers: { accept: MANIFEST_ACCEPT },
        pass: (x) => x.kind === 'not-found',
        signal,
      });
      a.body.resume();
      return a.status === 200 ? String(a.headers['docker-content-digest'] ?? '') : undefined;
    });
  }

  async function startUpload(
    repo: string,
    signal: AbortSignal,
    mountFrom?: { digest: string; repo: string },
  ): Promise<{ mounted: true } | { mounted: false; location: URL }> {
    const url = api(`${repo}/blobs/uploads/`);
    if (mountFrom) {
      url.searchParams.set('mount', mountFrom.digest);
      url.searchParams.set('from', mountFrom.repo);
    }
    const a = await retrying(signal, () =>
      call({
        method: 'POST',
        url,
        repo,
        scopes: mountFrom ? [push(repo), pull(mountFrom.repo)] : [push(repo)],
        what: 'blob upload',
        headers: { 'content-length': '0' },
        signal,
      }),
    );
    a.body.resume();
    if (a.status === 201 && mountFrom) return { mounted: true };
    const loc = a.headers.location;
    if (a.status !== 202 || !loc) {
      throw new RegistryError({
        kind: 'rejected',
        status: a.status,
        problem: `${where}/${repo} answered HTTP ${a.status}${loc ? '' : ' without a Location'} to starting an upload`,
        fix: `${where} does not follow the distribution API for uploads`,
      });
    }
    return { mounted: false, location: new URL(loc, base) };
  }

  async function putManifest(repo: string, reference: string, m: FetchedManifest, signal: AbortSignal) {
    await retrying(signal, async () => {
      const a = await call({
        method: 'PUT',
        url: api(`${repo}/manifests/${reference}`),
        repo,
        scopes: [push(repo)],
        what: `manifest ${reference}`,
        headers: { 'content-type': m.mediaType, 'content-length': String(m.bytes.length) },
        body: m.bytes,
        signal,
      });
      a.body.resume();
      const got = String(a.headers['docker-content-digest'] ?? '');
      if (got && got !== m.digest) {
        throw new RegistryError({
          kind: 'digest-mismatch',
          problem: `${where}/${repo} stored manifest ${reference} as ${got}, not ${m.digest}`,
          fix: `${where} rewrote the manifest; it cannot keep this image's digest`,
        });
      }
    });
  }

  return {
    where,
    base,
    api,
    call,
    retrying,
    fetchManifest,
    openBlob,
    readSmallBlob,
    blobExists,
    manifestDigestAt,
    startUpload,
    putManifest,
  };
}
