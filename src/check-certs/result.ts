// One cluster's check as a row of the report (a StageResult): failed when a finding is at or past fail-days or
// something is broken (or its issue could not be kept), changed when rotate changed something, else passed.
// Its log lines go out as they would for a stage: warnings become annotations.
import type { Logger } from '../pipeline/logger.js';
import type { StageResult } from '../pipeline/stage.js';
import type { ClusterCheck } from './check-cluster.js';
import type { IssueOutcome } from './github-issues.js';
import type { IssueResult } from './run-issue.js';

export interface ClusterOutcome {
  row: string;
  cluster: string;
  check: ClusterCheck;
  issue?: IssueResult;
  durationMs: number;
}

function issueLine(o: IssueOutcome): string | undefined {
  if (o.action === 'none') return undefined;
  const n = o.number !== undefined ? ` #${o.number}` : '';
  const words = {
    opened: 'opened',
    updated: 'updated',
    unchanged: 'already up to date',
    reopened: 'reopened',
    closed: 'closed (all is well)',
  };
  return `GitHub issue${n} ${words[o.action]}${o.url ? `: ${o.url}` : ''}`;
}

function summaryLine(c: ClusterCheck): string {
  const counted = c.certificates.filter((r) => r.ownership !== 'retiring');
  if (counted.length === 0) return 'no certificate could be read';
  const first = [...counted].sort((a, b) => a.daysLeft - b.daysLeft)[0]!;
  return `${c.certificates.length} certificates; fewest days left: ${first.daysLeft} ('${first.subject}', ${first.role})`;
}

export function resultOf(o: ClusterOutcome, log: Logger): StageResult {
  const c = o.check;
  for (const f of c.findings) {
    const line = `${f.message}. Fix: ${f.fix}`;
    if (f.severity === 'warning') log.warn(line);
    else if (f.severity === 'failure') log.error(line);
    else log.info(line);
  }
  for (const x of c.changes) log.info(`rotate: ${x}`);
  const issue = o.issue?.outcome ? issueLine(o.issue.outcome) : undefined;
  const details = [
    summaryLine(c),
    ...c.findings.map((f) => `${f.severity}: ${f.message}`),
    ...c.wouldChange.map((x) => `rotate: true would ${x}`),
    ...c.refused.map((x) => `needs a person: ${x}`),
    ...(c.smoke ? [`smoke after rotate ${c.smoke.ok ? 'passed' : 'failed'}: ${c.smoke.detail}`] : []),
    ...c.notes,
    ...(issue ? [issue] : []),
  ];
  if (issue) log.info(issue);
  const failures = c.findings.filter((f) => f.severity === 'failure');
  const errors = [
    ...(failures.length > 0
      ? [
          `${failures.length} finding(s) at or past fail-days or broken: ${failures.map((f) => f.message).join('; ')}`,
        ]
      : []),
    ...(o.issue?.error ? [`the GitHub issue could not be kept: ${o.issue.error}`] : []),
  ];
  const base = { stage: o.row, changes: c.changes, durationMs: o.durationMs, details };
  if (errors.length > 0) return { ...base, status: 'failed', error: { message: errors.join('. ') } };
  return { ...base, status: c.changes.length > 0 ? 'changed' : 'passed' };
}
