// Every rule that relates two or more inputs, in one place, checked with the rest of input validation (before any
// request). Each rule sees only inputs that are valid on their own, so a rule never repeats a schema's problem.
import type { InputProblem } from './input-error.js';
import type { InputValues } from './input-specs.js';

/** The validated inputs; an input that failed its own schema is missing. */
export type PartialInputs = Partial<InputValues>;

export function crossInputProblems(
  i: PartialInputs,
  context: {
    sourceOf?: (input: string) => string;
    /** Inputs given but invalid on their own: already reported, so not "required" again. */
    invalid?: ReadonlySet<string>;
  } = {},
): InputProblem[] {
  const sourceOf = context.sourceOf ?? ((): string => 'inputs');
  const problems: InputProblem[] = [];

  // A leaf re-issued when fewer than renew-before-days remain must live longer than that, or every run
  // re-issues it. It lives client-cert-days, cut short by the intermediate and root (a certificate never
  // outlives its issuer).
  const renew = i['renew-before-days'];
  const lifetimes = (['client-cert-days', 'intermediate-ca-days', 'root-ca-days'] as const)
    .filter((k) => i[k] !== undefined)
    .map((k) => ({ k, days: i[k]! }));
  const shortest = lifetimes.sort((a, b) => a.days - b.days)[0];
  if (renew !== undefined && shortest && renew >= shortest.days) {
    problems.push({
      input: 'renew-before-days',
      // Name where the user set something: the default renew-before-days is "wrong" only because of the other.
      source:
        sourceOf('renew-before-days') === 'default' ? sourceOf(shortest.k) : sourceOf('renew-before-days'),
      problem: `is ${renew} but ${shortest.k} is ${shortest.days}: a client certificate that lives ${shortest.days} days would be re-issued on every run`,
      expected: `fewer days than client-cert-days, intermediate-ca-days and root-ca-days (here at most ${shortest.days - 1})`,
      example: `renew-before-days: ${Math.max(0, Math.floor(shortest.days / 3))} with ${shortest.k}: ${shortest.days}`,
    });
  }

  // The CA key must never sit in the Secret Litmus Edge reads (certs stage, settings.ts certsInputProblems).
  if (i['ca-secret'] !== undefined && i['ca-secret'] === i['client-cert-secret']) {
    problems.push({
      input: 'ca-secret',
      source: sourceOf('ca-secret') === 'default' ? sourceOf('client-cert-secret') : sourceOf('ca-secret'),
      problem: `'${i['ca-secret']}' must differ from client-cert-secret: the CA key must never sit in the Secret Litmus Edge reads`,
      expected: 'a Secret name other than client-cert-secret',
      example: 'ca-secret: litmusedge-mqtt-ca',
    });
  }

  // Not yet here: "cluster-access arc needs arc-cluster and resource-group" (src/kube/cluster-access.ts) and
  // "authpolicy-mode arm needs azure-subscription-id, resource-group, aio-instance" (authpolicy-stage.ts) are
  // still checked where the stage is built, since they depend on which stages this version implements.
  return problems;
}
