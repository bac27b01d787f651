// What helm prints with `-o json`, read defensively (pure): `helm history`, `helm status`, `helm get values`, and
// the Chart.yaml `helm show chart` prints. Fields helm may add later are ignored; missing ones get safe defaults.

/** Helm's release states (pkg/release/common: Status). */
export type ReleaseStatus =
  | 'unknown'
  | 'deployed'
  | 'uninstalled'
  | 'superseded'
  | 'failed'
  | 'uninstalling'
  | 'pending-install'
  | 'pending-upgrade'
  | 'pending-rollback';

export const PENDING_STATUSES: readonly ReleaseStatus[] = [
  'pending-install',
  'pending-upgrade',
  'pending-rollback',
];

export interface HelmRevision {
  revision: number;
  status: ReleaseStatus;
  /** `<name>-<version>` as helm history prints it, e.g. litmusedge-0.1.0. */
  chart: string;
  appVersion: string;
  description: string;
  /** ISO time of this revision. */
  updated: string;
}

export interface HelmStatus {
  name: string;
  namespace: string;
  revision: number;
  status: ReleaseStatus;
  description: string;
  /** The values the user supplied for this revision (`config`). */
  values: Record<string, unknown>;
}

export interface ChartMeta {
  name: string;
  version: string;
  appVersion?: string;
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const STATUSES = new Set<string>([
  'unknown',
  'deployed',
  'uninstalled',
  'superseded',
  'failed',
  'uninstalling',
  ...PENDING_STATUSES,
]);
const status = (v: unknown): ReleaseStatus => (STATUSES.has(str(v)) ? (str(v) as ReleaseStatus) : 'unknown');

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what}: helm printed something that is not JSON (${text.trim().slice(0, 80)})`);
  }
}

/** `helm history -o json`: oldest first, as helm prints it. */
export function parseHistory(text: string): HelmRevision[] {
  const data = parseJson(text, 'helm history');
  if (!Array.isArray(data)) throw new Error('helm history: expected a JSON list of revisions');
  return data
    .filter(isMap)
    .map((r) => ({
      revision: Number(r['revision']),
      status: status(r['status']),
      chart: str(r['chart']),
      appVersion: str(r['app_version']),
      description: str(r['description']),
      updated: str(r['updated']),
    }))
    .filter((r) => Number.isInteger(r.revision))
    .sort((a, b) => a.revision - b.revision);
}

/** `helm status -o json` (Helm 4 leaves the chart out; `config` holds the user-supplied values). */
export function parseStatus(text: string): HelmStatus {
  const data = parseJson(text, 'helm status');
  if (!isMap(data)) throw new Error('helm status: expected a JSON object');
  const info = isMap(data['info']) ? data['info'] : {};
  return {
    name: str(data['name']),
    namespace: str(data['namespace']),
    revision: Number(data['version']),
    status: status(info['status']),
    description: str(info['description']),
    values: isMap(data['config']) ? data['config'] : {},
  };
}

/** `helm get values -o json`: the user-supplied values (`null` when none were given). */
export function parseValues(text: string): Record<string, unknown> {
  const data = parseJson(text, 'helm get values');
  return isMap(data) ? data : {};
}

/** The name and version from a parsed Chart.yaml. */
export function chartMetaOf(doc: unknown): ChartMeta | undefined {
  if (!isMap(doc) || !str(doc['name']) || !str(doc['version'])) return undefined;
  return {
    name: str(doc['name']),
    version: str(doc['version']),
    ...(str(doc['appVersion']) ? { appVersion: str(doc['appVersion']) } : {}),
  };
}
