// authpolicy in ARM mode (the production default), signed in with GitHub OIDC through the real
// @actions/core + @azure/identity + Azure SDK against the sandbox's OIDC, Entra ID and ARM stand-ins. Every
// request body is validated by the ARM stand-in against the official Microsoft.IoTOperations spec (oav).
import * as core from '@actions/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { PreflightError, runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { probeTls } from '../support/peers/tls-probe.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { startAzureSandbox, SANDBOX_SUBJECT, type AzureSandbox } from '../support/sandbox/azure.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';

let sb: Sandbox;
let az: AzureSandbox;
let defaults: Inputs;
const masked: string[] = [];

beforeAll(async () => {
  sb = await startSandbox();
  az = await startAzureSandbox(sb.kube);
  defaults = await resolveInputs([]);
  // The runner gives the job these when the workflow has `permissions: id-token: write`.
  Object.assign(process.env, az.runnerEnv);
});
afterAll(async () => {
  await az.stop();
  await sb.stop();
});

const armInputs = (): Partial<Inputs> => ({
  'azure-client-id': az.clientId,
  'azure-tenant-id': az.tenantId,
  'azure-subscription-id': az.subscriptionId,
  'resource-group': az.resourceGroup,
  'aio-instance': az.instance,
});

async function run(over: Partial<Inputs> = {}, env: NodeJS.ProcessEnv = process.env) {
  const armMark = az.arm.requests.length;
  const reporter = recordingReporter();
  const summary = await runCommand(
    { ...defaults, ...armInputs(), stages: ['certs', 'authpolicy'], stagesExplicit: true, ...over },
    {
      reporter,
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { ...env, KUBECONFIG: sb.kubeconfig, HOME: sb.dir },
      mask: (s) => masked.push(s),
      getIdToken: (aud) => core.getIDToken(aud),
      azureEnvironment: az.environment,
    },
  );
  await sb.broker.settled();
  const arm = az.arm.requests.slice(armMark);
  const by = Object.fromEntries(summary.results.map((r) => [r.stage, r]));
  return { summary, authpolicy: by['authpolicy']!, arm, reporter };
}
const armWrites = (records: AzureSandbox['arm']['requests']) =>
  records
    .filter((r) => r.method === 'PUT' || r.method === 'DELETE')
    .map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`);

describe('authpolicy through Azure Resource Manager', () => {
  test('run: PUTs the authentication and the listener (GET, add the port, PUT), with LRO polling; the other ports are unchanged', async () => {
    const before = az.arm.store.get(az.arm.seed.listenerId) as unknown as {
      properties: { ports: Array<Record<string, unknown>> };
    };
    const original = structuredClone(before.properties.ports[0]!);
    const r = await run();
    expect(r.summary.ok).toBe(true);
    expect(r.summary.notes).toContain(
      `Azure: signed in with GitHub OIDC federated identity ${az.clientId} (tenant ${az.tenantId}).`,
    );
    expect(armWrites(r.arm)).toEqual(['PUT authentications/litmusedge', 'PUT listeners/default']);
    // Long-running operations: the SDK polled the operation status before each PUT completed.
    expect(r.arm.filter((x) => x.kind === 'operationStatus').length).toBeGreaterThanOrEqual(2);
    // The stand-in validated every body against the spec and found nothing wrong with its own answers.
    expect(r.arm.filter((x) => x.status === 400)).toEqual([]);
    expect(az.arm.responseIssues).toEqual([]);
    const after = az.arm.store.get(az.arm.seed.listenerId) as unknown as {
      properties: { ports: Array<Record<string, unknown>> };
    };
    expect(after.properties.ports).toHaveLength(2);
    for (const [k, v] of Object.entries(original)) expect(after.properties.ports[0]![k]).toEqual(v);
    expect(after.properties.ports[1]).toMatchObject({
      port: 18884,
      authenticationRef: 'litmusedge',
      protocol: 'Mqtt',
    });
  });

  test('cloud-to-edge sync reached the cluster: the broker accepts the Litmus Edge client', async () => {
    const s = sb.kube.store.get('secrets', 'litmus-edge', 'litmusedge-mqtt-client') as unknown as {
      data: Record<string, string>;
    };
    const d = (k: string) => Buffer.from(s.data[k]!, 'base64').toString();
    const verdict = await probeTls({
      host: sb.broker.host,
      port: sb.broker.port,
      ca: sb.aioCa.cert,
      servername: 'aio-broker',
      cert: d('tls.crt'),
      key: d('tls.key'),
    });
    expect(verdict).toMatchObject({ refused: false });
  });

  test('a second run is unchanged and sends no write to ARM', async () => {
    const r = await run();
    expect(r.authpolicy.status).toBe('unchanged');
    expect(armWrites(r.arm)).toEqual([]);
  });

  test('plan shows the ARM diff and writes nothing', async () => {
    const r = await run({ 'broker-port': 18885, command: 'plan' });
    expect(r.authpolicy.changes.join('\n')).toContain("add port 18885 on BrokerListener 'default'");
    expect(armWrites(r.arm)).toEqual([]);
  });

  test('every ID and access token was masked, and none appears in any report or log line', async () => {
    const r = await run();
    const issued = az.oidc.issued;
    expect(issued.length).toBeGreaterThan(0);
    for (const t of issued) expect(masked).toContain(t);
    const everything = JSON.stringify([r.summary, r.reporter.logs, r.reporter.events]);
    for (const t of [...issued, ...az.entra.issued]) expect(everything).not.toContain(t);
  });
});

describe('Azure sign-in errors stop the run before any change', () => {
  test('no id-token permission: says exactly what to add to the workflow', async () => {
    const env = { ...process.env };
    delete env['ACTIONS_ID_TOKEN_REQUEST_URL'];
    const err = (await run({}, env).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(PreflightError);
    expect(err.message).toContain(
      'cannot request a GitHub ID token (ACTIONS_ID_TOKEN_REQUEST_URL is not set)',
    );
    expect(err.message).toContain('permissions:\n    id-token: write');
    expect(err.message).toContain('Nothing was changed.');
  });

  test('AADSTS700213: logs the token claims (never the token) and the subject to register', async () => {
    az.oidc.configure({ subject: 'repo:octo/litmus-edge-site:environment:prod' });
    try {
      const mark = az.arm.requests.length;
      const err = (await run().catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(PreflightError);
      expect(err.message).toMatch(
        /^Azure sign-in failed \(AADSTS700213: no federated credential matches\): the GitHub ID token had iss '.+', sub 'repo:octo\/litmus-edge-site:environment:prod', aud 'api:\/\/AzureADTokenExchange'\. Fix: on app 0c8a3f52-6d1e-4b7a-9c2d-5e4f3a2b1c0d add a federated credential with issuer '.+' and subject 'repo:octo\/litmus-edge-site:environment:prod'/,
      );
      for (const t of az.oidc.issued) expect(err.message).not.toContain(t);
      expect(armWrites(az.arm.requests.slice(mark))).toEqual([]);
    } finally {
      az.oidc.configure({ subject: SANDBOX_SUBJECT });
    }
  });

  test('AADSTS700024 (the runner clock is off, so the assertion is outside its time range): says to check the clock', async () => {
    az.oidc.configure({ clockSkewSeconds: -3600 });
    try {
      const err = (await run().catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(
        /^Azure sign-in failed \(AADSTS700024: the client assertion is not within its valid time range\): .*Fix: check the runner's clock/,
      );
      for (const t of az.oidc.issued) expect(err.message).not.toContain(t);
    } finally {
      az.oidc.configure({ clockSkewSeconds: 0 });
    }
  });

  test('azure-credential environment with a wrong client secret: AADSTS7000215 explained, the secret never shown', async () => {
    const secret = 'right-secret-value~0123456789';
    az.entra.addApplication(az.tenantId, {
      clientId: '9f8e7d6c-5b4a-4321-8765-0fedcba98765',
      secrets: [secret],
    });
    const saved = { ...process.env };
    Object.assign(process.env, {
      AZURE_TENANT_ID: az.tenantId,
      AZURE_CLIENT_ID: '9f8e7d6c-5b4a-4321-8765-0fedcba98765',
      AZURE_CLIENT_SECRET: 'the-secret-id-not-its-value',
    });
    try {
      const err = (await run({ 'azure-credential': 'environment' }).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(
        /^Azure sign-in failed \(AADSTS7000215: invalid client secret\)\. Fix: use the secret's value/,
      );
      expect(err.message).not.toContain('the-secret-id-not-its-value');
      process.env['AZURE_CLIENT_SECRET'] = secret;
      const ok = await run({ 'azure-credential': 'environment' });
      expect(ok.summary.notes).toContain(
        'Azure: signed in with environment credential 9f8e7d6c-5b4a-4321-8765-0fedcba98765.',
      );
    } finally {
      process.env = saved;
    }
  });

  test('missing azure-client-id names the inputs to set', async () => {
    const err = (await run({ 'azure-client-id': undefined }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(
      /^azure-credential is github-oidc but azure-client-id is not set\. Fix: set them/,
    );
  });
});
