// `npm run demo -- --keep` as a user runs it: the demo's own flow (mirror -> deploy with the real helm and the
// shipped chart, the kubelet pulling from the sandbox registry and running the Litmus Edge stand-in as the pod ->
// certs -> authpolicy -> connector, through a port-forward to the release's Service -> smoke), then the commands it
// prints for the user to drive the sandbox themselves, run exactly as printed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { bundle } from '../../scripts/bundle.js';
import { pollUntil } from '../../src/util/poll.js';
import { repoRoot } from '../support/repo-root.js';

const root = repoRoot();
let dist: string;
let home: string;
beforeAll(async () => {
  // Inside the checkout (.tools/ is ignored), like dist/ for `npm run demo`: the CLI finds the chart it ships
  // (charts/litmusedge) by walking up to the package, so a bundle in /tmp would not find it.
  dist = mkdtempSync(join(root, '.tools', 'demo-dist-'));
  await bundle(dist);
  writeFileSync(join(dist, 'package.json'), '{"type":"module"}\n');
  home = mkdtempSync(join(tmpdir(), 'litmus-aio-demo-home-'));
});
afterAll(() => {
  for (const d of [dist, home]) if (d) rmSync(d, { recursive: true, force: true });
});

/** The printed hand-off commands (`  KUBECONFIG=... <command>`), trimmed. */
const handOff = (out: string): string[] =>
  out
    .slice(out.indexOf('From another terminal'))
    .split('\n')
    .filter((l) => l.startsWith('  KUBECONFIG='))
    .map((l) => l.trim());

/** Runs a printed command through the shell, as the user would (their PATH; a home of its own). */
function asPrinted(command: string): { status: number | null; out: string } {
  const r = spawnSync('sh', ['-c', command], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, HOME: home },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('the demo mirrors, deploys with helm, runs every stage twice (no change), keeps the sandbox, and the commands it prints work as printed', async () => {
  const demo = spawn(process.execPath, ['scripts/run-ts.ts', 'scripts/demo.ts', '--keep', '--dist', dist], {
    cwd: root,
    env: process.env,
  });
  let out = '';
  demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => demo.on('close', resolve));
  try {
    const ready = await pollUntil(() => out.includes('Press Ctrl-C to stop') || demo.exitCode !== null, {
      timeoutMs: 100_000,
      maxDelayMs: 200,
    });
    expect(ready && demo.exitCode === null, out).toBe(true);
    const plain = out.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
    expect(plain).not.toMatch(/KiB/); // the build stays quiet
    // mirror copied `latest` under the version; deploy installed the shipped chart with that digest.
    const copied = /mirror +changed .*latest@(sha256:[0-9a-f]{64}) -> \S+:3\.16\.2/.exec(plain);
    expect(copied, plain).not.toBeNull();
    const digest = copied![1]!;
    expect(plain).toMatch(
      new RegExp(
        `deploy +changed .*install release litmusedge in namespace le-demo: chart litmusedge-[\\d.]+, image \\S+:3\\.16\\.2@${digest}`,
      ),
    );
    // connector reached the deployed pod (no litmus-edge-url: its default port-forward to the release's Service),
    // and the stand-in running as that pod published its DeviceHub values through the broker (smoke saw them).
    const config = readFileSync(/config: +(\S+litmus-aio\.yml)/.exec(plain)![1]!, 'utf8');
    expect(config).not.toMatch(/^litmus-edge-url:/m);
    expect(plain).toContain("[connector] create integration 'aio-broker' (provider generic-mqtt-ssl)");
    expect(plain).toMatch(/litmus\/devicehub\/alias\/press1: \d+ message\(s\)/);
    const forwarded =
      /port-forward: +(\d+) pods\/portforward upgrade\(s\) in namespace le-demo \(to pod (\S+)\)/.exec(plain);
    expect(forwarded, plain).not.toBeNull();
    expect(Number(forwarded![1])).toBeGreaterThan(0);
    expect(forwarded![2]).toMatch(/^litmusedge-/);
    // The second run: nothing to do, helm not called to upgrade.
    expect(plain).toContain('Run: everything already up to date');
    expect(plain).toMatch(/deploy +unchanged /);
    expect(plain).toContain('helm revision: 1 (deployed) of release litmusedge in namespace le-demo\n');
    expect(plain).toMatch(
      new RegExp(`image digest: +${digest} \\(pod litmusedge-\\S+ runs \\S+@${digest}\\)`),
    );
    expect(plain).toContain('accepted (TLS');

    const [plan, ...tools] = handOff(plain);
    expect(plan).toMatch(/^KUBECONFIG=\S+( PATH=\S+)? \S+ \S+cli\.js plan --config \S+litmus-aio\.yml$/);
    const planned = asPrinted(plan!);
    expect(planned.status, planned.out).toBe(0);
    expect(planned.out).toContain('Plan: nothing to change');
    // kubectl and helm are installed here (npm run setup), so their commands are printed.
    expect(tools.map((c) => c.split(' ').slice(1, 3).join(' '))).toEqual([
      'kubectl get',
      expect.stringMatching(/helm list$/),
      'kubectl get',
    ]);
    const [listeners, helmList, pods] = tools.map(asPrinted);
    expect(listeners!.out).toMatch(/brokerauthentication\.\S+\/litmusedge/);
    expect(helmList!.status, helmList!.out).toBe(0);
    expect(helmList!.out).toMatch(/^litmusedge\s+le-demo\s+1\s.*\sdeployed\s+litmusedge-/m);
    expect(pods!.status, pods!.out).toBe(0);
    expect(pods!.out).toMatch(/^litmusedge-\S+\s+1\/1\s+Running\s/m);
  } finally {
    demo.kill('SIGINT');
  }
  expect(await exited).toBe(130);
  const sandboxDir = /config: +(\S+)\/litmus-aio\.yml/.exec(out)?.[1];
  expect(sandboxDir && existsSync(join(sandboxDir))).toBe(false);
}, 150_000);
