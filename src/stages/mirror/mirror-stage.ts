// Stage `mirror`: the Litmus Edge image in the user's registry under a real version tag, pinned by digest.
// observe (source digest, what the tag names) -> decide (copy / nothing / refuse / retag) -> describe -> apply
// (copy by digest, read the tag back, write the pull Secret). The registries are ports, so tests and the CLI run
// the same code against real registries and stand-ins.
import { STAGE_CATALOG } from '../../config/catalog.js';
import { formatImageRef } from '../../registry/image-ref.js';
import type {
  CopyItem,
  CopyProgress,
  Descriptor,
  ImageImporter,
  ImageRef,
  OciRegistry,
} from '../../registry/types.js';
import type { Logger } from '../../pipeline/logger.js';
import type { Stage, StageContext, StageOutcome } from '../../pipeline/stage.js';
import type { StageDeps } from '../stage-deps.js';
import { decideMirror, type MirrorDecision } from './decide.js';
import { defaultMirrorPorts } from './ports.js';
import {
  desiredPullSecret,
  ensureNamespace,
  pullSecretCredentials,
  pullSecretCurrent,
  type SecretObject,
} from './pull-secret.js';
import { mirrorSettings, type Credentials, type MirrorSettings } from './settings.js';

export interface MirrorPorts {
  source(): Promise<OciRegistry>;
  /** The destination over the registry API (reading the tag back; the copy itself in oci mode). */
  target(): Promise<OciRegistry>;
  /** acr mode: the server-side import. */
  importer(): Promise<ImageImporter>;
  /** What the cluster pulls with: the registry user (oci) or a repository-scoped pull token (acr). */
  /**
   * What the cluster pulls with: the registry user (oci) or a repository-scoped pull token (acr: created or
   * rotated as needed, a write, so never asked in plan mode). `current` is what the pull Secret holds now.
   */
  pullCredential(current?: Credentials): Promise<Credentials>;
}

interface Observed {
  source: ImageRef & { digest: string };
  sourceDescriptor: Descriptor;
  expected: string;
  current?: string;
  /** oci mode: what a copy would transfer. */
  items?: CopyItem[];
}

const ref = formatImageRef;
const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

async function observe(p: MirrorPorts, s: MirrorSettings, signal: AbortSignal): Promise<Observed> {
  const [src, dst] = await Promise.all([p.source(), p.target()]);
  const sourceDescriptor = await src.resolve(s.source, signal);
  if (!sourceDescriptor)
    throw new Error(
      `mirror: ${ref(s.source)} was not found at ${src.where}. Fix: check source-image, and that source-credentials may read it`,
    );
  const source = { ...s.source, digest: sourceDescriptor.digest };
  let expected = sourceDescriptor.digest;
  let items: CopyItem[] | undefined;
  if (s.mode === 'oci') {
    // A dry run lists what a copy would transfer, and (for a platform subset) the digest it would produce.
    const dry = await dst.copyFrom(src, source, s.target, { platforms: s.platforms, signal, dryRun: true });
    items = dry.items;
    expected = dry.descriptor.digest;
  }
  const current = (await dst.resolve(s.target, signal))?.digest;
  return { source, sourceDescriptor, expected, ...(current ? { current } : {}), ...(items ? { items } : {}) };
}

function describeCopy(o: Observed, s: MirrorSettings, d: MirrorDecision): string {
  const what = `${ref(o.source)} -> ${ref(s.target)}`;
  const verb = d.action === 'retag' ? `move the tag from ${d.from} and copy` : 'copy';
  if (s.mode === 'acr')
    return `${verb} ${what} server-side (ACR importImage, mode ${d.action === 'retag' ? 'Force' : 'NoForce'})`;
  const upload = (o.items ?? []).filter((x) => x.how === 'upload');
  const present = (o.items ?? []).filter((x) => x.how !== 'upload');
  const bytes = upload.reduce((n, x) => n + x.size, 0);
  return `${verb} ${what}: ${upload.length} blob(s)/manifest(s) to upload (${mib(bytes)}), ${present.length} already there or mounted`;
}

function progressLogger(log: Logger): (p: CopyProgress) => void {
  const started = performance.now();
  let told = 0;
  return (p) => {
    const now = performance.now();
    if (now - told < 5000 && p.bytesDone < p.bytesTotal) return;
    told = now;
    const rate = p.bytesDone / 1048576 / Math.max(0.001, (now - started) / 1000);
    log.info(`copied ${mib(p.bytesDone)} of ${mib(p.bytesTotal)} (${rate.toFixed(1)} MiB/s)`);
  };
}

async function copy(
  p: MirrorPorts,
  s: MirrorSettings,
  o: Observed,
  d: MirrorDecision,
  ctx: StageContext,
): Promise<void> {
  if (s.mode === 'acr') {
    const importer = await p.importer();
    await importer.importImage(o.source, s.target, {
      mode: d.action === 'retag' ? 'Force' : 'NoForce',
      ...(s.sourceCredentials ? { credentials: s.sourceCredentials } : {}),
      signal: ctx.signal,
    });
    return;
  }
  const [src, dst] = await Promise.all([p.source(), p.target()]);
  await dst.copyFrom(src, o.source, s.target, {
    platforms: s.platforms,
    signal: ctx.signal,
    onProgress: progressLogger(ctx.log),
  });
}

/** Writes the pull Secret when it differs; returns the change made, if any. */
async function ensurePullSecret(
  deps: StageDeps,
  p: MirrorPorts,
  s: MirrorSettings,
  apply: boolean,
): Promise<string[]> {
  if (!s.pullSecret) return [];
  const kube = await deps.kube();
  const secretRef = { apiVersion: 'v1', kind: 'Secret', ...s.pullSecret };
  const existing = await kube.get<SecretObject>(secretRef);
  const current = pullSecretCredentials(existing, s.registry);
  if (s.mode === 'acr' && !apply) {
    // The pull token is created or rotated on run: ACR cannot be asked without changing it.
    if (current) return [];
    return [
      `create a pull-only ACR token for ${s.target.repository} and pull Secret ${s.pullSecret.namespace}/${s.pullSecret.name}`,
    ];
  }
  const credential = await p.pullCredential(current);
  deps.mask(credential.password);
  if (pullSecretCurrent(existing, s.registry, credential)) return [];
  const change = `${existing ? 'update' : 'create'} pull Secret ${s.pullSecret.namespace}/${s.pullSecret.name} (kubernetes.io/dockerconfigjson for ${s.registry}, user ${credential.username})`;
  if (!apply) return [change];
  const created = await ensureNamespace(kube, s.pullSecret.namespace);
  const secret = desiredPullSecret(s.pullSecret, s.registry, credential, existing);
  await (existing ? kube.replace(secret) : kube.create(secret));
  return [...(created ? [`create namespace ${s.pullSecret.namespace}`] : []), change];
}

function outputsOf(s: MirrorSettings, o: Observed, digest: string): Record<string, string> {
  return {
    image: `${s.registry}/${s.target.repository}:${s.version}@${digest}`,
    'image-digest': digest,
    'source-digest': o.sourceDescriptor.digest,
    'pull-secret': s.pullSecret?.name ?? '',
  };
}

async function run(
  deps: StageDeps,
  p: MirrorPorts,
  s: MirrorSettings,
  ctx: StageContext,
): Promise<StageOutcome> {
  const apply = ctx.mode === 'apply';
  const o = await observe(p, s, ctx.signal);
  const d = decideMirror(o, { forceRetag: s.forceRetag, target: ref(s.target) });
  if (d.action === 'refuse') throw new Error(`mirror: nothing was changed: ${d.problem}. Fix: ${d.fix}`);
  const changes = d.action === 'none' ? [] : [describeCopy(o, s, d)];
  let digest = o.expected;
  if (apply && d.action !== 'none') {
    ctx.log.info(changes[0]!);
    await copy(p, s, o, d, ctx);
    // Read the tag back: what the cluster will pull is what the registry says, not what we sent.
    digest = (await (await p.target()).resolve(s.target, ctx.signal))?.digest ?? '(absent)';
    if (digest !== o.expected)
      throw new Error(
        `mirror: after the copy ${ref(s.target)} names ${digest}, not ${o.expected}. Fix: check the registry (another writer, or a registry that rewrites manifests) and run again`,
      );
  }
  changes.push(...(await ensurePullSecret(deps, p, s, apply)));
  return {
    changed: changes.length > 0,
    changes,
    details: [
      `${ref(s.source)} is ${o.sourceDescriptor.digest}; ${ref(s.target)} ${o.current ? `named ${o.current}` : 'was absent'}`,
    ],
    outputs: outputsOf(s, o, digest),
  };
}

export function createMirrorStage(deps: StageDeps, ports?: MirrorPorts): Stage {
  const s = mirrorSettings(deps.inputs);
  const p = ports ?? defaultMirrorPorts(deps, s);
  return {
    name: 'mirror',
    needs: STAGE_CATALOG.mirror.needs,
    plan: (ctx) => run(deps, p, s, ctx),
    apply: (ctx) => run(deps, p, s, ctx),
  };
}
