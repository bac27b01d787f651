// Runs one helm command as a child process. A cancelled run (the run's AbortSignal: SIGINT/SIGTERM to this
// process) is forwarded to helm as SIGINT, and helm is waited for: helm (>= 3.7) then marks the release `failed`
// instead of leaving it `pending-*`, which would block every later upgrade. Only if helm outlives the grace period
// is it sent SIGTERM, then SIGKILL (which leaves the release pending: the next run recovers it).
import { spawn } from 'node:child_process';

export interface HelmRunOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** How long helm may take to exit after SIGINT before SIGTERM (default 20 s), and again before SIGKILL. */
  graceMs?: number;
  /** Each complete line helm writes to stdout or stderr, as it comes. */
  onLine?: (line: string) => void;
}

export interface HelmRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The run was cancelled while helm ran (helm got SIGINT). */
  cancelled: boolean;
}

/** Cap on what is kept of each stream: helm's output is small; a runaway one must not fill memory. */
const MAX_OUTPUT = 1024 * 1024;

function lineSplitter(onLine?: (line: string) => void): (chunk: string) => void {
  let partial = '';
  return (chunk) => {
    if (!onLine) return;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) onLine(l);
  };
}

export function runHelmProcess(binary: string, args: string[], o: HelmRunOptions): Promise<HelmRunResult> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      resolve({ code: null, signal: null, stdout: '', stderr: '', cancelled: true });
      return;
    }
    const child = spawn(binary, args, { env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let cancelled = false;
    const timers: NodeJS.Timeout[] = [];
    const split = lineSplitter(o.onLine);
    const keep = (acc: string, d: string): string => (acc.length < MAX_OUTPUT ? acc + d : acc);
    child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout = keep(stdout, d)), split(d)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr = keep(stderr, d)), split(d)));
    const grace = o.graceMs ?? 20_000;
    const onAbort = (): void => {
      cancelled = true;
      child.kill('SIGINT');
      timers.push(setTimeout(() => child.kill('SIGTERM'), grace));
      timers.push(setTimeout(() => child.kill('SIGKILL'), 2 * grace));
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      o.signal?.removeEventListener('abort', onAbort);
      timers.forEach(clearTimeout);
    };
    child.once('error', (e) => {
      done();
      reject(e);
    });
    child.once('close', (code, signal) => {
      done();
      resolve({ code, signal, stdout, stderr, cancelled });
    });
  });
}
