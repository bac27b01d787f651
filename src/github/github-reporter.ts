// Renders the pipeline for GitHub Actions: one log group per stage, annotations, outputs and the job summary.
// Stages run concurrently, so each stage's lines are buffered and printed as one group when it finishes.
import type { Logger } from '../pipeline/logger.js';
import { renderMarkdown, formatDuration, detailLines, STATUS_ICON, headline } from '../pipeline/render.js';
import type { PipelineSummary, Reporter } from '../pipeline/reporter.js';
import type { StageResult } from '../pipeline/stage.js';
import type { ActionsCore } from './actions-core.js';

export function createGithubReporter(core: ActionsCore, options: { summary: boolean }): Reporter {
  const buffers = new Map<string, string[]>();
  const buffer = (stage: string): string[] => {
    let b = buffers.get(stage);
    if (!b) buffers.set(stage, (b = []));
    return b;
  };
  return {
    pipelineStarted(mode, stages, notes) {
      core.info(`litmus-aio ${mode === 'plan' ? 'plan' : 'run'}: ${stages.join(', ')}`);
      for (const note of notes) core.notice(note, { title: 'litmus-aio' });
    },
    stageStarted(stage) {
      core.info(`▶ ${stage} started`);
    },
    stageLogger(stage): Logger {
      return {
        // debug goes straight through: GitHub shows it only when step debugging is on.
        debug: (m) => core.debug(`[${stage}] ${m}`),
        info: (m) => buffer(stage).push(m),
        warn: (m) => {
          buffer(stage).push(`warning: ${m}`);
          core.warning(m, { title: `litmus-aio ${stage}` });
        },
        error: (m) => buffer(stage).push(`error: ${m}`),
      };
    },
    stageFinished(r: StageResult) {
      core.startGroup(`${STATUS_ICON[r.status]} ${r.stage}: ${r.status} (${formatDuration(r.durationMs)})`);
      for (const line of buffers.get(r.stage) ?? []) core.info(line);
      for (const line of detailLines(r)) core.info(`  ${line}`);
      core.endGroup();
      if (r.status === 'failed')
        core.error(r.error?.message ?? 'failed', { title: `litmus-aio stage ${r.stage} failed` });
    },
    async pipelineFinished(s: PipelineSummary) {
      core.info(`${headline(s)} in ${formatDuration(s.durationMs)}.`);
      core.setOutput('result', JSON.stringify(s.results));
      // Each stage's outputs become action outputs (names are unique across stages; see OUTPUT_SPECS).
      for (const r of s.results) for (const [k, v] of Object.entries(r.outputs ?? {})) core.setOutput(k, v);
      core.setOutput('changed', String(s.changed));
      core.setOutput('drift', String(s.drift));
      for (const r of s.results)
        for (const d of r.drift ?? []) core.warning(d, { title: `litmus-aio ${r.stage}: drift` });
      if (options.summary) await core.summary.addRaw(renderMarkdown(s)).write();
    },
  };
}
