// Renderings of check-certs' records: markdown tables for the job summary and the issue, a plain table for the
// terminal, the JSON outputs. Pure. Certificates are always shown fewest days left first.
import type { PipelineSummary } from '../pipeline/reporter.js';
import type { CertificateRecord, Finding, Severity } from './model.js';

export type ClusterRecord = CertificateRecord & { cluster?: string };
export type ClusterFinding = Finding & { cluster?: string };

export const SEVERITY_ICON: Record<Severity, string> = { failure: '🔴', warning: '🟡', info: '⚪' };

export const markdownCell = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');

export const byDaysLeft = <T extends { daysLeft: number; where: string }>(rows: readonly T[]): T[] =>
  [...rows].sort((a, b) => a.daysLeft - b.daysLeft || a.where.localeCompare(b.where));

const short = (sha: string): string => `${sha.slice(0, 23)}…`;

export function certificateTable(rows: readonly ClusterRecord[]): string {
  if (rows.length === 0) return '_No certificate could be read._';
  const cluster = rows.some((r) => r.cluster !== undefined);
  const head = `${cluster ? '| Cluster ' : ''}| Days left | Certificate | Role | Where | Not after | SHA-256 |`;
  const lines = [head, head.replace(/[^|]+/g, ' --- ')];
  for (const r of byDaysLeft(rows)) {
    lines.push(
      `${cluster ? `| ${markdownCell(r.cluster ?? '')} ` : ''}| ${r.daysLeft} | ${markdownCell(r.subject)} | ${r.role} (${r.ownership}) | ${markdownCell(r.where)} | ${r.notAfter.slice(0, 10)} | \`${short(r.sha256)}\` |`,
    );
  }
  return lines.join('\n');
}

export function findingTable(rows: readonly ClusterFinding[]): string {
  if (rows.length === 0) return '_No findings._';
  const cluster = rows.some((r) => r.cluster !== undefined);
  const head = `${cluster ? '| Cluster ' : ''}| Severity | Finding | Fix |`;
  const lines = [head, head.replace(/[^|]+/g, ' --- ')];
  for (const f of rows) {
    lines.push(
      `${cluster ? `| ${markdownCell(f.cluster ?? '')} ` : ''}| ${SEVERITY_ICON[f.severity]} ${f.severity} | ${markdownCell(f.message)} | ${markdownCell(f.fix)} |`,
    );
  }
  return lines.join('\n');
}

/** The terminal's table: fixed-width columns, fewest days left first. */
export function certificateText(rows: readonly ClusterRecord[]): string {
  const cols = byDaysLeft(rows).map((r) => ({
    cluster: r.cluster ?? '',
    days: String(r.daysLeft),
    subject: r.subject,
    role: r.role,
    notAfter: r.notAfter.slice(0, 10),
    where: r.where,
  }));
  const withCluster = cols.some((c) => c.cluster !== '');
  const keys = [
    ...(withCluster ? (['cluster'] as const) : []),
    'days',
    'subject',
    'role',
    'notAfter',
    'where',
  ] as const;
  const titles: Record<(typeof keys)[number], string> = {
    cluster: 'CLUSTER',
    days: 'DAYS',
    subject: 'CERTIFICATE',
    role: 'ROLE',
    notAfter: 'NOT AFTER',
    where: 'WHERE',
  };
  const width = (k: (typeof keys)[number]) => Math.max(titles[k].length, ...cols.map((c) => c[k].length));
  const row = (v: Record<string, string>) =>
    keys
      .map((k, i) =>
        i === keys.length - 1 ? v[k] : k === 'days' ? v[k]!.padStart(width(k)) : v[k]!.padEnd(width(k)),
      )
      .join('  ');
  return [row(titles), ...cols.map(row)].join('\n');
}

export interface CheckCertsReport {
  markdown: string;
  text: string;
}

/** The certificate report of a check-certs run, kept beside its summary for the entry points to show. */
const reports = new WeakMap<PipelineSummary, CheckCertsReport>();

export function attachReport(summary: PipelineSummary, report: CheckCertsReport): void {
  reports.set(summary, report);
}

/** The certificate report of a check-certs run (undefined for any other command). */
export const checkCertsReport = (summary: PipelineSummary): CheckCertsReport | undefined =>
  reports.get(summary);

export function renderReport(
  rows: readonly ClusterRecord[],
  found: readonly ClusterFinding[],
): CheckCertsReport {
  const problems = found.filter((f) => f.severity !== 'info');
  const markdown = [
    '#### Findings',
    '',
    findingTable(problems),
    '',
    `#### Certificates (${rows.length}), fewest days left first`,
    '',
    certificateTable(rows),
    '',
  ].join('\n');
  const text = [
    '',
    rows.length > 0 ? certificateText(rows) : 'No certificate could be read.',
    ...problems.map((f) => `${f.severity}: ${f.cluster ? `[${f.cluster}] ` : ''}${f.message}. Fix: ${f.fix}`),
  ].join('\n');
  return { markdown, text: `${text}\n` };
}
