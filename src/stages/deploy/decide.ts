// The deploy decision, pure: the release as helm records it against what this run would install. Nothing to do
// when the latest revision is deployed with the same chart (name and version), the same values and so the same
// image digest; a release stuck in pending-* is recovered first (helm refuses every upgrade until then).
import type { ChartMeta, HelmRevision } from '../../helm/helm-json.js';
import { PENDING_STATUSES } from '../../helm/helm-json.js';
import { redactedDiff } from './redact.js';
import { digestOfValues, imageOfValues } from './values.js';

type Json = Record<string, unknown>;

export interface ReleaseObserved {
  namespaceExists: boolean;
  /** Oldest first; empty when the release does not exist. */
  history: HelmRevision[];
  /** User-supplied values of the revision the comparison is made against (see baselineRevision). */
  values?: Json;
}

export interface DesiredRelease {
  chart: ChartMeta;
  values: Json;
}

export type DeployDecision =
  | { action: 'none'; revision: HelmRevision }
  | { action: 'install'; reasons: string[] }
  | { action: 'upgrade'; from: HelmRevision; reasons: string[] }
  /** Latest revision pending: roll back to `to` (the last deployed one) or, with none, uninstall. */
  | { action: 'recover'; pending: HelmRevision; to?: HelmRevision };

export const chartLabel = (c: ChartMeta): string => `${c.name}-${c.version}`;

/** The revision now deployed (helm keeps at most one `deployed`); undefined when none is. */
export function lastDeployed(history: readonly HelmRevision[]): HelmRevision | undefined {
  return [...history].reverse().find((r) => r.status === 'deployed');
}

/** Whose values a comparison uses: the latest revision, or for a pending one the revision recovery returns to. */
export function baselineRevision(history: readonly HelmRevision[]): HelmRevision | undefined {
  const latest = history.at(-1);
  if (latest && PENDING_STATUSES.includes(latest.status)) return lastDeployed(history.slice(0, -1));
  return latest;
}

/** The values without the image's name and digest (shown as one "image" line instead). */
function withoutImageName(v: Json | undefined): Json {
  const image = v?.['image'];
  if (typeof image !== 'object' || image === null || Array.isArray(image)) return v ?? {};
  const rest: Json = { ...(image as Json) };
  for (const k of ['repository', 'tag', 'digest']) delete rest[k];
  return { ...v, image: rest };
}

/** Why the desired release differs from a revision (its chart, its values); empty when it does not. */
export function differences(rev: HelmRevision, values: Json | undefined, d: DesiredRelease): string[] {
  const reasons: string[] = [];
  if (rev.chart !== chartLabel(d.chart))
    reasons.push(`chart ${rev.chart || '(unknown)'} -> ${chartLabel(d.chart)}`);
  const imageChanged = digestOfValues(values) !== digestOfValues(d.values);
  if (imageChanged)
    reasons.push(`image ${imageOfValues(values) ?? '(none)'} -> ${imageOfValues(d.values) ?? '(none)'}`);
  const [before, after] = imageChanged
    ? [withoutImageName(values), withoutImageName(d.values)]
    : [values ?? {}, d.values];
  reasons.push(...redactedDiff(before, after).map((l) => `values ${l}`));
  return reasons;
}

export function decideDeploy(o: ReleaseObserved, d: DesiredRelease): DeployDecision {
  const latest = o.history.at(-1);
  if (!latest) return { action: 'install', reasons: ['the release does not exist'] };
  if (PENDING_STATUSES.includes(latest.status)) {
    const to = lastDeployed(o.history.slice(0, -1));
    return { action: 'recover', pending: latest, ...(to ? { to } : {}) };
  }
  const reasons = differences(latest, o.values, d);
  if (latest.status !== 'deployed')
    reasons.unshift(
      `revision ${latest.revision} is ${latest.status}${latest.description ? ` (${latest.description})` : ''}`,
    );
  return reasons.length === 0
    ? { action: 'none', revision: latest }
    : { action: 'upgrade', from: latest, reasons };
}
