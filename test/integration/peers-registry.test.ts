// The distribution registry as the sandbox's container registry, driven by skopeo (the real OCI client): an image
// built locally as an OCI layout is pushed to one registry, copied to a second, and both serve the same digest.
import { createHash } from 'node:crypto';
import { request } from 'node:https';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestCa, issueLoopbackServerCert } from '../support/test-pki.js';
import type { TestCertificate } from '../support/test-pki.js';
import { runCommand } from '../support/peers/child.js';
import { buildOciImage } from '../support/peers/oci-image.js';
import type { OciImage } from '../support/peers/oci-image.js';
import { startRegistry } from '../support/peers/registry.js';
import type { RegistryPeer } from '../support/peers/registry.js';
import { createSkopeo } from '../support/peers/skopeo.js';
import type { Skopeo } from '../support/peers/skopeo.js';

const REPO = 'litmusedge/litmusedge-std-docker';

let ca: TestCertificate;
let source: RegistryPeer; // plays the vendor's registry
let mirror: RegistryPeer; // plays the customer's registry (ACR)
let skopeo: Skopeo;
let image: OciImage;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'peers-registry-test-'));
  ca = await createTestCa('Sandbox Registry CA');
  const serverCert = await issueLoopbackServerCert(ca);
  [source, mirror, skopeo, image] = await Promise.all([
    startRegistry({ serverCert, username: 'vendor', password: 'vendor-secret', caPem: ca.cert }),
    startRegistry({ serverCert, username: 'mirror', password: 'mirror-secret', caPem: ca.cert }),
    createSkopeo(),
    buildOciImage({
      dir: join(work, 'image'),
      tag: '3.16.2',
      files: { 'opt/litmusedge/VERSION': '3.16.2\n' },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([source?.stop(), mirror?.stop(), skopeo?.dispose()]);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('OCI layout builder', () => {
  test('writes a layout whose blobs match their digests and whose index names the tag', async () => {
    const blob = (digest: string) => readFile(join(image.dir, 'blobs', 'sha256', digest.slice(7)));
    const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    expect(sha(await blob(image.manifestDigest))).toBe(image.manifestDigest);
    expect(sha(await blob(image.configDigest))).toBe(image.configDigest);
    expect(sha(await blob(image.layerDigest))).toBe(image.layerDigest);
    const index = JSON.parse(await readFile(join(image.dir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations: Record<string, string> }[];
    };
    expect(index.manifests).toEqual([
      expect.objectContaining({
        digest: image.manifestDigest,
        annotations: { 'org.opencontainers.image.ref.name': '3.16.2' },
      }),
    ]);
    // Same input, same digests: tests can pin expectations.
    const again = await buildOciImage({
      dir: join(work, 'again'),
      tag: '3.16.2',
      files: { 'opt/litmusedge/VERSION': '3.16.2\n' },
    });
    expect(again.manifestDigest).toBe(image.manifestDigest);
  });

  test('a second tag in the same layout is added beside the first', async () => {
    const dir = join(work, 'two-tags');
    const a = await buildOciImage({ dir, tag: 'a', files: { 'x.txt': 'a\n' } });
    const b = await buildOciImage({ dir, tag: 'b', files: { 'x.txt': 'b\n' } });
    expect(a.manifestDigest).not.toBe(b.manifestDigest);
    for (const img of [a, b]) {
      const r = await skopeo.ok(['inspect', '--raw', img.reference]);
      expect(JSON.parse(r.stdout)).toEqual(img.manifest);
    }
  });

  test('the layer is a gzip tar that GNU tar reads, long paths included; skopeo reads the layout', async () => {
    const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/file-with-a-long-name.txt`; // > 100 bytes: ustar prefix
    const img = await buildOciImage({
      dir: join(work, 'long'),
      files: { 'etc/a.txt': 'alpha\n', [long]: 'long\n' },
    });
    const blob = join(img.dir, 'blobs', 'sha256', img.layerDigest.slice(7));
    const list = await runCommand('tar', ['-tzf', blob]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual([
      `${'d'.repeat(60)}/`,
      `${'d'.repeat(60)}/${'e'.repeat(60)}/`,
      long,
      'etc/',
      'etc/a.txt',
    ]);
    const content = await runCommand('tar', ['-xzOf', blob, long]);
    expect(content.stdout).toBe('long\n');
    const raw = await skopeo.ok(['inspect', '--raw', image.reference]);
    expect(JSON.parse(raw.stdout)).toEqual(image.manifest);
    const cfg = await skopeo.ok(['inspect', '--config', image.reference]);
    expect(JSON.parse(cfg.stdout)).toMatchObject({ rootfs: { type: 'layers', diff_ids: [image.diffId] } });
  });
});

describe('two registries and skopeo', () => {
  const sourceRef = () => `docker://${source.host}/${REPO}:latest`;
  const mirrorRef = () => `docker://${mirror.host}/${REPO}:latest`;

  /** GET <registry>/v2/ with optional basic credentials: status and challenge. */
  function getV2(reg: RegistryPeer, creds?: string): Promise<{ status: number; auth: string | undefined }> {
    const headers: Record<string, string> = {};
    if (creds !== undefined) headers['authorization'] = `Basic ${Buffer.from(creds).toString('base64')}`;
    return new Promise((resolveRes, reject) => {
      request(`${reg.url}/v2/`, { ca: ca.cert, agent: false, headers }, (r) => {
        r.resume();
        resolveRes({ status: r.statusCode ?? 0, auth: r.headers['www-authenticate'] });
      })
        .on('error', reject)
        .end();
    });
  }

  test('GET /v2/: 401 with a Basic challenge without or with wrong credentials, 200 with the right ones', async () => {
    const challenge = 'Basic realm="litmus-sandbox-registry"';
    expect(await getV2(source)).toEqual({ status: 401, auth: challenge });
    expect(await getV2(source, 'vendor:wrong')).toEqual({ status: 401, auth: challenge });
    expect(await getV2(source, mirror.creds)).toEqual({ status: 401, auth: challenge });
    expect(await getV2(source, source.creds)).toMatchObject({ status: 200 });
    expect(await getV2(mirror, mirror.creds)).toMatchObject({ status: 200 });
  });

  test('push the local OCI image, copy it between the registries, same digest on both', async () => {
    await skopeo.ok([
      'copy',
      '--dest-creds',
      source.creds,
      '--dest-cert-dir',
      source.certDir!,
      image.reference,
      sourceRef(),
    ]);
    await skopeo.ok([
      'copy',
      '--src-creds',
      source.creds,
      '--src-cert-dir',
      source.certDir!,
      '--dest-creds',
      mirror.creds,
      '--dest-cert-dir',
      mirror.certDir!,
      sourceRef(),
      mirrorRef(),
    ]);
    const [a, b] = await Promise.all([
      skopeo.inspect(sourceRef(), source.creds, source.certDir!),
      skopeo.inspect(mirrorRef(), mirror.creds, mirror.certDir!),
    ]);
    expect(a.Digest).toBe(image.manifestDigest);
    expect(b.Digest).toBe(a.Digest);
    expect(b).toMatchObject({ Name: `${mirror.host}/${REPO}`, Layers: [image.layerDigest] });
  });

  test('wrong credentials: skopeo fails with the registry\'s 401 "unauthorized: authentication required"', async () => {
    const unauthorized = new RegExp(
      `reading manifest latest in ${source.host.replace(/\./g, '\\.')}/${REPO}: unauthorized: authentication required`,
    );
    const r = await skopeo.run([
      'inspect',
      '--creds',
      'vendor:wrong',
      '--cert-dir',
      source.certDir!,
      sourceRef(),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(unauthorized);
    // The other registry's credentials are not valid here either.
    const r2 = await skopeo.run([
      'inspect',
      '--creds',
      mirror.creds,
      '--cert-dir',
      source.certDir!,
      sourceRef(),
    ]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toMatch(unauthorized);
  });

  test('an untrusted server certificate is refused by skopeo (no cert dir, TLS verification on)', async () => {
    const r = await skopeo.run(['inspect', '--creds', source.creds, sourceRef()]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/x509: certificate signed by unknown authority/);
  });
});

describe('startRegistry lifecycle', () => {
  test('a key the registry cannot use: rejects with its own error output', async () => {
    const serverCert = await issueLoopbackServerCert(ca);
    await expect(
      startRegistry({
        serverCert: { cert: serverCert.cert, key: 'not a key\n' },
        username: 'u',
        password: 'p',
      }),
    ).rejects.toThrow(/docker-registry exited early[\s\S]*tls: failed to find any PEM data in key input/);
  });

  test('stop() ends the process and removes its directory', async () => {
    const reg = await startRegistry({
      serverCert: await issueLoopbackServerCert(ca),
      username: 'u',
      password: 'p',
    });
    expect(existsSync(reg.dir)).toBe(true);
    await reg.stop();
    expect(existsSync(reg.dir)).toBe(false);
    await expect(
      new Promise((resolveConn, reject) =>
        connect(reg.port, '127.0.0.1').on('connect', resolveConn).on('error', reject),
      ),
    ).rejects.toThrow(/ECONNREFUSED/);
    await reg.stop(); // twice is fine
  });
});
