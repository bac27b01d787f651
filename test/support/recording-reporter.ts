// A Reporter that records every event, for asserting what the engine told it and in which order.
import type { PipelineSummary, Reporter } from '../../src/pipeline/reporter.js';
import type { StageResult } from '../../src/pipeline/stage.js';

export interface RecordingReporter extends Reporter {
  events: string[];
  logs: string[];
  summary?: PipelineSummary;
  finished: StageResult[];
}

export function recordingReporter(): RecordingReporter {
  const r: RecordingReporter = {
    events: [],
    logs: [],
    finished: [],
    pipelineStarted: (mode, stages) => r.events.push(`pipeline ${mode} ${stages.join(',')}`),
    stageStarted: (s) => r.events.push(`start ${s}`),
    stageLogger: (s) => ({
      debug: (m) => r.logs.push(`${s} debug ${m}`),
      info: (m) => r.logs.push(`${s} info ${m}`),
      warn: (m) => r.logs.push(`${s} warn ${m}`),
      error: (m) => r.logs.push(`${s} error ${m}`),
    }),
    stageFinished: (res) => {
      r.events.push(`finish ${res.stage} ${res.status}`);
      r.finished.push(res);
    },
    pipelineFinished: async (s) => {
      r.summary = s;
    },
  };
  return r;
}
