// Smoke stage speed on a healthy broker: time from stage start to verdict, and the probe's round-trip
// latencies, beside mosquitto_sub + mosquitto_pub doing the same N QoS 1 round trips on the same broker,
// with the same client chain, in the same run. Prints figures and ratios; asserts nothing.
// Run: npm run bench:smoke [-- --runs 5 --messages 20]
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInputs } from '../src/config/validate-inputs.js';
import { runCommand } from '../src/engine/run-command.js';
import { createCleanupRegistry } from '../src/pipeline/cleanup.js';
import { silentLogger } from '../src/pipeline/logger.js';
import type { PipelineSummary, Reporter } from '../src/pipeline/reporter.js';
import { findTool } from '../test/support/peers/tools.js';
import { startSandbox } from '../test/support/sandbox/index.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('runs', 5);
const N = arg('messages', 20);

const quiet: Reporter = {
  pipelineStarted: () => undefined,
  stageStarted: () => undefined,
  stageLogger: () => silentLogger,
  stageFinished: () => undefined,
  pipelineFinished: async () => undefined,
};

const sb = await startSandbox();
try {
  const env = { KUBECONFIG: sb.kubeconfig, HOME: sb.dir };
  const defaults = await resolveInputs([]);
  const run = (over: Record<string, unknown>): Promise<PipelineSummary> =>
    runCommand({ ...defaults, 'authpolicy-mode': 'kubernetes', stagesExplicit: true, ...over } as never, {
      reporter: quiet,
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env,
    });
  const setup = await run({ stages: ['certs', 'authpolicy'] });
  if (!setup.ok) throw new Error(`setup failed: ${JSON.stringify(setup.results)}`);
  await sb.broker.settled();

  // Files for the mosquitto clients: the same chain, key and CA the stage uses.
  const s = sb.kube.store.get('secrets', 'litmus-edge', 'litmusedge-mqtt-client') as unknown as {
    data: Record<string, string>;
  };
  const file = (name: string, text: string): string => {
    const p = join(sb.dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  const chain = file('chain.pem', Buffer.from(s.data['tls.crt']!, 'base64').toString());
  const key = file('key.pem', Buffer.from(s.data['tls.key']!, 'base64').toString());
  const ca = file('ca.pem', sb.aioCa.cert);
  const tls = [
    '-h',
    '127.0.0.1',
    '-p',
    String(sb.broker.port),
    '--cafile',
    ca,
    '--cert',
    chain,
    '--key',
    key,
    '-q',
    '1',
    '-V',
    'mqttv5',
  ];

  /** mosquitto_sub waits for N messages; once the broker has sent its SUBACK, mosquitto_pub sends N lines. */
  const mosquittoRoundTrip = async (): Promise<number> => {
    const broker = sb.broker.mosquitto()!;
    const topic = `bench/${Math.random().toString(36).slice(2)}`;
    const mark = broker.logMark();
    const t0 = performance.now();
    const sub = spawn(findTool('mosquitto_sub'), [...tls, '-t', topic, '-C', String(N)]);
    const done = new Promise<void>((resolve, reject) => {
      sub.on('error', reject);
      sub.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_sub exited ${code}`))));
    });
    // The broker's own log says when the subscription is in place (client output is block-buffered on a pipe).
    await broker.waitForLog(/Sending SUBACK to/, { since: mark });
    const pub = spawn(findTool('mosquitto_pub'), [...tls, '-t', topic, '-l']);
    pub.stdin.end(`${Array.from({ length: N }, (_, k) => `${k}`).join('\n')}\n`);
    await done;
    return performance.now() - t0;
  };

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const viaForward: number[] = [];
  const direct: number[] = [];
  const latencies: number[] = [];
  const mosq: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const a = await run({ stages: ['smoke'], 'smoke-messages': N });
    const b = await run({
      stages: ['smoke'],
      'smoke-messages': N,
      'smoke-broker-address': `127.0.0.1:${sb.broker.port}`,
    });
    for (const [summary, into] of [
      [a, viaForward],
      [b, direct],
    ] as const) {
      const r = summary.results[0]!;
      if (r.status === 'failed') throw new Error(r.error?.message);
      into.push(r.durationMs);
      latencies.push(Number(r.outputs?.['smoke-latency-ms']));
    }
    mosq.push(await mosquittoRoundTrip());
  }
  const m = median(mosq);
  console.log(
    `smoke: ${N} QoS 1 round trips, MQTT 5 over TLS with the client chain; median of ${RUNS} runs (Node ${process.version})`,
  );
  console.log(
    `  stage start -> verdict, via port-forward:  ${median(viaForward).toFixed(0).padStart(6)} ms   ${(median(viaForward) / m).toFixed(2)}x mosquitto`,
  );
  console.log(
    `  stage start -> verdict, direct:            ${median(direct).toFixed(0).padStart(6)} ms   ${(median(direct) / m).toFixed(2)}x mosquitto`,
  );
  console.log(`  mosquitto_sub + mosquitto_pub, direct:     ${m.toFixed(0).padStart(6)} ms   1.00x`);
  console.log(`  probe round-trip latency (median of medians): ${median(latencies).toFixed(2)} ms`);
  console.log(
    '  (the stage also reads the Secret and ConfigMap from the API and, via port-forward, opens the tunnel)',
  );
} finally {
  await sb.stop();
}
