// The GitHub issue of one cluster, as text, and what to do with the issues found (pure). The issue is found by
// listing issues with its first label (state all) and this hidden marker in the body: never the search API,
// whose index lags and made other tools file duplicates.
import type { ClusterCheck } from './check-cluster.js';
import { markdownCell, certificateTable, findingTable } from './report.js';

export const issueMarker = (cluster: string): string => `<!-- litmus-aio:check-certs cluster=${cluster} -->`;

export const issueTitle = (cluster: string): string =>
  `litmus-aio: certificates on ${cluster} need attention`;

/** Where the run is, for links: GitHub's own variables. */
export function runLink(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

const LAST_CHECKED = 'Last checked: ';

export function issueBody(cluster: string, c: ClusterCheck, checkedAt: Date, link?: string): string {
  const lines = [
    issueMarker(cluster),
    `### Certificates on \`${markdownCell(cluster)}\` need attention`,
    '',
    `${LAST_CHECKED}${checkedAt.toISOString()}${link ? ` ([run](${link}))` : ''}`,
    '',
    findingTable(c.findings.filter((f) => f.severity !== 'info')),
  ];
  if (c.changes.length > 0)
    lines.push('', '**rotate changed:**', ...c.changes.map((x) => `- ${markdownCell(x)}`));
  if (c.wouldChange.length > 0) {
    lines.push('', '**`rotate: true` would:**', ...c.wouldChange.map((x) => `- ${markdownCell(x)}`));
  }
  if (c.refused.length > 0)
    lines.push('', '**Needs a person:**', ...c.refused.map((x) => `- ${markdownCell(x)}`));
  if (c.smoke)
    lines.push(
      '',
      `smoke after rotate: ${c.smoke.ok ? 'passed' : 'failed'}: ${markdownCell(c.smoke.detail)}`,
    );
  lines.push(
    '',
    `<details><summary>All ${c.certificates.length} certificates, fewest days left first</summary>`,
    '',
    certificateTable(c.certificates),
    '',
    '</details>',
    '',
    '_Kept by litmus-aio check-certs: updated on each run, closed once all is well._',
  );
  return `${lines.join('\n')}\n`;
}

export function closingComment(cluster: string, c: ClusterCheck, checkedAt: Date, link?: string): string {
  const min = Math.min(...c.certificates.map((r) => r.daysLeft));
  const lines = [
    `All certificates on \`${markdownCell(cluster)}\` are healthy again (checked ${checkedAt.toISOString()}${link ? `, [run](${link})` : ''}): ${c.certificates.length} certificates${Number.isFinite(min) ? `, the fewest days left ${min}` : ''}.`,
  ];
  if (c.changes.length > 0)
    lines.push('', 'rotate changed:', ...c.changes.map((x) => `- ${markdownCell(x)}`));
  if (c.smoke?.ok) lines.push('', `smoke passed: ${markdownCell(c.smoke.detail)}`);
  lines.push('', 'Closing.');
  return lines.join('\n');
}

/** Two bodies say the same when they differ at most in the "Last checked" line. */
export const sameBody = (a: string | null | undefined, b: string): boolean => {
  const strip = (s: string) =>
    s
      .split('\n')
      .filter((l) => !l.startsWith(LAST_CHECKED))
      .join('\n');
  return a !== null && a !== undefined && strip(a.replace(/\r\n/g, '\n')) === strip(b);
};

export interface IssueSummary {
  number: number;
  state: 'open' | 'closed';
  body?: string | null;
  /** ISO time; the most recently closed issue is reopened rather than a new one filed. */
  closedAt?: string | null;
}

export type IssueAction =
  | { kind: 'none' }
  | { kind: 'open' }
  | { kind: 'update'; number: number; reopen: boolean; unchanged: boolean }
  | { kind: 'close'; number: number };

/** What to do, given this cluster's issues (already filtered by marker) and whether a person is needed. */
export function decideIssue(mine: readonly IssueSummary[], needsPerson: boolean, body: string): IssueAction {
  const open = mine.filter((i) => i.state === 'open').sort((a, b) => a.number - b.number);
  if (!needsPerson) return open[0] ? { kind: 'close', number: open[0].number } : { kind: 'none' };
  if (open[0])
    return { kind: 'update', number: open[0].number, reopen: false, unchanged: sameBody(open[0].body, body) };
  const closed = [...mine].sort((a, b) => String(b.closedAt ?? '').localeCompare(String(a.closedAt ?? '')));
  return closed[0]
    ? { kind: 'update', number: closed[0].number, reopen: true, unchanged: false }
    : { kind: 'open' };
}

/** Open issues with the marker beyond the oldest: duplicates (a concurrent run), closed in favour of it. */
export function duplicatesOf(mine: readonly IssueSummary[]): { keep?: number; close: number[] } {
  const open = mine
    .filter((i) => i.state === 'open')
    .map((i) => i.number)
    .sort((a, b) => a - b);
  return { ...(open[0] !== undefined ? { keep: open[0] } : {}), close: open.slice(1) };
}
