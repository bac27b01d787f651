// What the mirror stage works from, derived once from the inputs: no casts, no `!`, every "X needs Y" checked here
// (before anything is contacted) and reported as an input problem.
import { InputError, type InputProblem } from '../../config/input-error.js';
import type { Inputs } from '../../config/input-specs.js';
import { parseRegistryCredentials } from '../../config/registry-credentials.js';
import { parseImageRef } from '../../registry/image-ref.js';
import type { ImageRef } from '../../registry/types.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface MirrorSettings {
  version: string;
  source: ImageRef;
  sourceCredentials?: Credentials;
  sourceCa?: string;
  /** host[:port] of the destination, and whether it is reached over plain http (loopback only). */
  registry: string;
  insecureHttp: boolean;
  mode: 'acr' | 'oci';
  target: ImageRef & { tag: string };
  registryCredentials?: Credentials;
  registryCa?: string;
  platforms: 'all' | string[];
  forceRetag: boolean;
  /** The pull Secret to write in `namespace`; undefined for `pull-secret: none`. */
  pullSecret?: { namespace: string; name: string };
  acr?: { subscriptionId?: string; resourceGroup: string; registryName: string };
  pullTokenDays: number;
}

/** Login-server suffixes of Azure Container Registry per cloud. */
const ACR_SUFFIX = { public: '.azurecr.io', usgov: '.azurecr.us', china: '.azurecr.cn' } as const;

function requiredProblems(i: Inputs, mode: 'acr' | 'oci'): InputProblem[] {
  const source = i.stagesExplicit ? 'stage mirror' : 'stage mirror, one of the default stages';
  const problem = (input: string, text: string, expected: string, example: string): InputProblem => ({
    input,
    source,
    problem: text,
    expected,
    example,
  });
  const out: InputProblem[] = [];
  if (!i['litmus-edge-version'])
    out.push(
      problem(
        'litmus-edge-version',
        'is required by the mirror stage (the version the image is tagged with)',
        'a version such as 3.16.2',
        'litmus-edge-version: 3.16.2 (or leave mirror out: stages: certs,authpolicy,smoke)',
      ),
    );
  if (!i.registry)
    out.push(
      problem(
        'registry',
        'is required by the mirror stage (where the image is copied to)',
        'host[:port]',
        'registry: plant7acr.azurecr.io (or leave mirror out: stages: certs,authpolicy,smoke)',
      ),
    );
  if (mode === 'acr' && !(i['registry-resource-group'] ?? i['resource-group']))
    out.push(
      problem(
        'registry-resource-group',
        'is required in acr mode (with resource-group as its default)',
        'a resource group name',
        'registry-resource-group: rg-shared-registries',
      ),
    );
  if (!!i['registry-username'] !== !!i['registry-password'])
    out.push(
      problem(
        i['registry-username'] ? 'registry-password' : 'registry-username',
        'must be given together with its partner (registry-username and registry-password)',
        'both or neither',
        'registry-username: mirror-bot and registry-password: ${{ secrets.REGISTRY_PASSWORD }}',
      ),
    );
  if (mode === 'acr' && i.platforms !== 'all')
    out.push(
      problem(
        'platforms',
        'applies to oci mode only: ACR importImage copies the whole index',
        'all (in acr mode)',
        'platforms: all, or mirror-mode: oci',
      ),
    );
  if (mode === 'oci' && i.registry && i['pull-secret'] !== 'none' && !i['registry-username'])
    out.push(
      problem(
        'registry-username',
        'is required in oci mode to write the pull secret (the cluster pulls with these credentials)',
        'a user (with registry-password)',
        'registry-username: puller, or pull-secret: none',
      ),
    );
  return out;
}

export function resolveMode(i: Inputs): 'acr' | 'oci' {
  if (i['mirror-mode'] !== 'auto') return i['mirror-mode'];
  const host = (i.registry ?? '')
    .replace(/^https?:\/\//, '')
    .split(':')[0]!
    .toLowerCase();
  return host.endsWith(ACR_SUFFIX[i['azure-cloud']]) ? 'acr' : 'oci';
}

export function mirrorSettings(i: Inputs): MirrorSettings {
  const mode = resolveMode(i);
  const problems = requiredProblems(i, mode);
  const source = parseImageRef(i['source-image']);
  if (problems.length > 0 || !source || !i.registry || !i['litmus-edge-version'])
    throw new InputError(problems);
  const registry = i.registry.replace(/^https?:\/\//, '').replace(/\/$/, '');
  const creds = i['source-credentials'] ? parseRegistryCredentials(i['source-credentials']) : undefined;
  const group = i['registry-resource-group'] ?? i['resource-group'];
  return {
    version: i['litmus-edge-version'],
    source,
    ...(creds?.ok ? { sourceCredentials: { username: creds.username, password: creds.password } } : {}),
    ...(i['source-ca'] ? { sourceCa: i['source-ca'] } : {}),
    registry,
    insecureHttp: /^http:\/\//i.test(i.registry),
    mode,
    target: { registry, repository: i['target-repository'], tag: i['litmus-edge-version'] },
    ...(i['registry-username'] && i['registry-password']
      ? { registryCredentials: { username: i['registry-username'], password: i['registry-password'] } }
      : {}),
    ...(i['registry-ca'] ? { registryCa: i['registry-ca'] } : {}),
    platforms: i.platforms,
    forceRetag: i['force-retag'],
    ...(i['pull-secret'] !== 'none'
      ? { pullSecret: { namespace: i.namespace, name: i['pull-secret'] } }
      : {}),
    ...(mode === 'acr' && group
      ? {
          acr: {
            ...(i['azure-subscription-id'] ? { subscriptionId: i['azure-subscription-id'] } : {}),
            resourceGroup: group,
            registryName: registry.split('.')[0]!,
          },
        }
      : {}),
    pullTokenDays: i['pull-token-days'],
  };
}
