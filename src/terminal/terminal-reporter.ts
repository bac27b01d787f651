// Renders the pipeline in a terminal: one live line per stage (spinner while it runs), stage logs above them,
// a final table, or JSON for machines. Without a TTY it prints one line per event instead of redrawing.
import type { Logger } from '../pipeline/logger.js';
import { detailLines, formatDuration, headline, STATUS_ICON } from '../pipeline/render.js';
import type { PipelineSummary, Reporter } from '../pipeline/reporter.js';
import type { StageResult } from '../pipeline/stage.js';

export interface TerminalStreams {
  /** Progress and logs. */
  err: NodeJS.WritableStream & { isTTY?: boolean };
  /** The final table or JSON. */
  out: NodeJS.WritableStream;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createTerminalReporter(
  streams: TerminalStreams,
  options: { json: boolean; verbose?: boolean; now?: () => number },
): Reporter {
  const now = options.now ?? (() => performance.now());
  const live = streams.err.isTTY === true;
  const rows = new Map<string, { state: 'waiting' | 'running' | StageResult; startedAt?: number }>();
  let drawn = 0;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;

  const rowText = (name: string): string => {
    const row = rows.get(name)!;
    if (row.state === 'waiting') return `  · ${name}  waiting`;
    if (row.state === 'running') {
      const secs = ((now() - (row.startedAt ?? now())) / 1000).toFixed(1);
      return `  ${FRAMES[frame % FRAMES.length]} ${name}  running ${secs} s`;
    }
    const r = row.state;
    return `  ${STATUS_ICON[r.status]} ${name}  ${r.status} (${formatDuration(r.durationMs)})`;
  };
  const clear = (): void => {
    if (drawn > 0) streams.err.write(`\x1b[${drawn}A\x1b[0J`);
    drawn = 0;
  };
  const draw = (): void => {
    clear();
    const lines = [...rows.keys()].map(rowText);
    streams.err.write(lines.map((l) => `${l}\n`).join(''));
    drawn = lines.length;
  };
  const print = (line: string): void => {
    if (live) {
      clear();
      streams.err.write(`${line}\n`);
      draw();
    } else {
      streams.err.write(`${line}\n`);
    }
  };

  return {
    pipelineStarted(mode, stages, notes) {
      for (const note of notes) streams.err.write(`note: ${note}\n`);
      for (const s of stages) rows.set(s, { state: 'waiting' });
      if (live) {
        draw();
        timer = setInterval(() => {
          frame++;
          draw();
        }, 100);
        timer.unref();
      } else {
        streams.err.write(`litmus-aio ${mode === 'plan' ? 'plan' : 'run'}: ${stages.join(', ')}\n`);
      }
    },
    stageStarted(stage) {
      rows.set(stage, { state: 'running', startedAt: now() });
      if (live) draw();
      else print(`▶ ${stage} started`);
    },
    stageLogger(stage): Logger {
      return {
        debug: (m) => {
          if (options.verbose) print(`[${stage}] ${m}`);
        },
        info: (m) => print(`[${stage}] ${m}`),
        warn: (m) => print(`[${stage}] warning: ${m}`),
        error: (m) => print(`[${stage}] error: ${m}`),
      };
    },
    stageFinished(r) {
      rows.set(r.stage, { state: r });
      if (live) draw();
      else print(rowText(r.stage).trim());
    },
    async pipelineFinished(s: PipelineSummary) {
      if (timer) clearInterval(timer);
      if (live) draw();
      if (options.json) {
        streams.out.write(`${JSON.stringify(s, null, 2)}\n`);
        return;
      }
      const lines = ['', `${headline(s)} (${formatDuration(s.durationMs)})`, ''];
      const rowsOut = s.results.map((r) => ({
        stage: r.stage,
        status: s.mode === 'plan' && r.status === 'changed' ? 'would change' : r.status,
        time: formatDuration(r.durationMs),
        details: detailLines(r),
      }));
      const w = (key: 'stage' | 'status' | 'time', title: string): number =>
        Math.max(title.length, ...rowsOut.map((r) => r[key].length));
      const [ws, wst, wt] = [w('stage', 'STAGE'), w('status', 'STATUS'), w('time', 'TIME')];
      lines.push(`${'STAGE'.padEnd(ws)}  ${'STATUS'.padEnd(wst)}  ${'TIME'.padStart(wt)}  DETAILS`);
      for (const r of rowsOut) {
        const [first, ...rest] = r.details;
        lines.push(`${r.stage.padEnd(ws)}  ${r.status.padEnd(wst)}  ${r.time.padStart(wt)}  ${first ?? ''}`);
        for (const more of rest) lines.push(`${''.padEnd(ws + wst + wt + 6)}${more}`);
      }
      streams.out.write(`${lines.join('\n')}\n`);
    },
  };
}
