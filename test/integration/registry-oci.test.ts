// The OCI adapter (src/registry) against two real distribution registries (TLS + htpasswd), checked with skopeo:
// a two-platform OCI index with random layers is pushed with skopeo, copied by our adapter, and skopeo reads the
// same digest and bytes at both ends. A small HTTPS proxy in front of the source plays a Bearer-token registry and
// injects 503 + Retry-After and dropped connections.
import { createHash, randomBytes } from 'node:crypto';
import { request as httpsRequest, createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestCa, issueLoopbackServerCert } from '../support/test-pki.js';
import type { TestCertificate } from '../support/test-pki.js';
import { startRegistry } from '../support/peers/registry.js';
import type { RegistryPeer } from '../support/peers/registry.js';
import { createSkopeo } from '../support/peers/skopeo.js';
import type { Skopeo } from '../support/peers/skopeo.js';
import { basicAuth } from '../../src/registry/auth.js';
import { RegistryError } from '../../src/registry/errors.js';
import { ociHttpRegistry } from '../../src/registry/oci-http.js';
import type { OciHttpOptions } from '../../src/registry/oci-http.js';
import type { CopyOptions, ImageRef } from '../../src/registry/types.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
const REPO = 'litmusedge/litmusedge-std-docker';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Built {
  ref: string;
  digest: string;
  bytes: Buffer;
  children: { platform: string; digest: string; bytes: Buffer; layers: string[] }[];
  blobs: string[];
}

/** An OCI layout holding one index (`platforms` children, each with `layers` random layers) under `tag`. */
async function writeLayout(
  dir: string,
  tag: string,
  platforms: string[],
  layerSizes: number[],
): Promise<Built> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const blobs: string[] = [];
  const put = async (b: Buffer) => {
    const d = sha256(b);
    await writeFile(join(dir, 'blobs', 'sha256', d.slice(7)), b);
    blobs.push(d);
    return { digest: d, size: b.length };
  };
  const children: Built['children'] = [];
  const descs = [];
  for (const p of platforms) {
    const [os, architecture] = p.split('/') as [string, string];
    const layers = [];
    for (const size of layerSizes) layers.push({ mediaType: OCI_LAYER, ...(await put(randomBytes(size))) });
    const config = Buffer.from(
      JSON.stringify({
        architecture,
        os,
        config: {},
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, ...(await put(config)) },
        layers,
      }),
    );
    const m = await put(manifest);
    children.push({ platform: p, digest: m.digest, bytes: manifest, layers: layers.map((l) => l.digest) });
    descs.push({ mediaType: OCI_MANIFEST, ...m, platform: { architecture, os } });
  }
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: descs }, null, 2),
  );
  const top = await put(index);
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { mediaType: OCI_INDEX, ...top, annotations: { 'org.opencontainers.image.ref.name': tag } },
      ],
    }),
  );
  return {
    ref: `oci:${dir}:${tag}`,
    digest: top.digest,
    bytes: index,
    children,
    blobs: blobs.filter((b) => b !== top.digest),
  };
}

let ca: TestCertificate;
let serverCert: TestCertificate;
let source: RegistryPeer;
let mirror: RegistryPeer;
let skopeo: Skopeo;
let work: string;
let image: Built;

const ref = (repository: string, tag: string, registry = '127.0.0.1'): ImageRef => ({
  registry,
  repository,
  tag,
});
const signal = () => AbortSignal.timeout(50_000);
const opts = (o: Partial<CopyOptions> = {}): CopyOptions => ({ platforms: 'all', signal: signal(), ...o });
const fast: OciHttpOptions = { retryBaseMs: 20, retryMaxMs: 2_000 };

function client(peer: { url: string }, user: string, password: string, o: OciHttpOptions = {}) {
  return ociHttpRegistry(new URL(peer.url), basicAuth(user, password), { ca: ca.cert, ...fast, ...o });
}
const src = () => client(source, 'vendor', 'vendor-secret');
const dst = (o: OciHttpOptions = {}) => client(mirror, 'mirror', 'mirror-secret', o);

async function pushWithSkopeo(built: Built, to: RegistryPeer, repo: string, tag: string) {
  await skopeo.ok([
    'copy',
    '--all',
    '--preserve-digests',
    '--dest-creds',
    to.creds,
    '--dest-cert-dir',
    to.certDir!,
    built.ref,
    `docker://${to.host}/${repo}:${tag}`,
  ]);
}

/** The manifest bytes skopeo reads at a registry (raw). */
async function rawAt(peer: RegistryPeer, reference: string): Promise<Buffer> {
  const r = await skopeo.ok([
    'inspect',
    '--raw',
    '--creds',
    peer.creds,
    '--cert-dir',
    peer.certDir!,
    `docker://${peer.host}/${reference}`,
  ]);
  return Buffer.from(r.stdout, 'utf8');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-oci-test-'));
  ca = await createTestCa('Registry OCI Test CA');
  serverCert = await issueLoopbackServerCert(ca);
  [source, mirror, skopeo, image] = await Promise.all([
    startRegistry({ serverCert, username: 'vendor', password: 'vendor-secret', caPem: ca.cert }),
    startRegistry({ serverCert, username: 'mirror', password: 'mirror-secret', caPem: ca.cert }),
    createSkopeo(),
    writeLayout(join(work, 'multi'), '1.0', ['linux/amd64', 'linux/arm64'], [300_000, 700_000, 1_200_000]),
  ]);
  await pushWithSkopeo(image, source, REPO, '1.0');
});

afterAll(async () => {
  await Promise.all([source?.stop(), mirror?.stop(), skopeo?.dispose()]);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('resolve', () => {
  test('a tag: the index digest and media type; a missing tag or repository: undefined', async () => {
    const s = src();
    expect(await s.resolve(ref(REPO, '1.0'))).toEqual({
      digest: image.digest,
      mediaType: OCI_INDEX,
      size: image.bytes.length,
    });
    expect(
      await s.resolve({ registry: '', repository: REPO, digest: image.children[0]!.digest }),
    ).toMatchObject({
      digest: image.children[0]!.digest,
      mediaType: OCI_MANIFEST,
    });
    expect(await s.resolve(ref(REPO, 'nope'))).toBeUndefined();
    expect(await s.resolve(ref('no/such/repo', '1.0'))).toBeUndefined();
  });

  test('wrong credentials: RegistryError unauthorized naming registry, user and repository, not the password', async () => {
    const bad = client(source, 'vendor', 'hunter2-wrong');
    const err = (await bad.resolve(ref(REPO, '1.0')).catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.kind).toBe('unauthorized');
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.message).toContain(`${source.host} refused user vendor for ${REPO} (HTTP 401: UNAUTHORIZED`);
    expect(err.fix).toMatch(/check the credentials/);
    expect(err.message).not.toContain('hunter2');
  });

  test('an untrusted server certificate: RegistryError tls (verification is never off)', async () => {
    const r = ociHttpRegistry(new URL(source.url), basicAuth('vendor', 'vendor-secret'), { retries: 0 });
    await expect(r.resolve(ref(REPO, '1.0'))).rejects.toMatchObject({ kind: 'tls' });
  });
});

describe('copy between two registries', () => {
  test('platforms all: same digest and identical manifest bytes at both ends (skopeo), then a second copy transfers nothing', async () => {
    const seen: number[] = [];
    const res = await dst().copyFrom(
      src(),
      ref(REPO, '1.0'),
      ref(REPO, '1.0'),
      opts({ onProgress: (p) => seen.push(p.bytesDone / p.bytesTotal) }),
    );
    expect(res.descriptor).toEqual({ digest: image.digest, mediaType: OCI_INDEX, size: image.bytes.length });
    expect(res.rewritten).toBeUndefined();
    const blobs = res.items.filter((i) => i.kind === 'blob');
    expect(blobs.map((b) => b.digest).sort()).toEqual(
      image.blobs.filter((b) => !image.children.some((c) => c.digest === b)).sort(),
    );
    expect(blobs.every((b) => b.how === 'upload')).toBe(true);
    const manifests = res.items.filter((i) => i.kind === 'manifest');
    expect(manifests.map((m) => m.digest)).toEqual([...image.children.map((c) => c.digest), image.digest]); // children first
    expect(seen.at(-1)).toBe(1);

    const [a, b] = await Promise.all([rawAt(source, `${REPO}:1.0`), rawAt(mirror, `${REPO}:1.0`)]);
    expect(b.equals(a)).toBe(true);
    expect(b.equals(image.bytes)).toBe(true);
    expect(sha256(b)).toBe(image.digest);
    for (const c of image.children)
      expect((await rawAt(mirror, `${REPO}@${c.digest}`)).equals(c.bytes)).toBe(true);
    // skopeo can pull the copy whole (every blob verified by skopeo).
    await skopeo.ok([
      'copy',
      '--all',
      '--src-creds',
      mirror.creds,
      '--src-cert-dir',
      mirror.certDir!,
      `docker://${mirror.host}/${REPO}:1.0`,
      `oci:${join(work, 'pulled')}:x`,
    ]);

    const again = await dst().copyFrom(src(), ref(REPO, '1.0'), ref(REPO, '1.0'), opts());
    expect(again.descriptor.digest).toBe(image.digest);
    expect(again.items.length).toBe(res.items.length);
    expect(again.items.every((i) => i.how === 'present')).toBe(true);
  });

  test('same registry: blobs are mounted across repositories, not uploaded', async () => {
    await dst().copyFrom(src(), ref(REPO, '1.0'), ref(REPO, '1.0'), opts()); // present or copied
    const m = dst();
    const res = await m.copyFrom(m, ref(REPO, '1.0'), ref('other/place', 'v1'), opts());
    const blobs = res.items.filter((i) => i.kind === 'blob');
    expect(blobs.length).toBeGreaterThan(0);
    expect(blobs.every((b) => b.how === 'mount')).toBe(true);
    expect((await rawAt(mirror, 'other/place:v1')).equals(image.bytes)).toBe(true);
  });

  test('dry run: lists what would be copied and writes nothing', async () => {
    const res = await dst().copyFrom(src(), ref(REPO, '1.0'), ref('dry/run', 'x'), opts({ dryRun: true }));
    expect(res.items.filter((i) => i.kind === 'blob').every((b) => b.how === 'upload' && b.size > 0)).toBe(
      true,
    );
    expect(res.items.filter((i) => i.kind === 'manifest')).toHaveLength(3);
    expect(await dst().resolve(ref('dry/run', 'x'))).toBeUndefined();
  });

  test('one platform: the tag names that platform manifest (source bytes), and the result says the digest differs', async () => {
    const arm = image.children.find((c) => c.platform === 'linux/arm64')!;
    const res = await dst().copyFrom(
      src(),
      ref(REPO, '1.0'),
      ref('one/platform', 'arm'),
      opts({ platforms: ['linux/arm64'] }),
    );
    expect(res.descriptor).toEqual({ digest: arm.digest, mediaType: OCI_MANIFEST, size: arm.bytes.length });
    expect(res.rewritten).toMatchObject({ sourceDigest: image.digest });
    expect(res.items.filter((i) => i.kind === 'blob').map((b) => b.digest)).toEqual(
      expect.arrayContaining(arm.layers),
    );
    expect(res.items.filter((i) => i.kind === 'blob')).toHaveLength(arm.layers.length + 1);
    expect((await rawAt(mirror, 'one/platform:arm')).equals(arm.bytes)).toBe(true);
    await expect(
      dst().copyFrom(
        src(),
        ref(REPO, '1.0'),
        ref('one/platform', 's390x'),
        opts({ platforms: ['linux/s390x'] }),
      ),
    ).rejects.toThrow(/has no platform linux\/s390x \(it has linux\/amd64, linux\/arm64\)/);
  });

  test('chunked upload (PATCH + Content-Range) gives the same digests', async () => {
    const res = await dst({ monolithicLimit: 100_000, chunkSize: 256 * 1024 }).copyFrom(
      src(),
      ref(REPO, '1.0'),
      ref('chunked/copy', '1.0'),
      opts(),
    );
    expect(res.items.filter((i) => i.kind === 'blob').every((b) => b.how === 'upload')).toBe(true);
    expect((await rawAt(mirror, 'chunked/copy:1.0')).equals(image.bytes)).toBe(true);
    await skopeo.ok([
      'copy',
      '--all',
      '--src-creds',
      mirror.creds,
      '--src-cert-dir',
      mirror.certDir!,
      `docker://${mirror.host}/chunked/copy:1.0`,
      `oci:${join(work, 'pulled-chunked')}:x`,
    ]);
  });

  test.each([
    ['monolithic', {}],
    ['chunked', { monolithicLimit: 1000, chunkSize: 64 * 1024 }],
  ])(
    'a corrupted source blob (%s) fails the copy naming the digest, and no tag is written',
    async (_name, o) => {
      const bad = await writeLayout(join(work, `corrupt-${_name}`), 'c', ['linux/amd64'], [150_000, 400_000]);
      await pushWithSkopeo(bad, source, `corrupt/${_name}`, 'c');
      const victim = bad.children[0]!.layers[1]!;
      const file = join(
        source.dir,
        'storage',
        'docker',
        'registry',
        'v2',
        'blobs',
        'sha256',
        victim.slice(7, 9),
        victim.slice(7),
        'data',
      );
      const bytes = await readFile(file);
      bytes[bytes.length - 10]! ^= 0xff; // same size, different content
      await writeFile(file, bytes);
      const err = (await dst(o)
        .copyFrom(src(), ref(`corrupt/${_name}`, 'c'), ref(`corrupt/${_name}`, 'c'), opts())
        .catch((e: unknown) => e)) as RegistryError;
      expect(err).toBeInstanceOf(RegistryError);
      expect(err.kind).toBe('digest-mismatch');
      expect(err.message).toContain(`blob ${victim}`);
      expect(err.message).toContain(`${source.host}/corrupt/${_name}`);
      expect(await dst().resolve(ref(`corrupt/${_name}`, 'c'))).toBeUndefined();
      const r = await skopeo.run([
        'inspect',
        '--raw',
        '--creds',
        mirror.creds,
        '--cert-dir',
        mirror.certDir!,
        `docker://${mirror.host}/corrupt/${_name}:c`,
      ]);
      expect(r.code).not.toBe(0);
    },
  );
});

describe('a Bearer-token registry with faults (proxy in front of the source)', () => {
  type Fault = { match: RegExp; method?: string; kind: '503' | 'drop' };
  let proxy: { url: string; host: string; close(): Promise<void> };
  const faults: Fault[] = [];
  const served = { faults: 0, tokens: 0, deniedTokens: 0 };
  const tokens = new Map<string, string[]>();

  beforeAll(async () => {
    const upstream = new URL(source.url);
    const upstreamAuth = `Basic ${Buffer.from(source.creds).toString('base64')}`;
    const server = createServer(
      { cert: serverCert.cert, key: serverCert.key },
      (req: IncomingMessage, res: ServerResponse) => {
        const url = new URL(req.url ?? '/', 'https://proxy');
        const host = req.headers.host ?? '';
        if (url.pathname === '/token') {
          served.tokens++;
          if (req.headers.authorization !== `Basic ${Buffer.from('bob:bob-secret').toString('base64')}`) {
            served.deniedTokens++;
            res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
            return;
          }
          const token = randomBytes(16).toString('hex');
          tokens.set(token, url.searchParams.getAll('scope'));
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ token, expires_in: 300 }));
          return;
        }
        const repo = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(url.pathname)?.[1];
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const granted = bearer !== undefined ? tokens.get(bearer) : undefined;
        if (!granted || (repo && !granted.some((s) => s.startsWith(`repository:${repo}:`)))) {
          res
            .writeHead(401, {
              'content-type': 'application/json',
              'www-authenticate': `Bearer realm="https://${host}/token",service="test-registry"${repo ? `,scope="repository:${repo}:pull"` : ''}`,
            })
            .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
          return;
        }
        const i = faults.findIndex(
          (f) => f.match.test(url.pathname) && (!f.method || f.method === req.method),
        );
        if (i >= 0) {
          const [f] = faults.splice(i, 1);
          served.faults++;
          if (f!.kind === 'drop') {
            req.socket.destroy();
            return;
          }
          res
            .writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' })
            .end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}');
          return;
        }
        const up = httpsRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            path: req.url,
            method: req.method,
            ca: ca.cert,
            headers: { ...req.headers, authorization: upstreamAuth },
          },
          (ur) => {
            res.writeHead(ur.statusCode ?? 502, ur.headers);
            ur.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        req.pipe(up);
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    proxy = {
      url: `https://127.0.0.1:${port}`,
      host: `127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    };
  });
  afterAll(() => proxy?.close());

  test('bearer flow: token from the realm with basic credentials, cached per scope; the copy matches the source', async () => {
    const before = served.tokens;
    const p = client(proxy, 'bob', 'bob-secret');
    expect((await p.resolve(ref(REPO, '1.0')))?.digest).toBe(image.digest);
    const res = await dst().copyFrom(p, ref(REPO, '1.0'), ref('via/bearer', '1.0'), opts());
    expect(res.descriptor.digest).toBe(image.digest);
    expect(served.tokens - before).toBe(1); // one scope, one token, reused for every request
    expect([...tokens.values()].at(-1)).toEqual([`repository:${REPO}:pull`]);
  });

  test('wrong credentials at the token service: RegistryError unauthorized, no secret in the message', async () => {
    const err = (await client(proxy, 'bob', 'not-bobs-secret')
      .resolve(ref(REPO, '1.0'))
      .catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.kind).toBe('unauthorized');
    expect(err.message).toMatch(
      new RegExp(`token service ${proxy.host} refused the credentials of user bob`),
    );
    expect(err.message).not.toContain('not-bobs-secret');
  });

  test('503 with Retry-After and dropped connections are retried; Retry-After is honoured', async () => {
    const child = image.children[0]!;
    faults.push(
      { match: new RegExp(`/manifests/${image.digest}$`), method: 'GET', kind: '503' },
      { match: new RegExp(`/blobs/${child.layers[0]}$`), method: 'GET', kind: '503' },
      { match: new RegExp(`/blobs/${child.layers[1]}$`), method: 'GET', kind: 'drop' },
    );
    const before = served.faults;
    const t0 = Date.now();
    const res = await dst().copyFrom(
      client(proxy, 'bob', 'bob-secret'),
      ref(REPO, '1.0'),
      ref('via/faults', '1.0'),
      opts(),
    );
    expect(res.descriptor.digest).toBe(image.digest);
    expect(served.faults - before).toBe(3);
    expect(faults).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900); // two Retry-After: 1 waits (the first is sequential)
    expect((await rawAt(mirror, 'via/faults:1.0')).equals(image.bytes)).toBe(true);
  });

  test('503 that never ends: bounded retries, then a RegistryError with the registry code', async () => {
    for (let i = 0; i < 10; i++) faults.push({ match: /\/manifests\//, kind: '503' });
    const p = ociHttpRegistry(new URL(proxy.url), basicAuth('bob', 'bob-secret'), {
      ca: ca.cert,
      retries: 2,
      retryMaxMs: 50,
    });
    const from = { ...ref(REPO, '1.0'), digest: image.digest }; // by digest: straight to GET the manifest
    const err = (await dst()
      .copyFrom(p, from, ref('via/never', '1.0'), opts())
      .catch((e: unknown) => e)) as RegistryError;
    expect(faults).toHaveLength(7); // 1 try + 2 retries
    faults.length = 0;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ kind: 'server-error', status: 503, code: 'UNAVAILABLE' });
    expect(err.message).toContain(`${proxy.host}/${REPO}`);
  });
});
