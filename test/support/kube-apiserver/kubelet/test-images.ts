// Pushes minimal OCI images to a registry over the distribution API (POST+PUT blob uploads, PUT manifest): one tiny
// gzip layer and a config whose labels tell the sandbox kubelet what the container does.
//
//   io.litmus-aio.test/behaviour   space-separated: `serve` (default: listen on the ports), `never-ready` (run, listen
//                                  on nothing), `crash-after=2s` (exit after that long), `exit=3` (the exit code),
//                                  `litmus-edge` (the process is the Litmus Edge stand-in: programs.ts)
//   io.litmus-aio.test/tls-ports   comma-separated container ports served with TLS (also: port names `https*`)
//   io.litmus-aio.test/listen      comma-separated container ports to listen on instead of the pod spec's ports
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { tarFiles } from '../../peers/oci-image.js';
import { MEDIA, RegistryClient, type Credential } from './registry-client.js';

export const BEHAVIOUR_LABEL = 'io.litmus-aio.test/behaviour';
export const TLS_PORTS_LABEL = 'io.litmus-aio.test/tls-ports';
export const LISTEN_LABEL = 'io.litmus-aio.test/listen';

export interface TestImageOptions {
  /** host:port of the registry (RegistryPeer.host). */
  registry: string;
  /** The registry's CA (PEM). */
  ca: string;
  /** Push credential (`user:password`, RegistryPeer.creds). */
  creds: string;
  repository: string;
  tag: string;
  labels?: Record<string, string>;
  /** Shorthand for labels[BEHAVIOUR_LABEL]. */
  behaviour?: string;
  /** The image config's Env: the container process's environment (the pod spec's `env` overrides it). */
  env?: Record<string, string>;
}

export interface PushedImage {
  /** host:port/repo:tag */
  reference: string;
  /** host:port/repo@sha256:... */
  byDigest: string;
  digest: string;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function pushTestImage(o: TestImageOptions): Promise<PushedImage> {
  const client = new RegistryClient({ ca: o.ca });
  const [username, ...pw] = o.creds.split(':');
  const cred: Credential = { username: username!, password: pw.join(':') };
  const repo = o.repository;
  const labels = { ...o.labels, ...(o.behaviour ? { [BEHAVIOUR_LABEL]: o.behaviour } : {}) };

  const tar = tarFiles({ 'etc/litmus-sandbox/image.txt': `${repo}:${o.tag}\n` });
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: {
        Labels: labels,
        ...(o.env ? { Env: Object.entries(o.env).map(([k, v]) => `${k}=${v}`) } : {}),
      },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      history: [{ created_by: 'test/support/kube-apiserver/kubelet/test-images.ts' }],
    }),
  );

  const pushBlob = async (blob: Buffer) => {
    const digest = sha256(blob);
    const head = await client.authed(
      'HEAD',
      o.registry,
      `/v2/${repo}/blobs/${digest}`,
      repo,
      'pull,push',
      cred,
    );
    if (head.status === 200) return digest;
    const start = await client.authed(
      'POST',
      o.registry,
      `/v2/${repo}/blobs/uploads/`,
      repo,
      'pull,push',
      cred,
    );
    const location = start.headers.location;
    if (start.status !== 202 || typeof location !== 'string') {
      throw new Error(
        `starting a blob upload to ${o.registry}/${repo}: ${start.status} ${start.body.toString()}`,
      );
    }
    const u = new URL(location, `https://${o.registry}`);
    u.searchParams.set('digest', digest);
    const put = await client.authed(
      'PUT',
      o.registry,
      `${u.pathname}${u.search}`,
      repo,
      'pull,push',
      cred,
      { 'content-type': 'application/octet-stream' },
      blob,
    );
    if (put.status !== 201) throw new Error(`uploading ${digest}: ${put.status} ${put.body.toString()}`);
    return digest;
  };

  const configDigest = await pushBlob(config);
  const layerDigest = await pushBlob(layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: config.length },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length },
      ],
    }),
  );
  const put = await client.authed(
    'PUT',
    o.registry,
    `/v2/${repo}/manifests/${o.tag}`,
    repo,
    'pull,push',
    cred,
    { 'content-type': MEDIA.ociManifest },
    manifest,
  );
  if (put.status !== 201)
    throw new Error(`putting manifest ${repo}:${o.tag}: ${put.status} ${put.body.toString()}`);
  const digest = sha256(manifest);
  return {
    reference: `${o.registry}/${repo}:${o.tag}`,
    byDigest: `${o.registry}/${repo}@${digest}`,
    digest,
  };
}

/** A `kubernetes.io/dockerconfigjson` Secret for `registry` (host:port) with `creds` (`user:password`). */
export function pullSecret(namespace: string, name: string, registry: string, creds: string) {
  const [username, ...pw] = creds.split(':');
  const password = pw.join(':');
  const config = {
    auths: { [registry]: { username, password, auth: Buffer.from(creds).toString('base64') } },
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
  };
}
