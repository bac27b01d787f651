// Pure renderers of a pipeline summary: markdown for the job summary, plain rows for the terminal.
import type { PipelineSummary } from './reporter.js';
import type { StageResult, StageStatus } from './stage.js';

export const STATUS_ICON: Record<StageStatus, string> = {
  changed: '🟢',
  unchanged: '⚪',
  passed: '✅',
  failed: '🔴',
  skipped: '⏭️',
};

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** What to show in the "changes" column: changes, the error, or the skip reason. */
export function detailLines(r: StageResult): string[] {
  if (r.status === 'failed') return [r.error?.message ?? 'failed'];
  if (r.status === 'skipped') return [r.reason ?? 'skipped'];
  const lines = [...r.changes, ...(r.drift ?? []), ...(r.details ?? [])];
  return lines.length === 0 ? ['no changes'] : r.changes.length === 0 ? ['no changes', ...lines] : lines;
}

const escapeCell = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');

export function headline(s: PipelineSummary): string {
  const verb = s.mode === 'plan' ? 'Plan' : 'Run';
  if (!s.ok) return `${verb} failed`;
  if (s.results.every((r) => r.status === 'skipped')) return `${verb}: no stage ran`;
  if (s.mode === 'plan' && s.drift) return 'Plan: drift found (changes made outside litmus-aio)';
  if (s.mode === 'plan')
    return s.results.some((r) => r.status === 'changed')
      ? 'Plan: changes pending'
      : 'Plan: nothing to change';
  return s.changed ? 'Run changed the deployment' : 'Run: everything already up to date';
}

export function renderMarkdown(s: PipelineSummary): string {
  const lines = [`### litmus-aio: ${headline(s)}`, ''];
  for (const note of s.notes) lines.push(`> ${escapeCell(note)}`, '');
  lines.push('| Stage | Status | Changes | Duration |', '| --- | --- | --- | --- |');
  for (const r of s.results) {
    const status = s.mode === 'plan' && r.status === 'changed' ? 'would change' : r.status;
    lines.push(
      `| ${r.stage} | ${STATUS_ICON[r.status]} ${status} | ${detailLines(r).map(escapeCell).join('<br>')} | ${formatDuration(r.durationMs)} |`,
    );
  }
  lines.push('', `Total: ${formatDuration(s.durationMs)}.`, '');
  return lines.join('\n');
}
