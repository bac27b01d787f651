// ACR import for real: the stand-in's registries map to registry peers (test/support/peers/registry.ts), and an
// importImage copies the source image (by digest or tag, with the request's credentials) from a source peer to the
// target peer under every target tag with skopeo (`copy --all --preserve-digests`, so the digest is the source's).
// NoForce asks the target peer whether a tag exists. Wire the result into startArmStandIn's hooks:
//
//   const imports = peerImportHooks({ registries: { [arm.seed.registryId]: targetPeer }, sources: [sourcePeer] });
//   arm.hooks.importImage = imports.importImage; arm.hooks.targetTagExists = imports.targetTagExists;
//
// Source registries are found by the request's `registryUri` (host[:port]); nothing here uses src/registry.
import { createHash } from 'node:crypto';
import type { Skopeo } from '../peers/skopeo.js';
import { ArmError } from './errors.js';
import type { ImportImageHook, ImportImageRequest, TargetTagExistsHook } from './types.js';

/** What the copy needs to know of a registry peer (RegistryPeer has all of it). */
export interface PeerRegistryRef {
  /** 127.0.0.1:<port> */
  host: string;
  /** `user:password` */
  creds: string;
  /** Directory with the CA (ca.crt) that issued the peer's certificate. */
  certDir: string | undefined;
}

export interface PeerImportOptions {
  /** Target registries: ARM registry resource id (any case) → the peer that holds its content. */
  registries: Record<string, PeerRegistryRef>;
  /** Source registries, found by `registryUri` = host. */
  sources: PeerRegistryRef[];
  skopeo: Skopeo;
}

export interface PeerImportHooks {
  importImage: ImportImageHook;
  targetTagExists: TargetTagExistsHook;
  /** Every copy done, for assertions: `<source> -> <target>`. */
  readonly copies: string[];
}

const sha256 = (raw: string) => `sha256:${createHash('sha256').update(raw, 'utf8').digest('hex')}`;

export function peerImportHooks(o: PeerImportOptions): PeerImportHooks {
  const target = (registryId: string): PeerRegistryRef => {
    const key = Object.keys(o.registries).find((k) => k.toLowerCase() === registryId.toLowerCase());
    if (!key) throw new Error(`ARM stand-in: no registry peer behind ${registryId}`);
    return o.registries[key]!;
  };
  const certArgs = (flag: string, p: PeerRegistryRef) => (p.certDir ? [flag, p.certDir] : []);
  const copies: string[] = [];

  /** The raw manifest's digest, or undefined when the reference does not exist. */
  async function digestOf(p: PeerRegistryRef, creds: string, reference: string): Promise<string | undefined> {
    const r = await o.skopeo.run([
      'inspect',
      '--raw',
      '--creds',
      creds,
      ...certArgs('--cert-dir', p),
      `docker://${p.host}/${reference}`,
    ]);
    if (r.code === 0) return sha256(r.stdout);
    if (/manifest unknown|not found|name unknown/i.test(r.stderr)) return undefined;
    throw new Error(`skopeo inspect ${p.host}/${reference} failed (${r.code}): ${r.stderr}`);
  }

  async function importImage(req: ImportImageRequest): Promise<{ digest: string }> {
    const source = o.sources.find((s) => s.host === req.source.registryUri);
    if (!source) {
      throw new ArmError(
        400,
        'InvalidParameters',
        `The source registry '${req.source.registryUri ?? req.source.resourceId}' could not be reached.`,
      );
    }
    const c = req.source.credentials;
    const creds = c ? `${c.username ?? ''}:${c.password}` : source.creds;
    const from = `docker://${source.host}/${req.source.sourceImage}`;
    const dest = target(req.registryId);
    let digest: string | undefined;
    for (const tag of req.targetTags) {
      const r = await o.skopeo.run(
        [
          'copy',
          '--all',
          '--preserve-digests',
          '--src-creds',
          creds,
          ...certArgs('--src-cert-dir', source),
          '--dest-creds',
          dest.creds,
          ...certArgs('--dest-cert-dir', dest),
          from,
          `docker://${dest.host}/${tag}`,
        ],
        { timeoutMs: 120_000 },
      );
      if (r.code !== 0) {
        // ACR's answers for a source it cannot read (unauthorized, missing image) are InvalidParameters.
        const why = /unauthorized|authentication required|401/i.test(r.stderr)
          ? `The source registry '${source.host}' refused the credentials.`
          : `The source image ${req.source.registryUri}/${req.source.sourceImage} could not be found.`;
        throw new ArmError(400, 'InvalidParameters', `${why} (${r.stderr.trim().split('\n').pop() ?? ''})`);
      }
      copies.push(`${from} -> ${dest.host}/${tag}`);
      digest = await digestOf(dest, dest.creds, tag);
    }
    return { digest: digest ?? (await digestOf(source, creds, req.source.sourceImage)) ?? '' };
  }

  return {
    importImage,
    targetTagExists: async (registryId, repoTag) => {
      const dest = target(registryId);
      return (await digestOf(dest, dest.creds, repoTag)) !== undefined;
    },
    copies,
  };
}
