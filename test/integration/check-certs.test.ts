// check-certs against the sandbox (Kubernetes stand-in with cert-manager's Certificates, real mosquitto serving the
// AIO CA's server certificate) and the GitHub REST stand-in driven by @actions/github's Octokit: healthy (with the
// broker's cert-manager Certificate status read from the stand-in), a leaf near expiry (warning, then failure, one
// issue updated), rotate (leaf re-issued, smoke, issue closed with a comment), an AIO CA rotation done by the
// sandbox (found; rotate propagates it through a Litmus Edge port, smoke passes), a fleet of two clusters, and
// certificates made to order (expired, not yet valid, wrong chain; a broker certificate near expiry, from another
// CA, and cert-manager failing to renew it). The tests run in order: each starts from the state the previous one
// left.
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LitmusIntegration, LitmusIntegrationState } from '../../src/check-certs/litmus-port.js';
import type { CheckCertsDeps } from '../../src/check-certs/run.js';
import { checkCertsReport } from '../../src/check-certs/report.js';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { runAction } from '../../src/github/run-action.js';
import { runCli } from '../../src/cli/run-cli.js';
import { clusterTools } from '../support/cluster-tools.js';
import { recordingCore } from '../support/recording-core.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { parsePemBundle } from '../../src/pki/inspect.js';
import {
  createAioRoot,
  issueBrokerServerCert,
  rotateAioCa,
  servedServerCert,
  setBrokerCertificateStatus,
  type AioRotation,
} from '../support/sandbox/aio-pki.js';
import { putClientLeaf } from '../support/sandbox/certs-to-order.js';
import { probeTls } from '../support/peers/tls-probe.js';
import { startGithubStandIn, type GithubStandIn } from '../support/github/server.js';
import { recordingReporter, type RecordingReporter } from '../support/recording-reporter.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

const REPO = 'contoso/edge-sites';
const TOKEN = 'ghs_standin_token_1';

let sb: Sandbox;
let gh: GithubStandIn;
let defaults: Inputs;
let aio: AioRotation;

const env = () => ({
  KUBECONFIG: sb.kubeconfig,
  HOME: sb.dir,
  RUNNER_TEMP: sb.dir,
  GITHUB_API_URL: gh.url,
  GITHUB_REPOSITORY: REPO,
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '4242',
});

beforeAll(async () => {
  [sb, gh] = await Promise.all([startSandbox(), startGithubStandIn({ tokens: [TOKEN], repos: [REPO] })]);
  defaults = await resolveInputs([]);
  const certs = (stages: Inputs['stages']) =>
    runCommand(
      { ...defaults, command: 'run', stages, stagesExplicit: true, 'authpolicy-mode': 'kubernetes' },
      { reporter: recordingReporter(), cleanup: noCleanup(), env: env() },
    );
  expect((await certs(['certs', 'authpolicy'])).ok).toBe(true);
  await sb.broker.settled();
  // The sandbox rotates AIO's CA to one like AIO's (a year) with a server certificate like AIO's (720 h), as
  // cert-manager and trust-manager would: the sandbox's own last a week and a day. certs runs again to record it
  // as the AIO CA last propagated.
  aio = await rotateAioCa(sb, { serverDays: 30 });
  expect((await certs(['certs'])).ok).toBe(true);
}, 120_000);
afterAll(async () => {
  const contract = { request: gh?.requestIssues, response: gh?.responseIssues };
  await Promise.all([sb?.stop(), gh?.stop()]);
  // Octokit's requests and the stand-in's answers, held to GitHub's published description throughout.
  expect(contract).toEqual({ request: [], response: [] });
});

const noCleanup = () => createCleanupRegistry({ save: () => undefined, load: () => '' });

async function check(over: Partial<Inputs> = {}, extra: Partial<CheckCertsDeps> = {}) {
  const reporter = recordingReporter();
  const deps: CheckCertsDeps = { reporter, cleanup: noCleanup(), env: env(), ...extra };
  const summary = await runCommand(
    {
      ...defaults,
      command: 'check-certs',
      'authpolicy-mode': 'kubernetes',
      'github-issue': true,
      'github-token': TOKEN,
      'smoke-timeout': 30,
      'smoke-messages': 2,
      ...over,
    },
    deps,
  );
  const row = summary.results[0]!;
  const outputs = summary.results.at(-1)!.outputs ?? {};
  return {
    summary,
    row,
    reporter,
    outputs,
    findings: JSON.parse(outputs['findings'] ?? '[]') as Array<{
      severity: string;
      kind: string;
      message: string;
      cluster?: string;
    }>,
    certificates: JSON.parse(outputs['certificates'] ?? '[]') as Array<{
      role: string;
      sha256: string;
      daysLeft: number;
      cluster?: string;
    }>,
  };
}

const warnings = (r: RecordingReporter) => r.logs.filter((l) => / warn /.test(l));
const issues = () => gh.issues(REPO);
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

describe('check-certs', () => {
  test('healthy: passes, inventory of every certificate in play, no issue opened', async () => {
    const r = await check();
    expect(r.summary.ok, JSON.stringify(r.row)).toBe(true);
    expect(r.row.status).toBe('passed');
    expect(r.findings).toEqual([]);
    const roles = new Set(r.certificates.map((c) => c.role));
    for (const role of [
      'client-leaf',
      'client-intermediate',
      'client-root',
      'trusted-client-ca',
      'aio-ca',
      'broker-server',
    ]) {
      expect(roles, role).toContain(role);
    }
    // The live chain is the one the broker serves (cert-manager's Secret), from a real handshake.
    expect(r.certificates.find((c) => c.role === 'broker-server')!.sha256).toBe(
      fingerprint(servedServerCert(sb).cert),
    );
    expect(fingerprint(servedServerCert(sb).cert)).toBe(fingerprint(aio.server!.cert));
    // Sorted by days left: the 30-day server certificate first, the 100-day leaf next.
    expect(r.certificates[0]!.role).toBe('broker-server');
    expect(r.outputs['min-days-left']).toBe(String(r.certificates[0]!.daysLeft));
    expect(r.row.details).toContain('Litmus Edge integration: not configured (nothing read from it)');
    // cert-manager's Certificate of the broker's server certificate, read from the stand-in (cert-manager.io/v1):
    // its status as cert-manager wrote it through the status subresource.
    const status = sb.kube.store.get(
      'certificates.cert-manager.io',
      'azure-iot-operations',
      'aio-broker-frontend-server',
    )!.status as { notAfter: string; renewalTime: string };
    const minute = (iso: string) => iso.slice(0, 16).replace('T', ' ');
    expect(status.notAfter).toBe(
      new Date(new X509Certificate(aio.server!.cert).validTo).toISOString().replace('.000', ''),
    );
    expect(r.row.details).toContain(
      `cert-manager Certificate azure-iot-operations/aio-broker-frontend-server: Ready, not after ${minute(status.notAfter)}, renewal at ${minute(status.renewalTime)}`,
    );
    expect(issues()).toHaveLength(0);
    const report = checkCertsReport(r.summary)!;
    expect(report.markdown).toMatch(/#### Certificates \(\d+\), fewest days left first/);
    expect(report.text.split('\n')[1]).toMatch(/^DAYS\s+CERTIFICATE\s+ROLE\s+NOT AFTER\s+WHERE$/);
  });

  test("cert-manager's Certificate is served as on a cluster: kubectl reads it; its CRD schema refuses a bad one", async () => {
    const tools = await clusterTools('check-certs-kubectl');
    try {
      tools.use(sb.kube);
      const got = await tools.kubectl([
        'get',
        'certificates.cert-manager.io',
        '-n',
        'azure-iot-operations',
        '-o',
        'json',
      ]);
      expect(got.code, got.stderr).toBe(0);
      const items = (
        JSON.parse(got.stdout) as {
          items: Array<{ metadata: { name: string }; status: { conditions: Array<{ status: string }> } }>;
        }
      ).items;
      expect(items.map((c) => [c.metadata.name, c.status.conditions[0]!.status])).toEqual([
        ['aio-broker-frontend-server', 'True'],
      ]);
      const bad = await tools.kubectl(['create', '-f', '-'], {
        input: [
          'apiVersion: cert-manager.io/v1',
          'kind: Certificate',
          'metadata: {name: no-issuer, namespace: azure-iot-operations}',
          'spec: {secretName: no-issuer, duration: 720h}',
          '',
        ].join('\n'),
      });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/spec\.issuerRef: Required value/);
    } finally {
      await tools.remove();
    }
  });

  test('a leaf with 20 days left: a warning (annotation), the run passes, an issue is opened', async () => {
    await putClientLeaf(sb, { days: 20 });
    const r = await check();
    expect(r.summary.ok).toBe(true);
    expect(r.findings).toMatchObject([{ severity: 'warning', kind: 'expiring' }]);
    expect(warnings(r.reporter).join('\n')).toMatch(
      /client certificate 'CN=aiomqttconnector' expires in 19 day\(s\).*warn-days 28/,
    );
    expect(r.row.details).toContain(
      `rotate: true would issue client certificate 'CN=aiomqttconnector' valid 100 days (the client certificate expires in 19 days, fewer than renew-before-days (30))`,
    );
    expect(issues()).toHaveLength(1);
    const [issue] = issues();
    expect(issue!.labels.map((l) => l.name)).toEqual(['litmus-aio', 'certificates']);
    expect(issue!.body).toContain('<!-- litmus-aio:check-certs cluster=sandbox-cluster -->');
    expect(issue!.body).toContain('https://github.com/contoso/edge-sites/actions/runs/4242');
    expect(r.row.details?.at(-1)).toMatch(
      /^GitHub issue #1 opened: https:\/\/github.com\/contoso\/edge-sites\/issues\/1$/,
    );
  });

  test('a leaf with 10 days left: a failure (exit 1); the same issue is updated, not duplicated', async () => {
    await putClientLeaf(sb, { days: 10 });
    const posts = gh.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/issues')).length;
    const r = await check();
    expect(r.summary.ok).toBe(false);
    expect(r.row.status).toBe('failed');
    expect(r.row.error?.message).toMatch(
      /^1 finding\(s\) at or past fail-days or broken: client certificate 'CN=aiomqttconnector' expires in 9 day\(s\)/,
    );
    expect(issues()).toHaveLength(1);
    expect(issues()[0]!.body).toContain('fail-days 14');
    expect(gh.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/issues')).length).toBe(posts);
    expect(r.row.details?.at(-1)).toMatch(/^GitHub issue #1 updated/);
  });

  test('rotate: true re-issues the leaf (a 409 on the way: planned again), smoke proves it, the issue is closed with a comment', async () => {
    const before = sb.secretData()!['tls.crt']!;
    // Someone else wrote the client Secret meanwhile: rotate reads again and plans again.
    sb.kube.faults.add({
      match: { verb: 'update', resource: 'secrets', name: 'litmusedge-mqtt-client' },
      fault: { kind: 'conflict' },
    });
    const r = await check({ rotate: true });
    expect(r.reporter.logs).toContainEqual(expect.stringMatching(/: reading again \(attempt 2 of 5\)$/));
    expect(r.summary.ok, JSON.stringify(r.row)).toBe(true);
    expect(r.row.status).toBe('changed');
    expect(r.row.changes.join('\n')).toMatch(/issue client certificate 'CN=aiomqttconnector' valid 100 days/);
    expect(
      r.row.details?.some((d) => /^smoke after rotate passed: 2\/2 probe messages round-tripped/.test(d)),
    ).toBe(true);
    const after = sb.secretData()!['tls.crt']!;
    expect(fingerprint(after)).not.toBe(fingerprint(before));
    expect(r.findings).toEqual([]);
    expect(r.certificates.find((c) => c.role === 'client-leaf')!.daysLeft).toBeGreaterThanOrEqual(99);
    const [issue] = issues();
    expect(issue!.state).toBe('closed');
    expect(issue!.state_reason).toBe('completed');
    expect(gh.comments(REPO, 1).at(-1)!.body).toMatch(
      /^All certificates on `sandbox-cluster` are healthy again/,
    );
    // The broker accepts the new leaf as Litmus Edge presents it.
    const probe = await probeTls({
      host: sb.broker.host,
      port: sb.broker.port,
      ca: aio.ca.cert,
      servername: 'aio-broker',
      cert: after,
      key: sb.secretData()!['tls.key']!,
    });
    expect(probe.refused).toBe(false);
  });

  test('AIO CA rotated: found (CA changed, server chain untrusted while the bundle lags); without an integration rotate needs a person', async () => {
    // trust-manager has published the new CA, the broker still serves the old server certificate.
    await rotateAioCa(sb, { commonName: 'Azure IoT Operations Quickstart Root CA 2', keepServer: true });
    const r = await check({ rotate: true });
    expect(r.summary.ok).toBe(false);
    expect(r.findings.map((f) => [f.severity, f.kind])).toEqual([
      ['failure', 'aio-ca-changed'],
      ['failure', 'server-chain-untrusted'],
    ]);
    expect(r.row.details).toContain(
      'needs a person: the AIO CA changed, and no Litmus Edge integration is configured to propagate it to: paste the new AIO CA into the integration by hand, then run the certs stage to record it',
    );
    // Reopened: still one issue.
    expect(issues()).toHaveLength(1);
    expect(issues()[0]!.state).toBe('open');
    expect(r.row.details?.at(-1)).toMatch(/^GitHub issue #1 reopened/);
  });

  test('with a Litmus Edge integration (a port), rotate propagates the new AIO CA, and all is well', async () => {
    // The broker now serves a certificate from the new CA: the integration, still on the old CA, is stale.
    const next = (await rotateAioCa(sb, { commonName: 'Azure IoT Operations Quickstart Root CA 3' })).ca;
    const litmus = fakeIntegration({
      clientChainPem: sb.secretData()!['tls.crt']!,
      brokerCaPem: aio.ca.cert,
    });
    const before = await check({}, { litmus: async () => litmus });
    expect(before.findings.map((f) => f.kind).sort()).toEqual(['aio-ca-changed', 'integration-ca-stale']);
    const r = await check({ rotate: true }, { litmus: async () => litmus });
    expect(r.summary.ok, JSON.stringify(r.row)).toBe(true);
    expect(r.findings).toEqual([]);
    const trusted = parsePemBundle(litmus.state.brokerCaPem).map((b) =>
      'cert' in b ? b.cert.fingerprint256 : '',
    );
    // The broker already serves a certificate from the new CA: the old one is not kept beside it.
    expect(trusted).toEqual([fingerprint(next.cert)]);
    // rotate proved it with smoke, as Litmus Edge connects: the client chain, only the (new) AIO CA trusted.
    expect(r.row.details?.some((d) => /^smoke after rotate passed: /.test(d))).toBe(true);
    expect(r.row.details?.at(-1)).toMatch(/^GitHub issue #1 closed/);
  });

  test('a fleet file: fleet-matrix, and the CLI way of checking every cluster (one healthy, one failing)', async () => {
    const fleet = join(sb.dir, 'fleet.yml');
    writeFileSync(
      fleet,
      [
        'clusters:',
        '  - name: plant7',
        '    access:',
        `      kubeconfig-file: ${sb.kubeconfig}`,
        '  - name: plant8',
        '    access:',
        `      kubeconfig-file: ${sb.kubeconfig}`,
        '    inputs:',
        '      namespace: litmus-edge-plant8',
        '',
      ].join('\n'),
    );
    const fan = await check({ fleet }, { fanOut: true });
    expect(fan.summary.results.map((x) => x.stage)).toEqual(['fleet']);
    expect(JSON.parse(fan.outputs['fleet-matrix']!)).toEqual({
      include: [{ cluster: 'plant7' }, { cluster: 'plant8' }],
    });

    const all = await check({ fleet, 'github-issue': false });
    expect(all.summary.results.map((x) => [x.stage, x.status])).toEqual([
      ['plant7', 'passed'],
      ['plant8', 'failed'],
      ['fleet', 'failed'],
    ]);
    expect(all.findings.filter((f) => f.cluster === 'plant8').map((f) => f.kind)).toContain('client-missing');
    expect(new Set(all.certificates.map((c) => c.cluster))).toEqual(new Set(['plant7', 'plant8']));
    expect(JSON.parse(all.outputs['fleet-matrix']!).include).toHaveLength(2);
  });

  test('as the action: outputs, warnings as annotations, the certificate table in the job summary', async () => {
    await putClientLeaf(sb, { days: 20 });
    const core = recordingCore({
      command: 'check-certs',
      'authpolicy-mode': 'kubernetes',
      'github-issue': 'false',
    });
    await runAction(core, { env: env() });
    expect(core.failed).toBeUndefined();
    expect(core.outputs['min-days-left']).toBe('19');
    expect(JSON.parse(core.outputs['findings']!)).toMatchObject([{ severity: 'warning', kind: 'expiring' }]);
    expect(JSON.parse(core.outputs['certificates']!).length).toBeGreaterThanOrEqual(6);
    expect(
      core.lines.some((l) =>
        /^::warning title=litmus-aio check-certs::client certificate 'CN=aiomqttconnector' expires in 19 day/.test(
          l,
        ),
      ),
    ).toBe(true);
    const summary = core.summaries.join('\n');
    expect(summary).toMatch(/\| check-certs \| ✅ passed \|/);
    expect(summary).toMatch(/#### Certificates \(\d+\), fewest days left first/);
  });

  test('as the CLI: a table fewest days left first; exit 1 at fail-days', async () => {
    let out = '';
    const code = await runCli(['check-certs', '--authpolicy-mode', 'kubernetes', '--fail-days', '20'], {
      env: { ...env(), PATH: process.env['PATH'] ?? '' },
      out: { write: (x: string) => ((out += x), true) } as unknown as NodeJS.WriteStream,
      err: { write: () => true } as unknown as NodeJS.WriteStream,
    });
    expect(code).toBe(1);
    const table = out.slice(out.indexOf('DAYS'));
    expect(table.split('\n')[1]).toMatch(/^\s*19\s+CN=aiomqttconnector\s+client-leaf\s/);
    expect(out).toMatch(
      /failure: client certificate 'CN=aiomqttconnector' expires in 19 day\(s\).*\(fail-days 20\)/,
    );
  });
});

describe('check-certs against certificates made to order', () => {
  const kinds = (r: Awaited<ReturnType<typeof check>>) => r.findings.map((f) => `${f.severity}:${f.kind}`);
  const quiet = { 'github-issue': false } as const;

  test('a client certificate expired, not yet valid, or from the wrong chain: each a failure', async () => {
    await putClientLeaf(sb, { expiredDaysAgo: 3 });
    let r = await check(quiet);
    expect(r.summary.ok).toBe(false);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        severity: 'failure',
        kind: 'expired',
        message: expect.stringMatching(
          /^client certificate 'CN=aiomqttconnector' expired on \d{4}-\d\d-\d\d$/,
        ),
      }),
    );
    await putClientLeaf(sb, { validInDays: 2 });
    r = await check(quiet);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        severity: 'failure',
        kind: 'not-yet-valid',
        message: expect.stringMatching(/^client certificate 'CN=aiomqttconnector' is not valid until /),
      }),
    );
    await putClientLeaf(sb, { wrongChain: true });
    r = await check(quiet);
    expect(kinds(r)).toContain('failure:chain-broken');
    expect(r.findings.find((f) => f.kind === 'chain-broken')!.message).toMatch(
      /^the client chain in Secret litmus-edge\/litmusedge-mqtt-client does not verify: /,
    );
    // rotate re-issues it from the real intermediate, and smoke proves the broker accepts it again.
    r = await check({ ...quiet, rotate: true });
    expect(r.summary.ok, JSON.stringify(r.row)).toBe(true);
    expect(r.findings).toEqual([]);
  });

  test("the broker's server certificate: near expiry (renewal overdue, then failing), from a CA the bundle lacks", async () => {
    await issueBrokerServerCert(sb, { days: 5 });
    let r = await check(quiet);
    expect(r.summary.ok).toBe(true);
    // Seen twice: in the live chain (5 days left, under AIO's 10-day renewal), and in cert-manager's Certificate
    // (its renewalTime has passed).
    expect(r.findings.map((f) => [f.kind, f.message])).toEqual([
      [
        'renewal-overdue',
        expect.stringMatching(
          /^broker server certificate 'CN=aio-broker' expires in 4 day\(s\), on .*: AIO renews it 10 days before expiry, so its renewal is overdue$/,
        ),
      ],
      [
        'renewal-overdue',
        expect.stringMatching(
          /^Certificate azure-iot-operations\/aio-broker-frontend-server was due for renewal at \S+ and has not been renewed$/,
        ),
      ],
    ]);
    await issueBrokerServerCert(sb, { days: 2 });
    r = await check(quiet);
    expect(r.summary.ok).toBe(false);
    expect(kinds(r)).toContain('failure:expiring');
    await issueBrokerServerCert(sb, { issuer: await createAioRoot({ commonName: 'Some Other Root CA' }) });
    r = await check(quiet);
    expect(kinds(r)).toContain('failure:server-chain-untrusted');
    await issueBrokerServerCert(sb); // cert-manager renews it from the AIO root again: all is well
    expect((await check(quiet)).findings).toEqual([]);
  });

  test("cert-manager failing to renew: its Certificate's status (Ready False, renewal time passed) is reported", async () => {
    await setBrokerCertificateStatus(sb, {
      ready: false,
      reason: 'Failed',
      message: 'The certificate request has failed to complete and will be retried',
      renewalTime: new Date(Date.now() - 2 * 86_400_000),
    });
    const r = await check(quiet);
    expect(r.summary.ok).toBe(true); // warnings: the certificate itself is still valid
    expect(r.findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        kind: 'cert-manager-not-ready',
        message:
          'Certificate azure-iot-operations/aio-broker-frontend-server is not Ready (Failed: The certificate request has failed to complete and will be retried)',
      }),
      expect.objectContaining({ severity: 'warning', kind: 'renewal-overdue' }),
    ]);
    expect(r.row.details).toContainEqual(
      expect.stringMatching(
        /^cert-manager Certificate azure-iot-operations\/aio-broker-frontend-server: not Ready, not after /,
      ),
    );
  });
});

/** A Litmus Edge integration in memory: what the connector adapter's port reads and writes. */
function fakeIntegration(
  initial: LitmusIntegrationState,
): LitmusIntegration & { state: LitmusIntegrationState } {
  const f = {
    where: "Litmus Edge (fake) integration 'aio-broker'",
    state: { ...initial },
    read: async () => ({ ...f.state }),
    update: async (c: { clientChainPem?: string; clientKeyPem?: string; brokerCaPem?: string }) => {
      if (c.clientChainPem) f.state.clientChainPem = c.clientChainPem;
      if (c.brokerCaPem) f.state.brokerCaPem = c.brokerCaPem;
    },
  };
  return f;
}
