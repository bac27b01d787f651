// A stand-in for the slice of @actions/core the adapters use; it records each call as the workflow command
// the real module would print, so tests assert on the same text a runner would see.
import type { ActionsCore } from '../../src/github/actions-core.js';

export interface RecordingCore extends ActionsCore {
  lines: string[];
  outputs: Record<string, string>;
  state: Record<string, string>;
  secrets: string[];
  summaries: string[];
  failed?: string;
}

export function recordingCore(inputs: Record<string, string> = {}): RecordingCore {
  let pending = '';
  const c: RecordingCore = {
    lines: [],
    outputs: {},
    state: {},
    secrets: [],
    summaries: [],
    getInput: (n) => inputs[n] ?? '',
    setSecret: (s) => void c.secrets.push(s),
    setOutput: (k, v) => void (c.outputs[k] = String(v)),
    setFailed: (m) => {
      c.failed = String(m);
      c.lines.push(`::error::${String(m)}`);
    },
    info: (m) => void c.lines.push(m),
    debug: (m) => void c.lines.push(`::debug::${m}`),
    warning: (m, p) => void c.lines.push(`::warning title=${p?.title ?? ''}::${String(m)}`),
    error: (m, p) => void c.lines.push(`::error title=${p?.title ?? ''}::${String(m)}`),
    notice: (m, p) => void c.lines.push(`::notice title=${p?.title ?? ''}::${String(m)}`),
    startGroup: (n) => void c.lines.push(`::group::${n}`),
    endGroup: () => void c.lines.push('::endgroup::'),
    saveState: (k, v) => void (c.state[k] = String(v)),
    getState: (k) => c.state[k] ?? '',
    getIDToken: async () => {
      throw new Error('recording core: no ID token');
    },
    summary: {
      addRaw(text: string) {
        pending += text;
        return this as never;
      },
      async write() {
        c.summaries.push(pending);
        pending = '';
        return this as never;
      },
    },
  };
  return c;
}
