// The single source of truth for every input and output: schemas, documentation, secrecy.
// action.yml, the README's tables and the CLI's help are generated from these lists.
import type * as z from 'zod/mini';
import type { InputSpec } from './input-spec.js';
import { AUTHPOLICY_INPUTS } from './inputs-authpolicy.js';
import { AZURE_INPUTS } from './inputs-azure.js';
import { CERTS_INPUTS } from './inputs-certs.js';
import { CHECK_CERTS_INPUTS, CHECK_CERTS_OUTPUTS } from './inputs-check-certs.js';
import { CLUSTER_ACCESS_INPUTS } from './inputs-cluster-access.js';
import { CLUSTER_INPUTS } from './inputs-cluster.js';
import { CONNECTOR_INPUTS, CONNECTOR_OUTPUTS } from './inputs-connector.js';
import { CORE_INPUTS } from './inputs-core.js';
import { DEPLOY_INPUTS, DEPLOY_OUTPUTS } from './inputs-deploy.js';
import { MIRROR_INPUTS } from './inputs-mirror.js';
import { SMOKE_INPUTS } from './inputs-smoke.js';

const ALL_INPUTS = {
  ...CORE_INPUTS,
  ...CLUSTER_ACCESS_INPUTS,
  ...CLUSTER_INPUTS,
  ...AZURE_INPUTS,
  ...MIRROR_INPUTS,
  ...DEPLOY_INPUTS,
  ...CERTS_INPUTS,
  ...AUTHPOLICY_INPUTS,
  ...CONNECTOR_INPUTS,
  ...SMOKE_INPUTS,
  ...CHECK_CERTS_INPUTS,
};

export const INPUT_SPECS: readonly InputSpec[] = Object.entries(ALL_INPUTS).map(([name, d]) => ({
  name,
  ...d,
}));

/** Validated values, keyed by input name; inputs with a default are never undefined. */
export type InputValues = {
  -readonly [K in keyof typeof ALL_INPUTS]: z.output<(typeof ALL_INPUTS)[K]['schema']>;
};

export type Inputs = InputValues & {
  /** False when `stages` was left at its default (all stages). */
  stagesExplicit: boolean;
};

export interface OutputSpec {
  name: string;
  description: string;
}

export const OUTPUT_SPECS: readonly OutputSpec[] = [
  {
    name: 'result',
    description:
      'JSON array of stage records: `{stage, status, changes[], durationMs, details?, outputs?, error?, reason?}`; status is `changed` (something was or, in plan mode, would be changed), `unchanged` (nothing to change), `passed` (a check such as smoke ran and held), `failed` or `skipped`.',
  },
  { name: 'changed', description: '`true` when any stage changed something (always `false` in plan mode).' },
  {
    name: 'drift',
    description:
      '`true` when a resource this tool owns was changed outside it since it applied it (see README, "Ownership and drift"); a scheduled `plan` is a drift detector.',
  },
  {
    name: 'client-cert-secret',
    description: 'certs: `namespace/name` of the Secret holding the client chain and key.',
  },
  { name: 'client-cert-expires', description: 'certs: expiry of the client certificate (ISO 8601).' },
  { name: 'client-cert-sha256', description: 'certs: SHA-256 fingerprint of the client certificate.' },
  {
    name: 'root-ca-sha256',
    description: 'certs: SHA-256 fingerprint of the client root CA the broker trusts.',
  },
  {
    name: 'broker-port',
    description: 'authpolicy: the TLS port on the broker listener that accepts the X.509 client.',
  },
  { name: 'smoke-latency-ms', description: 'smoke: median probe round trip in milliseconds.' },
  {
    name: 'smoke-result',
    description:
      'smoke: JSON `{ok, messages, lost, duplicates, latencyMs: {min, median, p95}, connectMs, interruptions[], topics[], via}`, or the failure `{ok: false, cause, message}`.',
  },
  {
    name: 'image',
    description:
      'mirror: `<registry>/<repository>:<version>@sha256:...`, the mirrored image pinned by digest (what deploy installs).',
  },
  { name: 'image-digest', description: 'mirror: digest the version tag names in `registry`.' },
  { name: 'source-digest', description: 'mirror: digest `source-image` resolved to for this run.' },
  {
    name: 'pull-secret',
    description: 'mirror: name of the pull Secret written in `namespace` (empty for none).',
  },
  {
    name: 'broker-ca-sha256',
    description: "certs: SHA-256 fingerprint of the AIO broker's CA (empty when its ConfigMap is missing).",
  },
  ...DEPLOY_OUTPUTS,
  ...CONNECTOR_OUTPUTS,
  ...CHECK_CERTS_OUTPUTS,
];

export function specByName(name: string): InputSpec | undefined {
  return INPUT_SPECS.find((s) => s.name === name);
}
