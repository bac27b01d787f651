// The reporting port: the engine tells it what happens; GitHub and terminal implementations render it.
import type { Logger } from './logger.js';
import type { Mode, StageResult } from './stage.js';

export interface PipelineSummary {
  mode: Mode;
  results: StageResult[];
  /** Findings from before any stage ran, e.g. an unreachable cluster in plan mode. */
  notes: string[];
  durationMs: number;
  ok: boolean;
  changed: boolean;
  /** Some stage found what it owns changed outside this tool (see StageResult.drift). */
  drift: boolean;
}

export interface Reporter {
  /** `notes` are findings from before any stage ran (e.g. an unreachable cluster in plan mode). */
  pipelineStarted(mode: Mode, stages: readonly string[], notes: readonly string[]): void;
  stageStarted(stage: string): void;
  /** A logger whose lines belong to one stage. */
  stageLogger(stage: string): Logger;
  stageFinished(result: StageResult): void;
  pipelineFinished(summary: PipelineSummary): Promise<void>;
}
