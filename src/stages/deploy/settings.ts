// What the deploy stage works from, derived once from the inputs (no casts, no `!`): every "X needs Y" is checked
// here, before anything is contacted, and reported as an input problem.
import { isAbsolute, resolve } from 'node:path';
import { InputError } from '../../config/input-error.js';
import type { Inputs } from '../../config/input-specs.js';
import { parseImageRef } from '../../registry/image-ref.js';
import type { ImageRef } from '../../registry/types.js';
import { resolveMode } from '../mirror/settings.js';

/** How this run reads `registry` to resolve a tag to its digest. */
export interface RegistryAccess {
  host: string;
  insecureHttp: boolean;
  mode: 'acr' | 'oci';
  credentials?: { username: string; password: string };
  ca?: string;
}

export interface DeploySettings {
  release: string;
  namespace: string;
  /** The chart input as given (a path is made absolute); undefined: the chart shipped with this tool. */
  chart?: string;
  userValues: Record<string, unknown>;
  /** The image input. */
  image?: ImageRef;
  /** `<registry>/<target-repository>:<litmus-edge-version>`, when those inputs are set. */
  versionImage?: ImageRef;
  /** The mirror stage runs in this pipeline: its `image` output is the default. */
  mirrorSelected: boolean;
  registry?: RegistryAccess;
  /** The pull Secret the pods name; undefined for `pull-secret: none`. */
  pullSecret?: string;
  storageClass?: string;
  storageSize: string;
  serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  deployTimeoutS: number;
  lockTimeoutS: number;
  helmVersion?: string;
}

function registryAccess(i: Inputs): RegistryAccess | undefined {
  if (!i.registry) return undefined;
  return {
    host: i.registry.replace(/^https?:\/\//i, '').replace(/\/$/, ''),
    insecureHttp: /^http:\/\//i.test(i.registry),
    mode: resolveMode(i),
    ...(i['registry-username'] && i['registry-password']
      ? { credentials: { username: i['registry-username'], password: i['registry-password'] } }
      : {}),
    ...(i['registry-ca'] ? { ca: i['registry-ca'] } : {}),
  };
}

function versionImage(i: Inputs, registry?: RegistryAccess): ImageRef | undefined {
  if (!registry || !i['litmus-edge-version']) return undefined;
  return parseImageRef(`${registry.host}/${i['target-repository']}:${i['litmus-edge-version']}`);
}

/**
 * A path is taken relative to the working directory (the workspace); oci:// (or https://) references stay as given.
 * Helm runs with a private home, so repository shorthands (repo/chart) are not available.
 */
function chartInput(chart: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chart) || isAbsolute(chart)) return chart;
  return resolve(cwd, chart);
}

export function deploySettings(i: Inputs, cwd = process.cwd()): DeploySettings {
  const registry = registryAccess(i);
  const image = i.image ? parseImageRef(i.image) : undefined;
  const fromVersion = versionImage(i, registry);
  const mirrorSelected = i.stages.includes('mirror');
  if (!image && !fromVersion && !mirrorSelected)
    throw new InputError([
      {
        input: 'image',
        source: i.stagesExplicit ? 'stage deploy' : 'stage deploy, one of the default stages',
        problem:
          'is required by the deploy stage when the mirror stage does not run (or registry and litmus-edge-version, which name the mirrored image)',
        expected: 'an image reference, or registry with litmus-edge-version',
        example:
          'image: plant7acr.azurecr.io/litmusedge/litmusedge-std-docker:3.16.2, or registry: plant7acr.azurecr.io with litmus-edge-version: 3.16.2',
      },
    ]);
  return {
    release: i.release,
    namespace: i.namespace,
    ...(i.chart ? { chart: chartInput(i.chart, cwd) } : {}),
    userValues: i.values ?? {},
    ...(image ? { image } : {}),
    ...(fromVersion ? { versionImage: fromVersion } : {}),
    mirrorSelected,
    ...(registry ? { registry } : {}),
    ...(i['pull-secret'] !== 'none' ? { pullSecret: i['pull-secret'] } : {}),
    ...(i['storage-class'] ? { storageClass: i['storage-class'] } : {}),
    storageSize: i['storage-size'],
    serviceType: i['service-type'],
    deployTimeoutS: i['deploy-timeout'],
    lockTimeoutS: i['lock-timeout'],
    ...(i['helm-version'] ? { helmVersion: i['helm-version'] } : {}),
  };
}
