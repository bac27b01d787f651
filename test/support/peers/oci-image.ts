// A minimal OCI image layout (image-spec v1.0) built in Node, with no network and no container tooling: one gzip
// layer holding small files, a config, a manifest and index.json. skopeo reads it as `oci:<dir>:<tag>`.
// Output is deterministic: the same options give the same digests.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface BuildOciImageOptions {
  /** Layout directory; default a new temp dir. An existing layout gets the image added (other tags are kept). */
  dir?: string;
  /** Tag (org.opencontainers.image.ref.name); default 'latest'. A tag already in the layout is replaced. */
  tag?: string;
  /** Files of the single layer, path (relative, '/'-separated) → content; default one small text file. */
  files?: Record<string, string | Uint8Array>;
  architecture?: string;
  os?: string;
  /** Image config labels. */
  labels?: Record<string, string>;
  /** Image creation time in the config; default 2024-01-01T00:00:00Z (keeps digests stable). */
  created?: Date;
}

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface OciImage {
  dir: string;
  tag: string;
  /** skopeo/containers-image transport reference: `oci:<dir>:<tag>`. */
  reference: string;
  manifestDigest: string;
  manifest: { schemaVersion: 2; mediaType: string; config: OciDescriptor; layers: OciDescriptor[] };
  configDigest: string;
  layerDigest: string;
  /** sha256 of the uncompressed layer tar (the config's rootfs.diff_ids entry). */
  diffId: string;
}

function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function octal(value: number, width: number): string {
  // width includes the trailing NUL
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(name: string, size: number, type: '0' | '5', mode: number): Buffer {
  const h = Buffer.alloc(512);
  let path = name;
  let prefix = '';
  if (Buffer.byteLength(path) > 100) {
    // ustar: a long path is split at a '/' into prefix (≤ 155 bytes) and name (≤ 100 bytes).
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = cut < 0 ? '' : name.slice(0, cut);
    path = cut < 0 ? name : name.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(path) > 100 || Buffer.byteLength(prefix) > 155) {
      throw new Error(`tar path too long for ustar: ${name}`);
    }
  }
  h.write(path, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii'); // uid
  h.write(octal(0, 8), 116, 8, 'ascii'); // gid
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(0, 12), 136, 12, 'ascii'); // mtime: epoch, for stable digests
  h.write('        ', 148, 8, 'ascii'); // checksum placeholder
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** A ustar archive of the given files (sorted, with their parent directories). */
export function tarFiles(files: Record<string, string | Uint8Array>): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const raw of Object.keys(files).sort()) {
    const name = raw.replace(/^\/+/, '');
    if (name === '' || name.split('/').includes('..')) throw new Error(`bad layer path: ${raw}`);
    const segments = name.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = `${segments.slice(0, i).join('/')}/`;
      if (!dirs.has(dir)) {
        dirs.add(dir);
        parts.push(tarHeader(dir, 0, '5', 0o755));
      }
    }
    const content = files[raw]!;
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    parts.push(tarHeader(name, data.length, '0', 0o644), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024)); // end of archive
  return Buffer.concat(parts);
}

async function writeBlob(dir: string, data: Uint8Array): Promise<string> {
  const digest = sha256(data);
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
  return digest;
}

const canonical = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

/** Builds (or adds to) an OCI image layout and returns the image's digests and skopeo reference. */
export async function buildOciImage(opts: BuildOciImageOptions = {}): Promise<OciImage> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'litmus-oci-')));
  const tag = opts.tag ?? 'latest';
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), canonical({ imageLayoutVersion: '1.0.0' }));

  const files = opts.files ?? { 'etc/litmus-sandbox/image.txt': 'litmus sandbox test image\n' };
  const tar = tarFiles(files);
  const diffId = sha256(tar);
  const layer = gzipSync(tar, { level: 6 });
  const layerDigest = await writeBlob(dir, layer);

  const config = {
    created: (opts.created ?? new Date('2024-01-01T00:00:00Z')).toISOString(),
    architecture: opts.architecture ?? 'amd64',
    os: opts.os ?? 'linux',
    config: { Labels: opts.labels ?? {} },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created_by: 'test/support/peers/oci-image.ts' }],
  };
  const configBytes = canonical(config);
  const configDigest = await writeBlob(dir, configBytes);

  const manifest = {
    schemaVersion: 2 as const,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: configDigest, size: configBytes.length },
    layers: [{ mediaType: OCI_LAYER_GZIP, digest: layerDigest, size: layer.length }],
  };
  const manifestBytes = canonical(manifest);
  const manifestDigest = await writeBlob(dir, manifestBytes);

  const indexPath = join(dir, 'index.json');
  const index: { schemaVersion: 2; mediaType?: string; manifests: OciDescriptor[] } = existsSync(indexPath)
    ? (JSON.parse(await readFile(indexPath, 'utf8')) as { schemaVersion: 2; manifests: OciDescriptor[] })
    : { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
  index.manifests = index.manifests.filter(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] !== tag,
  );
  index.manifests.push({
    mediaType: OCI_MANIFEST,
    digest: manifestDigest,
    size: manifestBytes.length,
    annotations: { 'org.opencontainers.image.ref.name': tag },
  });
  await writeFile(indexPath, canonical(index));

  return {
    dir,
    tag,
    reference: `oci:${dir}:${tag}`,
    manifestDigest,
    manifest,
    configDigest,
    layerDigest,
    diffId,
  };
}
