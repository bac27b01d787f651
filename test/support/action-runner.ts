// Runs a bundled entry point as the GitHub runner would (INPUT_* and file-command variables in the
// environment) and reads the runner's file-command format back.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE } from './fresh-bundle.js';

/** Parses `name<<delimiter\nvalue\ndelimiter` blocks (GITHUB_OUTPUT, GITHUB_STATE), as the runner does. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^(.+?)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm)) out[m[1]!] = m[3]!;
  return out;
}

/** Async, so this process keeps reaping its own children while the entry runs (spawnSync would block that). */
export function runEntryAsync(
  distDir: string,
  entry: string,
  env: Record<string, string>,
  home: string,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [join(distDir, entry)], {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, ...env },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** Empty files for the runner's file commands (outputs, state, job summary), as the runner provides them. */
export function runnerFiles(dir: string, name: string) {
  const files = {
    GITHUB_OUTPUT: join(dir, `${name}.output`),
    GITHUB_STATE: join(dir, `${name}.state`),
    GITHUB_STEP_SUMMARY: join(dir, `${name}.summary`),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  return files;
}
