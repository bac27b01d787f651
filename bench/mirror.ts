// The OCI adapter (src/registry/oci-http.ts) against skopeo: the same 3-layer image (3 × 64 MiB of random bytes,
// about 201 MB) copied between real distribution registries (TLS + htpasswd) into empty registries, once by each;
// then one image with a single 1 GiB layer copied by ours alone. Our copies run in a child process that does only
// the copy, so its peak RSS (process.resourceUsage().maxRSS) is the adapter's. Prints figures; the only check is
// that the 1 GiB copy stays under 150 MB RSS (exit code 1 otherwise). Nothing here asserts anything about time.
// Run: npm run bench:mirror (BENCH_MIRROR_VERBOSE=1 prints the child's memory samples; BENCH_MIRROR_OPTS='{...}'
// passes OciHttpOptions to our destination adapter, e.g. '{"monolithicLimit":2000000000}').
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageRef } from '../src/registry/types.js';
import { createTestCa, issueLoopbackServerCert } from '../test/support/test-pki.js';
import { startRegistry } from '../test/support/peers/registry.js';
import { createSkopeo } from '../test/support/peers/skopeo.js';
import { bundleChild } from './bundle-child.js';

const MiB = 1024 * 1024;
const RSS_LIMIT_MB = 150;

interface ChildJob {
  ca: string;
  src: { url: string; user: string; password: string };
  dst: { url: string; user: string; password: string };
  from: ImageRef;
  to: ImageRef;
}

// The child is bundled on its own (esbuild, as scripts/run-ts.ts does) so that it loads only the adapter, not this
// file's test peers and their dependencies.
const CHILD = `
import { basicAuth } from './src/registry/auth.ts';
import { ociHttpRegistry } from './src/registry/oci-http.ts';
const job = JSON.parse(process.env.BENCH_MIRROR_JOB);
const baseKiB = Math.round(process.memoryUsage().rss / 1024);
const src = ociHttpRegistry(new URL(job.src.url), basicAuth(job.src.user, job.src.password), { ca: job.ca });
const dst = ociHttpRegistry(new URL(job.dst.url), basicAuth(job.dst.user, job.dst.password), { ca: job.ca, ...JSON.parse(process.env.BENCH_MIRROR_OPTS ?? '{}') });
const peak = { heapUsed: 0, external: 0, arrayBuffers: 0 };
const sample = setInterval(() => {
  const m = process.memoryUsage();
  for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k]);
}, 100);
const t0 = performance.now();
const r = await dst.copyFrom(src, job.from, job.to, { platforms: 'all', signal: AbortSignal.timeout(30 * 60_000) });
const ms = performance.now() - t0;
clearInterval(sample);
const uploaded = r.items.filter((i) => i.kind === 'blob' && i.how === 'upload').length;
process.stdout.write(JSON.stringify({ ms, digest: r.descriptor.digest, uploaded, baseKiB, peak, maxRssKiB: process.resourceUsage().maxRSS }) + '\\n');
process.exit(0);
`;
const childFile = await bundleChild('mirror-child', CHILD);

/** A file of `size` random bytes, written 1 MiB at a time; its sha256 digest. */
async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = size; left > 0;) {
    const chunk = randomBytes(Math.min(MiB, left));
    hash.update(chunk);
    left -= chunk.length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  return `sha256:${hash.digest('hex')}`;
}

/** An OCI layout (one image manifest, uncompressed random layers) that skopeo pushes as is. */
async function layout(
  dir: string,
  tag: string,
  layerSizes: number[],
): Promise<{ ref: string; bytes: number }> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (b: Buffer) => {
    const digest = `sha256:${createHash('sha256').update(b).digest('hex')}`;
    await writeFile(join(blobs, digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const layers = [];
  for (const size of layerSizes) {
    const tmp = join(dir, 'layer.tmp');
    const digest = await randomFile(tmp, size);
    await rm(join(blobs, digest.slice(7)), { force: true });
    await rename(tmp, join(blobs, digest.slice(7)));
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size });
  }
  const config = await put(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      }),
    ),
  );
  const manifest = await put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers,
      }),
    ),
  );
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return { ref: `oci:${dir}:${tag}`, bytes: layerSizes.reduce((a, b) => a + b, 0) + config.size };
}

function runChild(
  job: ChildJob,
): Promise<{ ms: number; digest: string; uploaded: number; baseKiB: number; maxRssKiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childFile], {
      env: { ...process.env, BENCH_MIRROR_JOB: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    if (process.env['BENCH_MIRROR_VERBOSE']) child.on('exit', () => console.log(out.trim()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as never)
        : reject(new Error(`copy child exited ${code}`)),
    );
  });
}

const work = await mkdtemp(join(tmpdir(), 'bench-mirror-'));
const ca = await createTestCa('Bench Mirror CA');
const serverCert = await issueLoopbackServerCert(ca);
const peer = (u: string) =>
  startRegistry({ serverCert, username: u, password: `${u}-secret`, caPem: ca.cert });
const [source, ours, theirs, skopeo] = await Promise.all([
  peer('vendor'),
  peer('ours'),
  peer('theirs'),
  createSkopeo(),
]);
const creds = (p: { url: string; creds: string }) => {
  const [user, password] = p.creds.split(':') as [string, string];
  return { url: p.url, user, password };
};
let failed = false;
try {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  process.stdout.write('generating random layers … ');
  const small = await layout(join(work, 'three'), '1', [64 * MiB, 64 * MiB, 64 * MiB]);
  const big = await layout(join(work, 'big'), '1', [1024 * MiB]);
  console.log(`3-layer image ${mb(small.bytes)} MB, 1-layer image ${mb(big.bytes)} MB`);
  const push = (ref: string, repo: string) =>
    skopeo.ok(
      [
        'copy',
        '--preserve-digests',
        '--dest-creds',
        source.creds,
        '--dest-cert-dir',
        source.certDir!,
        ref,
        `docker://${source.host}/${repo}:1`,
      ],
      { timeoutMs: 20 * 60_000 },
    );
  await push(small.ref, 'bench/three');
  await push(big.ref, 'bench/big');
  await rm(work, { recursive: true, force: true }); // the registries hold the images now

  const image = (registry: string, repository: string): ImageRef => ({ registry, repository, tag: '1' });
  const a = await runChild({
    ca: ca.cert,
    src: creds(source),
    dst: creds(ours),
    from: image(source.host, 'bench/three'),
    to: image(ours.host, 'bench/three'),
  });
  const t0 = performance.now();
  await skopeo.ok(
    [
      'copy',
      '--preserve-digests',
      '--src-creds',
      source.creds,
      '--src-cert-dir',
      source.certDir!,
      '--dest-creds',
      theirs.creds,
      '--dest-cert-dir',
      theirs.certDir!,
      `docker://${source.host}/bench/three:1`,
      `docker://${theirs.host}/bench/three:1`,
    ],
    { timeoutMs: 20 * 60_000 },
  );
  const skopeoMs = performance.now() - t0;
  const check = await skopeo.inspect(`docker://${theirs.host}/bench/three:1`, theirs.creds, theirs.certDir!);
  const same = check.Digest === a.digest;
  const rate = (ms: number) => `${(small.bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
  console.log(`3 layers, ${mb(small.bytes)} MB, into empty registries (${a.uploaded} blobs uploaded):`);
  console.log(
    `  ours   ${a.ms.toFixed(0).padStart(7)} ms  ${rate(a.ms)}  peak RSS ${(a.maxRssKiB / 1024).toFixed(1)} MB (child doing only the copy; ${(a.baseKiB / 1024).toFixed(1)} MB before it)`,
  );
  console.log(`  skopeo ${skopeoMs.toFixed(0).padStart(7)} ms  ${rate(skopeoMs)}  (process start included)`);
  console.log(
    `  ratio ours/skopeo ${(a.ms / skopeoMs).toFixed(2)}; digests ${same ? 'equal' : `DIFFER (${a.digest} vs ${check.Digest})`}`,
  );
  if (!same) failed = true;

  const b = await runChild({
    ca: ca.cert,
    src: creds(source),
    dst: creds(ours),
    from: image(source.host, 'bench/big'),
    to: image(ours.host, 'bench/big'),
  });
  const rssMb = b.maxRssKiB / 1024;
  const under = rssMb < RSS_LIMIT_MB;
  console.log(
    `1 GiB layer (chunked upload): ${b.ms.toFixed(0)} ms, ${(big.bytes / 1e6 / (b.ms / 1000)).toFixed(0)} MB/s, peak RSS ${rssMb.toFixed(1)} MB (${(b.baseKiB / 1024).toFixed(1)} MB before the copy) — ${under ? 'under' : 'OVER'} ${RSS_LIMIT_MB} MB`,
  );
  if (!under) failed = true;
} finally {
  await Promise.all([source.stop(), ours.stop(), theirs.stop(), skopeo.dispose()]);
  await rm(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
