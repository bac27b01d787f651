// Inputs and outputs of the deploy stage: which release, which chart and values, which image, how long to wait
// for the rollout and for another run's deploy lock.
import * as z from 'zod/mini';
import { parseImageRef } from '../registry/image-ref.js';
import { defineInputs, integerInput, oneOf, quote, textInput } from './input-spec.js';
import { yamlMappingInput } from './yaml-mapping-input.js';

const trimmed = (raw: unknown): unknown => (typeof raw === 'string' ? raw.trim() : raw);

/** Names derive from the release (Service names must start with a letter); helm allows 53 characters. */
const releaseName = z.pipe(
  z.transform(trimmed),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not a release name` }).check(
    z.regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, {
      error: (iss) =>
        `${quote(iss.input)} is not a release name (lower-case letters, digits and '-', starting with a letter, ending with a letter or digit)`,
    }),
    z.maxLength(53, { error: (iss) => `${quote(iss.input)} is longer than 53 characters (helm's limit)` }),
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

/** Plenty for any values file; bounds what the YAML parser is handed. */
const MAX_VALUES_TEXT = 256 * 1024;

const valuesSchema = yamlMappingInput(MAX_VALUES_TEXT, 'chart values');

const storageClass = z.pipe(
  z.transform(trimmed),
  z.string().check(
    z.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
      error: (iss) => `${quote(iss.input)} is not a StorageClass name (kubectl get storageclass lists them)`,
    }),
    z.maxLength(253, { error: 'the StorageClass name is longer than 253 characters' }),
  ),
);

const quantity = z.pipe(
  z.transform(trimmed),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not a size` }).check(
    z.regex(/^[1-9][0-9]*(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/, {
      error: (iss) => `${quote(iss.input)} is not a Kubernetes storage size such as 10Gi or 500Mi`,
    }),
  ),
);

const helmVersion = z.pipe(
  z.transform(trimmed),
  z.string().check(
    z.regex(/^v?\d+\.\d+\.\d+$/, {
      error: (iss) => `${quote(iss.input)} is not a helm version such as 4.1.4`,
    }),
  ),
);

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** Why a helm download base URL cannot be used, or undefined: https, or plain http to this machine only. */
export function helmDownloadUrlProblem(v: string): string | undefined {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return `${quote(v)} is not a URL such as https://get.helm.sh`;
  }
  if (u.protocol === 'http:' && !LOOPBACK.test(u.hostname))
    return `${quote(v)} is plain http to a remote host (http:// is accepted for a loopback address only)`;
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `${quote(v)} is not an https:// URL`;
  if (u.username || u.password) return `${quote(v)} holds credentials, which a helm download does not send`;
  if (u.search || u.hash) return `${quote(v)} has a query or fragment`;
  return undefined;
}

const helmDownloadUrl = z.pipe(
  z.transform(trimmed),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not a URL` }).check(
    z.superRefine((v, ctx) => {
      const problem = helmDownloadUrlProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
    }),
  ),
);

export const DEPLOY_INPUTS = defineInputs({
  release: {
    description:
      'Name of the Helm release; the chart derives its object names from it, so two releases can share a namespace. The deploy lock (a Lease) is per release.',
    default: 'litmusedge',
    expected: 'a release name (lower-case letters, digits and -, at most 53)',
    example: 'release: litmusedge',
    schema: releaseName,
  },
  chart: {
    description:
      'The chart to install: a chart directory, a packaged `.tgz` or an `oci://` reference. Default: the Litmus Edge chart shipped with this tool (`charts/litmusedge`). Helm runs with a private home: for a private OCI registry set `HELM_REGISTRY_CONFIG`.',
    expected: 'a chart directory, .tgz file or oci:// reference',
    example: 'chart: ./charts/litmusedge',
    schema: z.optional(textInput('chart reference', 1024)),
  },
  values: {
    description:
      "Chart values as YAML, merged over the ones this tool sets (image, pull secret, service type, storage): yours win. See the chart's values.yaml for what it takes.",
    expected: 'a YAML mapping of chart values',
    example: 'values: "resources: {limits: {memory: 4Gi}}"',
    schema: z.optional(valuesSchema),
  },
  image: {
    description:
      'The Litmus Edge image to deploy. Default: the `image` output of the mirror stage in the same run, else `<registry>/<target-repository>:<litmus-edge-version>`. A reference without a digest is resolved to its digest in the registry before anything changes, so the release pins exactly one image.',
    expected: 'host[:port]/repository[:tag][@sha256:...]',
    example: 'image: plant7acr.azurecr.io/litmusedge/litmusedge-std-docker:3.16.2',
    schema: z.optional(imageRef),
  },
  'storage-class': {
    description:
      "StorageClass of the data volume (`/var`). Default: the cluster's default class. The claim is kept when the release is uninstalled.",
    expected: 'a StorageClass name',
    example: 'storage-class: managed-csi',
    schema: z.optional(storageClass),
  },
  'storage-size': {
    description: 'Size of the data volume (`/var`) of a new claim.',
    default: '10Gi',
    expected: 'a Kubernetes quantity such as 10Gi',
    example: 'storage-size: 20Gi',
    schema: quantity,
  },
  'service-type': {
    description:
      'Type of the Service for the Litmus Edge portal: `ClusterIP` (in-cluster only; reach it with kubectl port-forward), `NodePort` or `LoadBalancer`.',
    default: 'ClusterIP',
    expected: 'ClusterIP, NodePort or LoadBalancer',
    example: 'service-type: LoadBalancer',
    schema: oneOf(['ClusterIP', 'NodePort', 'LoadBalancer'], 'a Service type'),
  },
  'deploy-timeout': {
    description:
      'How long the rollout may take to become ready, in seconds (helm --timeout). When it does not, the stage diagnoses why (pods, container states, logs, events) and rolls back; a rollout that cannot succeed (a container crashing 3 times, an image the registry refuses or lacks) ends the wait early.',
    default: '600',
    expected: 'a whole number of seconds from 10 to 86400',
    example: 'deploy-timeout: 900',
    schema: integerInput(10, 86_400),
  },
  'lock-timeout': {
    description:
      'How long to wait, in seconds, when another run is deploying the same release (it holds the deploy lock, a Lease in `namespace`); then the stage fails naming that run.',
    default: '300',
    expected: 'a whole number of seconds from 0 to 86400',
    example: 'lock-timeout: 600',
    schema: integerInput(0, 86_400),
  },
  'helm-version': {
    description:
      "The helm version this run must use, e.g. `4.1.4`. On a GitHub runner, when helm on PATH is missing or another version, this version is downloaded from `helm-download-url`, checked against the SHA-256 helm publishes beside it before it is unpacked, and kept in the runner's tool cache (later steps of the job reuse it). Elsewhere (the CLI) helm must be on PATH and exactly this version. Without it any helm on PATH from 4.1.2 on is accepted.",
    expected: 'a helm version such as 4.1.4',
    example: 'helm-version: 4.1.4',
    schema: z.optional(helmVersion),
  },
  'helm-download-url': {
    description:
      "Where `helm-version` is downloaded from on a GitHub runner: `<url>/helm-v<version>-<os>-<arch>.tar.gz` and its `.sha256sum`, as helm publishes them. Set it to a mirror that keeps helm's file names (https, or http to a loopback address only).",
    default: 'https://get.helm.sh',
    expected: 'an https:// URL',
    example: 'helm-download-url: https://mirror.example.com/helm',
    schema: helmDownloadUrl,
  },
});

export const DEPLOY_OUTPUTS = [
  {
    name: 'release-revision',
    description:
      'deploy: the Helm revision the release is at after this run (the same as before when nothing changed).',
  },
  {
    name: 'previous-revision',
    description:
      'deploy: the revision that was deployed before this run (empty for a first install); the rollback target.',
  },
  {
    name: 'deployed-image',
    description: 'deploy: the image the release runs, pinned by digest (`<repository>:<tag>@sha256:...`).',
  },
  {
    name: 'previous-image',
    description:
      'deploy: the image the release ran before this run (empty for a first install); upgrade reports it as the from-version.',
  },
] as const;
