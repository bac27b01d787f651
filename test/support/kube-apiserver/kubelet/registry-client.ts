// A small OCI distribution client, as containerd's resolver uses it: resolve a reference (tag or digest) with
// GET /v2/<repo>/manifests/<ref> and the manifest/index Accept headers, follow the registry's auth challenge
// (Basic with the credential, or the Bearer token flow: GET <realm>?service=&scope= with the credential), pick the
// linux/amd64 entry of an index, and fetch the image config blob. Errors are worded as containerd words them, with
// the registry's own error message appended (e.g. `404 Not Found: manifest unknown`).
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
} as const;

const ACCEPT = [MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerList].join(', ');

export interface ImageRef {
  /** The reference as written in the pod spec. */
  raw: string;
  /** host[:port] (docker.io for short names). */
  host: string;
  /** Fully qualified, as containerd names it: docker.io/library/nginx:1.27. */
  name: string;
  /** Where the registry API is served: registry-1.docker.io for docker.io, else host. */
  endpoint: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses `host[:port]/repo[:tag][@sha256:...]`; short names go to docker.io (library/ for one segment). */
export function parseImageRef(raw: string): ImageRef {
  let rest = raw;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let host = 'docker.io';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    host = first;
    rest = rest.slice(slash + 1);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (host === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  if (!tag && !digest) tag = 'latest';
  const name = `${host}/${rest}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  const endpoint = host === 'docker.io' ? 'registry-1.docker.io' : host;
  return {
    raw,
    host,
    name,
    endpoint,
    repository: rest,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

export interface Credential {
  username: string;
  password: string;
}

export class PullError extends Error {
  constructor(
    /** gRPC-style code containerd reports: NotFound, Unknown, ... */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Response {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RegistryClientOptions {
  /** CA(s) trusted for registry TLS (the registry peer's test CA). */
  ca?: string;
  /** Hosts the client may contact; others fail as an offline sandbox would (`no such host`). Default loopback only. */
  allowHost?: (host: string) => boolean;
}

const loopback = (host: string) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host);

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The registry's error body (`{"errors":[{"code","message"}]}`) as containerd appends it. */
function registryMessage(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    const errs = (parsed.errors ?? []).map((e) => (e.message ?? e.code ?? '').toLowerCase()).filter(Boolean);
    return errs.length ? `: ${errs.join('; ')}` : '';
  } catch {
    return '';
  }
}

function parseChallenge(h: string): { scheme: string; params: Record<string, string> } {
  const sp = h.indexOf(' ');
  const scheme = (sp < 0 ? h : h.slice(0, sp)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of h.slice(sp + 1).matchAll(/([A-Za-z]+)="([^"]*)"/g)) params[m[1]!.toLowerCase()] = m[2]!;
  return { scheme, params };
}

export class RegistryClient {
  /** host/repo → Authorization header that worked. */
  private readonly authCache = new Map<string, string>();

  constructor(private readonly opts: RegistryClientOptions = {}) {}

  /** One HTTPS request; `url` is absolute. */
  raw(
    method: string,
    url: string,
    headers: Record<string, string> = {},
    body?: Buffer,
    timeoutMs = 10_000,
  ): Promise<Response> {
    const u = new URL(url);
    const allow = this.opts.allowHost ?? loopback;
    const goMethod = method.charAt(0) + method.slice(1).toLowerCase();
    if (!allow(u.host)) {
      // The sandbox is offline: only the registry peers (loopback) resolve.
      return Promise.reject(
        new PullError(
          'Unknown',
          `failed to do request: ${goMethod} "${url}": dial tcp: lookup ${u.hostname}: no such host`,
        ),
      );
    }
    const doRequest = u.protocol === 'http:' ? httpRequest : request;
    return new Promise((resolve, reject) => {
      const req = doRequest(
        url,
        {
          method,
          headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
          ...(u.protocol === 'https:' && this.opts.ca ? { ca: this.opts.ca } : {}),
          agent: false,
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage || STATUS_TEXT[res.statusCode ?? 0] || '',
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url}: i/o timeout`)));
      req.on('error', (e: NodeJS.ErrnoException) => {
        const reason =
          e.code === 'ECONNREFUSED'
            ? `dial tcp ${u.host}: connect: connection refused`
            : e.code?.startsWith('ERR_TLS') ||
                e.code?.includes('CERT') ||
                e.code === 'SELF_SIGNED_CERT_IN_CHAIN'
              ? `tls: failed to verify certificate: x509: certificate signed by unknown authority (${e.message})`
              : e.message;
        reject(new PullError('Unknown', `failed to do request: ${goMethod} "${url}": ${reason}`));
      });
      req.end(body);
    });
  }

  /**
   * A request to the registry with the auth dance: anonymous first (or the cached header), then on a 401 challenge
   * Basic with `cred`, or a Bearer token fetched from the challenge's realm for `scope`.
   */
  async authed(
    method: string,
    host: string,
    path: string,
    repo: string,
    scope: string,
    cred: Credential | undefined,
    headers: Record<string, string> = {},
    body?: Buffer,
  ): Promise<Response> {
    const url = `https://${host}${path}`;
    const cacheKey = `${host}/${repo}/${scope}/${cred?.username ?? ''}:${cred?.password ?? ''}`;
    const cached = this.authCache.get(cacheKey);
    let res = await this.raw(method, url, { ...headers, ...(cached ? { authorization: cached } : {}) }, body);
    if (res.status !== 401) return res;
    const challenge = res.headers['www-authenticate'];
    const ch = parseChallenge(Array.isArray(challenge) ? challenge[0]! : (challenge ?? ''));
    let authorization: string | undefined;
    if (ch.scheme === 'basic' && cred) {
      authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
    } else if (ch.scheme === 'bearer' && ch.params.realm) {
      const t = new URL(ch.params.realm);
      if (ch.params.service) t.searchParams.set('service', ch.params.service);
      t.searchParams.set('scope', ch.params.scope ?? `repository:${repo}:${scope}`);
      const tokenRes = await this.raw('GET', t.toString(), {
        ...(cred
          ? {
              authorization: `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`,
            }
          : {}),
      });
      if (tokenRes.status !== 200) {
        throw new PullError(
          'Unknown',
          `failed to authorize: failed to fetch ${cred ? 'oauth' : 'anonymous'} token: unexpected status from GET request to ${t.toString()}: ${tokenRes.status} ${tokenRes.statusText}`,
        );
      }
      const tok = JSON.parse(tokenRes.body.toString('utf8')) as { token?: string; access_token?: string };
      authorization = `Bearer ${tok.token ?? tok.access_token ?? ''}`;
    }
    if (!authorization) return res;
    res = await this.raw(method, url, { ...headers, authorization }, body);
    if (res.status !== 401) this.authCache.set(cacheKey, authorization);
    return res;
  }

  private statusError(method: string, host: string, path: string, res: Response): PullError {
    const code = res.status === 404 ? 'NotFound' : 'Unknown';
    return new PullError(
      code,
      `unexpected status from ${method} request to https://${host}${path}: ${res.status} ${res.statusText}${registryMessage(res.body)}`,
    );
  }

  /**
   * Resolves the reference to a manifest (following an index to linux/amd64) and fetches its config.
   * Throws PullError worded as containerd's `failed to pull and unpack image ...`.
   */
  async pull(
    ref: ImageRef,
    cred: Credential | undefined,
  ): Promise<{ digest: string; config: Record<string, unknown>; size: number }> {
    const wrap = (e: unknown, resolving: boolean): PullError => {
      const inner = e instanceof PullError ? e : new PullError('Unknown', String((e as Error)?.message ?? e));
      const step = resolving ? `failed to resolve reference "${ref.name}": ` : '';
      return new PullError(
        inner.code,
        `rpc error: code = ${inner.code} desc = failed to pull and unpack image "${ref.name}": ${step}${inner.message}`,
      );
    };
    let manifest: {
      mediaType?: string;
      config?: { digest: string; size: number };
      layers?: { size: number }[];
      manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
    };
    let digest: string;
    try {
      const get = async (reference: string) => {
        const path = `/v2/${ref.repository}/manifests/${reference}`;
        const res = await this.authed('GET', ref.endpoint, path, ref.repository, 'pull', cred, {
          accept: ACCEPT,
        });
        if (res.status !== 200) throw this.statusError('GET', ref.endpoint, path, res);
        const d = res.headers['docker-content-digest'];
        return { body: res.body, digest: typeof d === 'string' ? d : reference };
      };
      let got = await get(ref.digest ?? ref.tag!);
      digest = got.digest;
      manifest = JSON.parse(got.body.toString('utf8')) as typeof manifest;
      if (manifest.manifests) {
        const pick =
          manifest.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ??
          manifest.manifests[0];
        if (!pick) throw new PullError('NotFound', `no match for platform in manifest: not found`);
        got = await get(pick.digest);
        manifest = JSON.parse(got.body.toString('utf8')) as typeof manifest;
      }
    } catch (e) {
      throw wrap(e, true);
    }
    try {
      if (!manifest.config) throw new PullError('Unknown', 'manifest has no config');
      const path = `/v2/${ref.repository}/blobs/${manifest.config.digest}`;
      let res = await this.authed('GET', ref.endpoint, path, ref.repository, 'pull', cred);
      if (res.status >= 300 && res.status < 400 && typeof res.headers.location === 'string') {
        res = await this.raw('GET', new URL(res.headers.location, `https://${ref.endpoint}`).toString());
      }
      if (res.status !== 200) throw this.statusError('GET', ref.endpoint, path, res);
      const config = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
      const size =
        manifest.config.size + (manifest.layers ?? []).reduce((n, l) => n + (Number(l.size) || 0), 0);
      return { digest, config, size };
    } catch (e) {
      throw wrap(e, false);
    }
  }
}
