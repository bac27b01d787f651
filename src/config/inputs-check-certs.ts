// Inputs and outputs of the check-certs command: thresholds, remediation, the fleet file and the GitHub issue.
import * as z from 'zod/mini';
import { booleanInput, defineInputs, integerInput, kubeNameInput, quote, textInput } from './input-spec.js';

/** GitHub label names: up to 50 characters, no commas (the list separator). */
const labels = z.pipe(
  z.transform((raw: unknown) => (typeof raw === 'string' ? raw.split(/[,\n]/) : raw)),
  z.pipe(
    z.transform((v: unknown) =>
      Array.isArray(v) ? v.map((s) => (typeof s === 'string' ? s.trim() : s)).filter((s) => s !== '') : v,
    ),
    z
      .array(z.string({ error: (iss) => `label ${quote(iss.input)} is not text` }), {
        error: (iss) => `got ${quote(iss.input)}, not a list of labels`,
      })
      .check(
        z.minLength(1, { error: 'the list is empty: the issue is found by its first label' }),
        z.maxLength(20, { error: 'more than 20 labels' }),
        z.superRefine((names, ctx) => {
          for (const n of names) {
            if (n.length > 50)
              ctx.addIssue({ code: 'custom', message: `label '${n}' is longer than 50 characters` });
          }
        }),
      ),
  ),
);

export const CHECK_CERTS_INPUTS = defineInputs({
  'warn-days': {
    description:
      'check-certs: a certificate with this many days left or fewer is a warning (an annotation; the run still passes). The broker server certificates AIO renews by itself are judged by their renewal schedule instead (see README, "check-certs").',
    default: '28',
    expected: 'a whole number of days from 0 to 3650, not less than fail-days',
    example: 'warn-days: 30',
    schema: integerInput(0, 3650),
  },
  'fail-days': {
    description:
      'check-certs: a certificate with this many days left or fewer fails the run (exit code 1), as does anything broken (an expired certificate, a chain that does not verify, a broker the trust bundle does not verify).',
    default: '14',
    expected: 'a whole number of days from 0 to 3650, not more than warn-days',
    example: 'fail-days: 7',
    schema: integerInput(0, 3650),
  },
  rotate: {
    description:
      'check-certs: fix what can be fixed without a person: re-issue the client certificate, republish the trusted client CA, propagate a changed AIO CA to the Litmus Edge integration (when one is configured), then run smoke to prove it. Without it, check-certs only reports, and lists what `rotate: true` would do. A CA is never replaced by it (that is `rotate-ca`).',
    default: 'false',
    expected: 'true or false',
    example: 'rotate: true',
    schema: booleanInput(),
  },
  fleet: {
    description:
      'check-certs: a YAML file listing clusters, each with its access and input overrides (see README, "A fleet"). The action turns it into the `fleet-matrix` output (one job per cluster, with `fleet-cluster: ${{ matrix.cluster }}`); the CLI checks every cluster in it concurrently.',
    expected: 'a path to a readable YAML fleet file, relative to the working directory',
    example: 'fleet: .github/litmus-fleet.yml',
    schema: z.optional(textInput('path', 4096)),
  },
  'fleet-cluster': {
    description:
      'check-certs: the one cluster of `fleet` to check (its access and overrides apply), e.g. `${{ matrix.cluster }}` in a job of the fan-out.',
    expected: 'the name of a cluster in the fleet file',
    example: 'fleet-cluster: ${{ matrix.cluster }}',
    schema: z.optional(kubeNameInput()),
  },
  'fleet-concurrency': {
    description: 'check-certs (CLI): how many clusters of `fleet` are checked at the same time.',
    default: '8',
    expected: 'a whole number from 1 to 64',
    example: 'fleet-concurrency: 16',
    schema: integerInput(1, 64),
  },
  'github-issue': {
    description:
      'check-certs: keep one GitHub issue per cluster: opened when something needs a person, updated on later runs (never duplicated), closed with a comment once all is well. Default: `true` in a GitHub Actions job, `false` elsewhere; needs `permissions: issues: write`.',
    expected: 'true or false',
    example: 'github-issue: false',
    schema: z.optional(booleanInput()),
  },
  'github-issue-labels': {
    description:
      'check-certs: labels of the issue, comma-separated; the first one is what the issue is found by (with a hidden marker naming the cluster).',
    default: 'litmus-aio,certificates',
    expected: 'a comma-separated list of GitHub labels',
    example: 'github-issue-labels: litmus-aio,certificates,plant7',
    schema: labels,
  },
  'github-token': {
    description:
      'check-certs: the token the issue is kept with. Default: the workflow token (`github.token`); the CLI uses GITHUB_TOKEN.',
    actionDefault: '${{ github.token }}',
    expected: 'a GitHub token with issues: write on the repository',
    example: 'github-token: ${{ secrets.ISSUE_BOT_TOKEN }}',
    secret: true,
    schema: z.optional(textInput('token', 1024)),
  },
});

export const CHECK_CERTS_OUTPUTS = [
  {
    name: 'min-days-left',
    description:
      'check-certs: the fewest days any certificate in play has left (over all clusters of a CLI fleet run); empty when none was read.',
  },
  {
    name: 'findings',
    description:
      'check-certs: JSON array of findings `{cluster, severity: failure|warning|info, kind, where, message, fix, subject?, sha256?, daysLeft?, remedy?}`.',
  },
  {
    name: 'certificates',
    description:
      'check-certs: JSON array of every certificate in play `{cluster, role, ownership, where, subject, issuer, serial, sha256, notBefore, notAfter, daysLeft, isCa, keyType}`, fewest days left first.',
  },
  {
    name: 'fleet-matrix',
    description:
      'check-certs with `fleet`: JSON for `strategy.matrix`, `{"include": [{"cluster": ..., "kubeconfig-secret"?: ...}]}` (at most 256 clusters, as GitHub allows).',
  },
];
