// Which helm this run may use, pure: `helm version --template {{.Version}}` prints `v4.1.4`. Helm 4 before 4.1.2
// lacks `--atomic` on install and has --wait bugs the deploy stage would trip over (fixed in 4.1.1-4.1.2).

export interface HelmVersion {
  major: number;
  minor: number;
  patch: number;
  /** As helm printed it, e.g. v4.1.4. */
  text: string;
}

export const MINIMUM_HELM = { major: 4, minor: 1, patch: 2, text: 'v4.1.2' } as const;

/** `v4.1.4`, `v4.1.4+g05fa379`, `4.2.0-rc.1` → the numbers; undefined for anything else. */
export function parseHelmVersion(text: string): HelmVersion | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)([-+][0-9A-Za-z.+-]*)?$/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text: text.trim() };
}

export function compareVersions(a: Omit<HelmVersion, 'text'>, b: Omit<HelmVersion, 'text'>): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * Why this helm cannot be used, or undefined. `pinned` (the helm-version input, e.g. 4.1.4) must match exactly
 * when given; `where` says where this helm came from ("on PATH", "from the tool cache").
 */
export function helmVersionProblem(
  found: HelmVersion,
  pinned?: string,
  where = 'on PATH',
): string | undefined {
  if (compareVersions(found, MINIMUM_HELM) < 0)
    return `helm ${found.text} is older than ${MINIMUM_HELM.text}, which the deploy stage needs (Helm 4's --wait=watcher, and the wait fixes of 4.1.1-4.1.2)`;
  const want = pinned ? parseHelmVersion(pinned) : undefined;
  if (want && compareVersions(found, want) !== 0)
    return `helm ${where} is ${found.text}, but helm-version asks for ${pinned}`;
  return undefined;
}
