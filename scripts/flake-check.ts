// The flake check: runs the integration suite N times on a deliberately loaded machine and reports every failure.
// A test that fails under load hides a race the product has too, so this is run before an issue that touches
// integration tests is resolved.
//   npm run flake-check -- [--runs 5] [--load 2] [test/integration/some.test.ts ...]
// --load is the number of CPU-burning processes started beside the suite (default: the number of cores). They
// stop with the check (and by themselves after two hours, should the check be killed).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, load: { type: 'string' } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const load = values.load === undefined ? availableParallelism() : Number(values.load);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(load) || load < 0) {
  console.error('usage: npm run flake-check -- [--runs N>=1] [--load N>=0] [test files...]');
  process.exit(2);
}
const targets = positionals.length > 0 ? positionals : ['test/integration'];

/** A process that keeps one core busy: the competing load of a shared CI machine. */
function burner(): ChildProcess {
  const code = 'const end = Date.now() + 2 * 3600e3; while (Date.now() < end) { Math.sqrt(Math.random()); }';
  return spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
}

interface VitestJson {
  numFailedTests: number;
  numPassedTests: number;
  numPendingTests: number;
  testResults: Array<{
    name: string;
    message?: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }>;
  }>;
}

function runSuite(outputFile: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', ...targets, '--reporter=json', `--outputFile=${outputFile}`],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.on('close', resolve);
  });
}

function failuresOf(report: VitestJson): string[] {
  const out: string[] = [];
  for (const file of report.testResults) {
    if (file.message) out.push(`${file.name}: ${file.message.split('\n')[0]}`);
    for (const t of file.assertionResults)
      if (t.status === 'failed') out.push(`${t.fullName}: ${(t.failureMessages[0] ?? '').split('\n')[0]}`);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'flake-check-'));
const burners = Array.from({ length: load }, burner);
const stop = (): void => burners.forEach((b) => b.kill());
process.on('exit', stop);
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => process.exit(130));
console.log(`flake check: ${runs} run(s) of ${targets.join(' ')} beside ${load} CPU-burning process(es)`);
let failedRuns = 0;
try {
  for (let n = 1; n <= runs; n++) {
    const file = join(dir, `run-${n}.json`);
    const t0 = performance.now();
    const code = await runSuite(file);
    const seconds = ((performance.now() - t0) / 1000).toFixed(0);
    let report: VitestJson | undefined;
    try {
      report = JSON.parse(readFileSync(file, 'utf8')) as VitestJson;
    } catch {
      report = undefined;
    }
    const failures = report ? failuresOf(report) : [`the suite wrote no report (exit ${code})`];
    if (code !== 0 && failures.length === 0) failures.push(`vitest exited ${code}`);
    if (failures.length > 0) failedRuns++;
    const counts = report
      ? `${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped`
      : 'no report';
    console.log(`run ${n}/${runs}: ${counts} (${seconds} s)`);
    for (const f of failures) console.log(`  FAILED ${f}`);
  }
} finally {
  stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  failedRuns === 0
    ? `flake check: all ${runs} runs passed under load`
    : `flake check: ${failedRuns} of ${runs} runs had failures`,
);
process.exit(failedRuns === 0 ? 0 : 1);
