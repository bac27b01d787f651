// Child processes for peers (long-running, stopped by SIGTERM) and for one-shot client commands. Every peer child
// is killed if the test process exits without stopping it, so no mosquitto or registry outlives its test run.
import { spawn } from 'node:child_process';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface PeerProcess {
  readonly pid: number;
  readonly command: string;
  /** Recent stdout+stderr, interleaved as it arrived (bounded to the last `maxOutput` characters). */
  output(since?: number): string;
  /** Total characters received so far: pass to `output(since)` to see only what came later. */
  outputMark(): number;
  /** The exit status once the process has exited. */
  exitStatus(): ExitStatus | undefined;
  readonly exited: Promise<ExitStatus>;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if still running after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

const live = new Set<PeerProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) p.signal('SIGKILL');
  });
}

export function spawnPeer(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; maxOutput?: number } = {},
): PeerProcess {
  installExitHook();
  const maxOutput = opts.maxOutput ?? 256 * 1024;
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  let total = 0;
  const append = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    total += text.length;
    buffer += text;
    if (buffer.length > maxOutput) buffer = buffer.slice(buffer.length - maxOutput);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolveExit) => {
    child.once('error', (err) => {
      append(Buffer.from(`\n[spawn error] ${err.message}\n`));
      status ??= { code: null, signal: null };
      resolveExit(status);
    });
    // 'close' (not 'exit'): all output has been read by then.
    child.once('close', (code, signal) => {
      status = { code, signal };
      resolveExit(status);
    });
  });
  const peer: PeerProcess = {
    pid: child.pid ?? -1,
    command: [command, ...args].join(' '),
    output(since = 0) {
      const start = Math.max(0, since - (total - buffer.length));
      return buffer.slice(start);
    },
    outputMark: () => total,
    exitStatus: () => status,
    exited,
    signal(sig) {
      if (status === undefined && child.exitCode === null && child.signalCode === null) child.kill(sig);
    },
    async stop(graceMs = 5_000) {
      if (status !== undefined) return status;
      peer.signal('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((r) => {
        timer = setTimeout(() => {
          peer.signal('SIGKILL');
          r();
        }, graceMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      return exited;
    },
  };
  live.add(peer);
  void exited.then(() => live.delete(peer));
  return peer;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after `timeoutMs`, default 30 s) and returns its output and exit code. */
export function runCommand(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 30_000,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolveRun({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    if (child.stdin) {
      // A child that exits without reading its input must not crash the test process with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
  });
}
