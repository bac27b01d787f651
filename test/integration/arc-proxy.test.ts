// Arc cluster connect against a fake `az` (test/support/fake-az) whose `connectedk8s proxy` forwards to the
// Kubernetes stand-in: ready detection, early exit, timeout, wrong cluster, process-group cleanup, the extension
// check, the federated login, and that no secret reaches a log line or an error.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCleanup } from '../../src/cleanup/run-cleanup.js';
import {
  ArcProxyError,
  AzCliError,
  azLoginWithFederatedToken,
  ensureConnectedk8sExtension,
  probeArcCluster,
  startArcProxy,
  type ArcProxyOptions,
  type ProbeAnswer,
} from '../../src/kube/arc/arc-proxy.js';
import { silentLogger } from '../../src/pipeline/logger.js';
import { installFakeAz, type FakeAz, type FakeAzKnobs, type ProxyRecord } from '../support/fake-az/index.js';
import { startKubeApiServer, type KubeSandbox } from '../support/kube-apiserver/index.js';
import { freePort } from '../support/peers/free-port.js';
import { waitFor } from '../support/peers/wait.js';

const CLUSTER = 'plant-7-edge';
const RG = 'rg-plant-7';
const SA_TOKEN = `sa-${randomBytes(20).toString('hex')}`;
const NS_ONLY_TOKEN = `ns-only-${randomBytes(20).toString('hex')}`;

let kube: KubeSandbox;
let fake: FakeAz;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arc-proxy-'));
  kube = await startKubeApiServer({
    clusterName: CLUSTER,
    resourceGroup: RG,
    rbac: {
      [SA_TOKEN]: {
        user: 'system:serviceaccount:azure-arc:ci',
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
      },
      [NS_ONLY_TOKEN]: {
        user: 'system:serviceaccount:litmus-edge:deployer',
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'], namespaces: ['litmus-edge'] }],
      },
    },
  });
  fake = installFakeAz({
    dir: join(dir, 'az'),
    upstream: { url: kube.url, caPem: kube.caPem, token: kube.adminToken },
  });
});

afterAll(async () => {
  await kube?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Captured {
  lines: string[];
  log: ArcProxyOptions['log'];
}

function capture(): Captured {
  const lines: string[] = [];
  return {
    lines,
    log: {
      debug: (m) => lines.push(`debug: ${m}`),
      info: (m) => lines.push(`info: ${m}`),
      warn: (m) => lines.push(`warn: ${m}`),
    },
  };
}

/** Whether `pid` (or the group, for a negative pid) has a live member. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function expectNothingLeft(pgid: number, record: ProxyRecord | undefined): void {
  expect(alive(-pgid), `process group ${pgid}`).toBe(false);
  expect(alive(pgid), `az ${pgid}`).toBe(false);
  if (record?.proxyPid) expect(alive(record.proxyPid), `arc proxy child ${record.proxyPid}`).toBe(false);
}

async function startWith(knobs: FakeAzKnobs, extra: Partial<ArcProxyOptions> = {}) {
  const port = extra.port ?? (await freePort());
  const kubeconfigPath = join(mkdtempSync(join(dir, 'kube-')), 'config');
  const cap = capture();
  const spawned: number[] = [];
  const callEpoch = Date.now();
  const t0 = performance.now();
  const started = startArcProxy({
    az: fake.az,
    cluster: CLUSTER,
    resourceGroup: RG,
    port,
    kubeconfigPath,
    timeoutMs: 20_000,
    env: fake.env(knobs),
    log: cap.log,
    graceMs: 1000,
    onSpawn: (pid) => spawned.push(pid),
    ...extra,
  });
  return { started, port, kubeconfigPath, cap, spawned, callEpoch, t0 };
}

async function rejection(p: Promise<unknown>): Promise<ArcProxyError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ArcProxyError);
  return e as ArcProxyError;
}

describe('startArcProxy: ready', () => {
  test('ready = kubeconfig written AND the cluster answering through the proxy; measured from the call', async () => {
    const probes: { kubeconfigExisted: boolean; at: number; answer?: ProbeAnswer }[] = [];
    // The kubeconfig appears ~300 ms in, the proxy listens later still and resets its first connection.
    const run = await startWith(
      { delayMs: 300, listenDelayMs: 1500, dropFirst: 1 },
      {
        probe: async (path, o) => {
          const entry: (typeof probes)[number] = { kubeconfigExisted: existsSync(path), at: Date.now() };
          probes.push(entry);
          entry.answer = await probeArcCluster(path, o);
          return entry.answer;
        },
      },
    );
    const proxy = await run.started;
    const elapsed = performance.now() - run.t0;
    const readyEpoch = Date.now();
    const record = fake.proxyRecord(proxy.pid)!;

    expect(run.spawned).toEqual([proxy.pid]);
    expect(proxy.server).toBe(`https://127.0.0.1:${run.port}`);
    expect(proxy.kubeconfigPath).toBe(run.kubeconfigPath);
    // No probe before the kubeconfig existed; the first one after az wrote it.
    expect(probes.length).toBeGreaterThan(1);
    expect(probes.every((p) => p.kubeconfigExisted)).toBe(true);
    expect(probes[0]!.at).toBeGreaterThanOrEqual(record.kubeconfigAt!);
    // The kubeconfig alone was not enough: probes failed (refused, reset) until the proxy listened.
    expect(probes.some((p) => p.answer && !p.answer.ok && p.answer.retry)).toBe(true);
    expect(record.listenAt).toBeGreaterThan(record.kubeconfigAt!);
    expect(readyEpoch).toBeGreaterThanOrEqual(record.listenAt!);
    expect(probes.at(-1)!.answer).toMatchObject({ ok: true, clusterName: CLUSTER, resourceGroup: RG });
    // readyAfterMs counts from the call (it includes az's start-up and the listen delay), not from the kubeconfig.
    expect(proxy.readyAfterMs).toBeLessThanOrEqual(elapsed);
    expect(proxy.readyAfterMs).toBeGreaterThanOrEqual(record.listenAt! - run.callEpoch - 2);
    expect(run.cap.lines.some((l) => l.startsWith('info: Arc proxy ready after'))).toBe(true);
    // The proxy's own output is kept for diagnosis.
    expect(proxy.output()).toContain(`Proxy is listening on port ${run.port}`);
    expect(proxy.output()).toContain('Press Ctrl+C to close proxy.');

    await Promise.all([proxy.stop(), proxy.stop()]);
    await proxy.stop();
    expectNothingLeft(proxy.pid, fake.proxyRecord(proxy.pid));
    // az and its child left on the first signal: no escalation needed.
    expect(fake.proxyRecord(proxy.pid)!.signals).toEqual(['SIGINT']);
  });

  test('--token goes to az, the kubeconfig carries it and the cluster sees the service account', async () => {
    const run = await startWith({}, { token: SA_TOKEN });
    const proxy = await run.started;
    const inv = fake.invocations().find((i) => i.pid === proxy.pid)!;
    expect(inv.argv).toEqual([
      'connectedk8s',
      'proxy',
      '--name',
      CLUSTER,
      '--resource-group',
      RG,
      '--port',
      String(run.port),
      '--file',
      run.kubeconfigPath,
      '--token',
      SA_TOKEN,
    ]);
    const seen = kube.requests.filter((r) => r.name === 'azure-clusterconfig' && r.status === 200);
    expect(seen.at(-1)?.user).toBe('system:serviceaccount:azure-arc:ci');
    await proxy.stop();
    expectNothingLeft(proxy.pid, fake.proxyRecord(proxy.pid));
  });

  test('an identity that may not read azure-arc: ready, with a warning that the name was not checked', async () => {
    const run = await startWith({}, { token: NS_ONLY_TOKEN });
    const proxy = await run.started;
    expect(run.cap.lines.filter((l) => l.startsWith('warn:')).join('\n')).toMatch(
      /may not read ConfigMap azure-arc\/azure-clusterconfig \(HTTP 403/,
    );
    await proxy.stop();
    expectNothingLeft(proxy.pid, fake.proxyRecord(proxy.pid));
  });

  test('the post step (runCleanup on the registered group) leaves no process of the group behind', async () => {
    const run = await startWith({});
    const proxy = await run.started;
    const record = fake.proxyRecord(proxy.pid)!;
    expect(record.proxyPid).toBeGreaterThan(0);
    expect(alive(record.proxyPid!)).toBe(true);
    proxy.unref(); // the main step lets go; the post step stops the group by its id
    const report = await runCleanup(
      [{ kind: 'process-group', pid: run.spawned[0]!, label: 'arc proxy' }],
      silentLogger,
      { graceMs: 1000 },
    );
    expect(report.failed).toEqual([]);
    expect(report.done).toEqual([`arc proxy (process group ${proxy.pid}): stopped`]);
    expectNothingLeft(proxy.pid, record);
    await proxy.stop(); // idempotent: nothing left to stop
  });
});

describe('startArcProxy: failures reject with what az and the cluster said, and stop the group', () => {
  let blocker: Server | undefined;
  afterAll(() => blocker?.close());

  const earlyExits: {
    name: string;
    knobs?: FakeAzKnobs;
    setup?: (port: number) => Promise<void> | void;
    teardown?: () => void;
    extra?: Partial<ArcProxyOptions>;
    said: RegExp;
    fix: RegExp;
  }[] = [
    {
      name: 'cluster not found',
      knobs: { mode: 'exit-early' },
      said: /\(ResourceNotFound\) The Resource 'Microsoft\.Kubernetes\/connectedClusters\/plant-7-edge' under resource group 'rg-plant-7' was not found/,
      fix: /Fix: check the name and resource group: cluster 'plant-7-edge' in resource group 'rg-plant-7'/,
    },
    {
      name: 'cluster not found, output to a log file',
      knobs: { mode: 'exit-early' },
      extra: { logFile: join(tmpdir(), `arc-proxy-${process.pid}.log`) },
      said: /was not found/,
      fix: /Fix: check the name and resource group/,
    },
    {
      name: 'extension missing',
      setup: () => fake.setExtensionInstalled(false),
      teardown: () => fake.setExtensionInstalled(true),
      said: /The command requires the extension connectedk8s/,
      fix: /Fix: install the Azure CLI extension first: az extension add --name connectedk8s/,
    },
    {
      name: 'port in use',
      setup: async (port) => {
        blocker = createServer();
        await new Promise<void>((r) => blocker!.listen(port, '127.0.0.1', r));
      },
      teardown: () => blocker?.close(),
      said: /Port \d+ is already in use\. Please select a different port with --port option\./,
      fix: /Fix: another process holds port \d+ .*choose another arc-proxy-port/,
    },
    {
      name: 'another proxy running (older connectedk8s)',
      knobs: { mode: 'exit-early', error: 'ERROR: Another instance of proxy already running' },
      said: /Another instance of proxy already running/,
      fix: /Fix: an earlier az connectedk8s proxy is still running/,
    },
    {
      name: 'missing role',
      knobs: {
        mode: 'exit-early',
        error:
          "ERROR: (AuthorizationFailed) The client 'ci' does not have authorization to perform action 'Microsoft.Kubernetes/connectedClusters/listClusterUserCredential/action'",
      },
      said: /AuthorizationFailed/,
      fix: /Fix: give the identity the 'Azure Arc Enabled Kubernetes Cluster User Role'/,
    },
  ];

  test.each(earlyExits)('early exit: $name', async ({ knobs, setup, teardown, extra, said, fix }) => {
    const port = await freePort();
    await setup?.(port);
    try {
      const run = await startWith(knobs ?? {}, { port, ...extra });
      const e = await rejection(run.started);
      expect(e.reason).toBe('exited');
      expect(e.message).toMatch(
        /^az connectedk8s proxy exited with code \d+ after [\d.]+ s, before the cluster answered/,
      );
      expect(e.message).toMatch(said);
      expect(e.message).toMatch(fix);
      expect(e.output).toMatch(said);
      expect(existsSync(run.kubeconfigPath)).toBe(false);
      expectNothingLeft(run.spawned[0]!, fake.proxyRecord(run.spawned[0]!));
    } finally {
      teardown?.();
      if (extra?.logFile) rmSync(extra.logFile, { force: true });
    }
  });

  test('hang: times out with what was seen, escalates to SIGKILL, nothing left running', async () => {
    // Generous for a loaded 2-core runner: az must get as far as starting its child before the deadline.
    const run = await startWith({ mode: 'hang', stubborn: true }, { timeoutMs: 3000, graceMs: 1000 });
    const e = await rejection(run.started);
    const pgid = run.spawned[0]!;
    const record = fake.proxyRecord(pgid)!;
    expect(e.reason).toBe('timeout');
    expect(e.message).toContain('The Arc proxy was not ready within 3.0 s (arc-proxy-timeout)');
    expect(e.message).toContain(`az has not written the kubeconfig ${run.kubeconfigPath}`);
    expect(e.message).toContain(`is stopped now`);
    expect(e.message).toContain(`Proxy is listening on port ${run.port}`); // az's own output, quoted
    expect(e.message).toMatch(/Fix: .*raise arc-proxy-timeout/);
    // az ignored SIGINT and SIGTERM (its child did not): only SIGKILL ended it.
    expect(record.proxyPid).toBeGreaterThan(0);
    expect(record.signals).toEqual(['SIGINT', 'SIGTERM']);
    expectNothingLeft(pgid, record);
  });

  test('kubeconfig written but the cluster never answers: times out naming the last probe error', async () => {
    const run = await startWith({ delayMs: 50, listenDelayMs: 60_000 }, { timeoutMs: 3000, graceMs: 300 });
    const e = await rejection(run.started);
    expect(e.reason).toBe('timeout');
    expect(e.message).toContain(
      `the kubeconfig ${run.kubeconfigPath} was written (server https://127.0.0.1:${run.port})`,
    );
    expect(e.message).toMatch(/\d+ probe\(s\), last: cannot reach https:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(e.message).toMatch(/Fix: check the cluster's Arc agents are connected/);
    expectNothingLeft(run.spawned[0]!, fake.proxyRecord(run.spawned[0]!));
  });

  test('wrong cluster: the error names both clusters', async () => {
    const run = await startWith({}, { cluster: 'plant-8-edge' });
    const e = await rejection(run.started);
    expect(e.reason).toBe('wrong-cluster');
    expect(e.message).toContain(`The kubeconfig ${run.kubeconfigPath} points at the wrong cluster`);
    expect(e.message).toContain(`Arc cluster '${CLUSTER}' in resource group '${RG}'`);
    expect(e.message).toContain(`but 'plant-8-edge' in '${RG}' was asked for`);
    expectNothingLeft(run.spawned[0]!, fake.proxyRecord(run.spawned[0]!));
  });

  test('cancelled: the abort signal stops the group at once', async () => {
    const ac = new AbortController();
    const run = await startWith({ mode: 'hang' }, { signal: ac.signal });
    await waitFor(() => run.spawned[0] !== undefined && fake.proxyRecord(run.spawned[0])?.proxyPid, {
      description: 'the fake arc proxy child',
    });
    ac.abort();
    const e = await rejection(run.started);
    expect(e.reason).toBe('aborted');
    expectNothingLeft(run.spawned[0]!, fake.proxyRecord(run.spawned[0]!));
  });

  test('no az: rejects with the install fix', async () => {
    const run = await startWith({}, { az: join(dir, 'no-such-az') });
    const e = await rejection(run.started);
    expect(e.reason).toBe('spawn');
    expect(e.message).toMatch(
      /Cannot run the Azure CLI at '.*no-such-az': not found\. Fix: install the Azure CLI/,
    );
  });
});

describe('ensureConnectedk8sExtension', () => {
  const countSince = (n: number, verb: string) =>
    fake
      .invocations()
      .slice(n)
      .filter((i) => i.argv[0] === 'extension' && i.argv[1] === verb).length;

  test('adds the extension only when it is missing', async () => {
    fake.setExtensionInstalled(false);
    const cap = capture();
    const n0 = fake.invocations().length;
    await expect(ensureConnectedk8sExtension(fake.az, fake.env(), cap.log)).resolves.toEqual({
      state: 'added',
    });
    expect([countSince(n0, 'show'), countSince(n0, 'add')]).toEqual([1, 1]);
    expect(fake.invocations().at(-1)!.argv).toEqual([
      'extension',
      'add',
      '--name',
      'connectedk8s',
      '--yes',
      '--output',
      'none',
    ]);

    const n1 = fake.invocations().length;
    await expect(ensureConnectedk8sExtension(fake.az, fake.env(), cap.log)).resolves.toEqual({
      state: 'present',
      version: '1.10.7',
    });
    expect([countSince(n1, 'show'), countSince(n1, 'add')]).toEqual([1, 0]);
  });

  test('a failed add names the fix and quotes az', async () => {
    fake.setExtensionInstalled(false);
    try {
      const e = await ensureConnectedk8sExtension(
        fake.az,
        fake.env({ extensionAdd: 'fail' }),
        capture().log,
      ).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(AzCliError);
      expect((e as Error).message).toMatch(
        /^Could not install the Azure CLI extension connectedk8s \(exit 1\)\. Fix: /,
      );
      expect((e as Error).message).toContain('az extension add --name connectedk8s');
      expect((e as Error).message).toContain('Max retries exceeded');
    } finally {
      fake.setExtensionInstalled(true);
    }
  });
});

/** An unsigned JWT shaped like a GitHub ID token. */
function idToken(sub: string): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({
    iss: 'https://token.actions.githubusercontent.com',
    sub,
    aud: 'api://AzureADTokenExchange',
  })}.${randomBytes(64).toString('base64url')}`;
}

describe('azLoginWithFederatedToken', () => {
  const CLIENT = '3f1e2d4c-0000-4000-8000-00000000c1d0';
  const TENANT = '72f988bf-0000-4000-8000-0000000000aa';
  const SUB = '00000000-0000-0000-0000-000000000000';

  test('logs in as the service principal, then selects the subscription', async () => {
    const token = idToken('repo:litmus/plant:ref:refs/heads/main');
    const n0 = fake.invocations().length;
    const cap = capture();
    await azLoginWithFederatedToken(fake.az, {
      clientId: CLIENT,
      tenantId: TENANT,
      subscriptionId: SUB,
      federatedToken: token,
      env: fake.env(),
      log: cap.log,
    });
    expect(
      fake
        .invocations()
        .slice(n0)
        .map((i) => i.argv),
    ).toEqual([
      [
        'login',
        '--service-principal',
        '-u',
        CLIENT,
        '-t',
        TENANT,
        '--federated-token',
        token,
        '--allow-no-subscriptions',
        '--output',
        'none',
      ],
      ['account', 'set', '--subscription', SUB],
    ]);
    expect(cap.lines.join('\n')).not.toContain(token);
    expect(cap.lines.join('\n')).toContain('--federated-token ***');
  });

  test('AADSTS700213: the fix names the subject to register', async () => {
    const token = idToken('repo:litmus/plant:environment:prod');
    const cap = capture();
    const e = (await azLoginWithFederatedToken(fake.az, {
      clientId: CLIENT,
      tenantId: TENANT,
      federatedToken: token,
      env: fake.env({ login: 'aadsts700213', echoToken: true }),
      log: cap.log,
    }).then(
      () => undefined,
      (err: unknown) => err,
    )) as AzCliError;
    expect(e).toBeInstanceOf(AzCliError);
    expect(e.message).toContain('AADSTS700213');
    expect(e.message).toContain(
      `Fix: on app ${CLIENT} add a federated credential with issuer 'https://token.actions.githubusercontent.com' and subject 'repo:litmus/plant:environment:prod'`,
    );
    for (const text of [e.message, e.output, ...cap.lines]) expect(text).not.toContain(token);
    // az did echo it (like --debug): it was masked, not absent.
    expect(e.output).toContain("'--federated-token', '***'");
  });
});

describe('secrets', () => {
  test('the service-account token never appears in any log line, error or output, even when az echoes it', async () => {
    const seen: string[] = [];
    // Ready path, az echoing its arguments (as with --debug).
    const ok = await startWith({ echoToken: true }, { token: SA_TOKEN });
    const proxy = await ok.started;
    seen.push(proxy.output(), ...ok.cap.lines);
    expect(proxy.output()).toContain("'--token', '***'");
    await proxy.stop();
    seen.push(...ok.cap.lines);

    // Early exit, and the same into a log file.
    for (const extra of [{}, { logFile: join(dir, 'az-proxy.log') }]) {
      const bad = await startWith({ mode: 'exit-early', echoToken: true }, { token: SA_TOKEN, ...extra });
      const e = await rejection(bad.started);
      seen.push(e.message, e.output, String(e.stack), ...bad.cap.lines);
      expect(e.output).toContain("'--token', '***'");
    }
    // Timeout.
    const hang = await startWith(
      { mode: 'hang', echoToken: true },
      { token: SA_TOKEN, timeoutMs: 2000, graceMs: 300 },
    );
    const t = await rejection(hang.started);
    seen.push(t.message, t.output, ...hang.cap.lines);

    // Not vacuous: az got the token every time.
    const runs = fake.invocations().filter((i) => i.argv.includes(SA_TOKEN));
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const text of seen) expect(text).not.toContain(SA_TOKEN);
    expect(seen.join('\n')).toContain('--token ***');
  });
});
