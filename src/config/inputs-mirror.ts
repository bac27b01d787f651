// Inputs of the mirror stage: which Litmus Edge image, under which version, into which registry, and how the
// cluster pulls it. Moving tags are refused as versions: the version is the label this tool puts on a digest.
import * as z from 'zod/mini';
import { parseImageRef } from '../registry/image-ref.js';
import {
  booleanInput,
  defineInputs,
  integerInput,
  kubeNameInput,
  oneOf,
  quote,
  splitList,
} from './input-spec.js';
import { parseRegistryCredentials } from './registry-credentials.js';

const trimmed = (raw: unknown): unknown => (typeof raw === 'string' ? raw.trim() : raw);

/** Names that move: never a version (the tag would say one thing while the digest changes under it). */
const MOVING_TAGS = [
  'latest',
  'stable',
  'current',
  'edge',
  'main',
  'master',
  'nightly',
  'lts',
  'beta',
  'dev',
];
/** An OCI tag that reads as a version: 3.16.2, 3.16, 3.16.2-rc1, 3.16.2_build7. */
const VERSION = /^v?\d+(\.\d+){1,3}([-_.][0-9A-Za-z][0-9A-Za-z._-]*)?$/;

const version = z.pipe(
  z.transform(trimmed),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not a version` }).check(
    z.superRefine((v, ctx) => {
      const problem = MOVING_TAGS.includes(v.toLowerCase())
        ? `${quote(v)} is a moving tag, not a version: the mirror tags an image digest with this version, and a tag that moves would let the label lie about what runs`
        : !VERSION.test(v) || v.length > 128
          ? `${quote(v)} is not a version (digits and dots such as 3.16.2, optionally a suffix such as -rc1)`
          : undefined;
      if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
    }),
  ),
);

const imageRef = z.pipe(
  z.transform(trimmed),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not an image reference` }).check(
    z.refine((v: string) => parseImageRef(v) !== undefined, {
      error: (iss) =>
        `${quote(iss.input)} is not an image reference (host[:port]/repository[:tag][@sha256:<64 hex>])`,
    }),
  ),
);

/** host[:port], or http://host:port for a registry on this machine (loopback) only. */
const REGISTRY =
  /^(?:(https?):\/\/)?((?:[a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?|\[[0-9a-f:]+\])(?::(\d{1,5}))?\/?$/i;
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

export function registryProblem(v: string): string | undefined {
  const m = REGISTRY.exec(v);
  if (!m) return `${quote(v)} is not a registry host[:port]`;
  if (m[5] !== undefined && !(Number(m[5]) >= 1 && Number(m[5]) <= 65535))
    return `${quote(v)} has port ${m[5]}, not one from 1 to 65535`;
  if (m[1]?.toLowerCase() === 'http' && !LOOPBACK.test(m[2]!))
    return `${quote(v)} is plain http to a remote host: credentials and images would travel unencrypted (http:// is accepted for a loopback registry only; give the host without http:// and registry-ca for a private CA)`;
  return undefined;
}

const registry = z.pipe(
  z.transform(trimmed),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not a registry` }).check(
    z.superRefine((v, ctx) => {
      const problem = registryProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
    }),
  ),
);

const repository = z.pipe(
  z.transform(trimmed),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not a repository` }).check(
    z.regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, {
      error: (iss) =>
        `${quote(iss.input)} is not a repository name (lower-case path components separated by '/')`,
    }),
    z.maxLength(255, { error: 'the repository name is longer than 255 characters' }),
  ),
);

const platforms = z.pipe(
  z.transform((raw: unknown) => (typeof raw === 'string' && raw.trim() === 'all' ? 'all' : splitList(raw))),
  z.union([
    z.literal('all'),
    z
      .array(
        z.string().check(
          z.regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9.]+)?$/, {
            error: (iss) => `${quote(iss.input)} is not a platform such as linux/amd64 or linux/arm64/v8`,
          }),
        ),
      )
      .check(z.minLength(1, { error: 'no platform given' })),
  ]),
);

const pem = z.pipe(
  z.transform(trimmed),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not PEM` }).check(
    z.regex(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/, {
      error: 'holds no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)',
    }),
  ),
);

const credentials = z.pipe(
  z.transform((raw: unknown) => (typeof raw === 'string' ? raw.trim() : raw)),
  z.string({ error: 'is not text' }).check(
    z.superRefine((v, ctx) => {
      const parsed = parseRegistryCredentials(v);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', input: '', message: parsed.problem });
    }),
  ),
);

export const MIRROR_INPUTS = defineInputs({
  'litmus-edge-version': {
    description:
      'The Litmus Edge version the mirrored image is tagged with (mirror and upgrade). Litmus publishes only `latest`: the stage resolves it to a digest once and tags exactly that digest with this version. Moving names (`latest`, `stable`, ...) are refused.',
    expected: 'a version such as 3.16.2',
    example: 'litmus-edge-version: 3.16.2',
    schema: z.optional(version),
  },
  'source-image': {
    description: 'The image to mirror (tag or digest).',
    default: 'us-docker.pkg.dev/litmus-sales-enablement/litmusedge/litmusedge-std-docker:latest',
    expected: 'host[:port]/repository[:tag][@sha256:...]',
    example:
      'source-image: us-docker.pkg.dev/litmus-sales-enablement/litmusedge/litmusedge-std-docker:latest',
    schema: imageRef,
  },
  'source-credentials': {
    description:
      'Credentials for `source-image`: the Google service-account JSON key Litmus gives customers (sent as user `_json_key` with the raw JSON; it must hold `type`, `client_email` and `private_key`), or `user:password`.',
    expected: 'a service-account JSON key, or user:password',
    example: 'source-credentials: ${{ secrets.LITMUS_GAR_KEY }}',
    secret: true,
    schema: z.optional(credentials),
  },
  'source-ca': {
    description:
      'PEM bundle to trust for the source registry, when it has a private CA (a mirror of your own). TLS verification is never turned off.',
    expected: 'PEM certificates',
    example: 'source-ca: ${{ vars.SOURCE_REGISTRY_CA_PEM }}',
    schema: z.optional(pem),
  },
  registry: {
    description:
      'The destination registry: an Azure Container Registry login server (`myacr.azurecr.io`) or any registry `host[:port]`. `http://` only for a registry on this machine.',
    expected: 'host[:port]',
    example: 'registry: plant7acr.azurecr.io',
    schema: z.optional(registry),
  },
  'mirror-mode': {
    description:
      '`acr`: server-side `importImage` through Azure Resource Manager (no image bytes through the runner). `oci`: copy over the registry API (any registry). `auto`: `acr` for an Azure Container Registry login server of the selected cloud, else `oci`.',
    default: 'auto',
    expected: 'auto, acr or oci',
    example: 'mirror-mode: oci',
    schema: oneOf(['auto', 'acr', 'oci'], 'a mirror mode'),
  },
  'registry-resource-group': {
    description: 'Resource group of the Azure Container Registry (acr mode); default `resource-group`.',
    expected: 'a resource group name',
    example: 'registry-resource-group: rg-shared-registries',
    schema: z.optional(
      z.string().check(
        z.regex(/^[-\w._()]{1,90}$/, {
          error: (iss) => `${quote(iss.input)} is not a valid resource group name`,
        }),
      ),
    ),
  },
  'target-repository': {
    description: 'Repository in `registry` the image is copied to.',
    default: 'litmusedge/litmusedge-std-docker',
    expected: 'a repository path',
    example: 'target-repository: litmusedge/litmusedge-std-docker',
    schema: repository,
  },
  'registry-username': {
    description:
      'User for `registry` (oci mode). The cluster pulls with the same credentials unless acr mode issues a pull token.',
    expected: 'a user name',
    example: 'registry-username: mirror-bot',
    schema: z.optional(z.pipe(z.transform(trimmed), z.string().check(z.minLength(1), z.maxLength(256)))),
  },
  'registry-password': {
    description: 'Password or token for `registry-username` (oci mode).',
    expected: 'a password',
    example: 'registry-password: ${{ secrets.REGISTRY_PASSWORD }}',
    secret: true,
    schema: z.optional(z.string().check(z.minLength(1))),
  },
  'registry-ca': {
    description:
      'PEM bundle to trust for `registry` (a registry with a private CA). TLS verification is never turned off.',
    expected: 'PEM certificates',
    example: 'registry-ca: ${{ vars.REGISTRY_CA_PEM }}',
    schema: z.optional(pem),
  },
  platforms: {
    description:
      '`all`: the image index is copied whole, so its digest is kept. Or a list of platforms (e.g. `linux/amd64`): only those are copied, and the tag then names a different digest than the source.',
    default: 'all',
    expected: 'all, or platforms such as linux/amd64',
    example: 'platforms: linux/amd64',
    schema: platforms,
  },
  'force-retag': {
    description:
      'Move the version tag in `registry` to the source digest when it already names a different image. Without it the stage refuses, naming both digests.',
    default: 'false',
    expected: 'true or false',
    example: 'force-retag: true',
    schema: booleanInput(),
  },
  'pull-secret': {
    description:
      'Name of the `kubernetes.io/dockerconfigjson` Secret written into `namespace` for the cluster to pull the image with. `none`: write none (then mirror needs no cluster access).',
    default: 'litmusedge-pull',
    expected: 'a Kubernetes name, or none',
    example: 'pull-secret: litmusedge-pull',
    schema: kubeNameInput(),
  },
  'pull-token-days': {
    description:
      'acr mode: rotate the repository-scoped pull token password when it is older than this many days (the two password slots are used in turn, so the cluster never holds a revoked one).',
    default: '30',
    expected: 'a whole number of days from 1 to 365',
    example: 'pull-token-days: 30',
    schema: integerInput(1, 365),
  },
});
