// Ownership and drift in ARM mode (the production default), where the broker resources carry no labels: the record
// lives in the cluster. An input change updates without force; a PUT by another principal through the real Azure
// SDK (a portal edit) is drift — reported by plan, refused by run with no ARM or cluster write, overwritten by force.
import * as core from '@actions/core';
import { ResourceManagementClient } from '@azure/arm-resources';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { OWNERSHIP_CONFIGMAP } from '../../src/ownership/ownership-store.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { IOTOPS_API_VERSION } from '../support/arm/index.js';
import { resourcesClientOptions, staticCredential } from '../support/arm/client-options.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { startAzureSandbox, type AzureSandbox } from '../support/sandbox/azure.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';
import { kubeWritesSince } from '../support/kube-writes.js';

const PORTAL_USER = '5b7e2c1a-3d4f-4e6a-8b9c-0d1e2f3a4b5c';
let sb: Sandbox;
let az: AzureSandbox;
let defaults: Inputs;
let portal: ResourceManagementClient;

beforeAll(async () => {
  sb = await startSandbox();
  az = await startAzureSandbox(sb.kube);
  defaults = await resolveInputs([]);
  Object.assign(process.env, az.runnerEnv);
  az.entra.addApplication(az.tenantId, { clientId: PORTAL_USER });
  portal = new ResourceManagementClient(
    staticCredential(() => az.entra.mintAccessToken({ tenantId: az.tenantId, clientId: PORTAL_USER })),
    az.subscriptionId,
    resourcesClientOptions(az.arm.url, az.environment.caPem!),
  );
});
afterAll(async () => {
  await az?.stop();
  await sb?.stop();
});

async function run(over: Partial<Inputs> = {}) {
  const armMark = az.arm.requests.length;
  const kubeMark = sb.kube.requests.length;
  const summary = await runCommand(
    {
      ...defaults,
      'azure-client-id': az.clientId,
      'azure-tenant-id': az.tenantId,
      'azure-subscription-id': az.subscriptionId,
      'resource-group': az.resourceGroup,
      'aio-instance': az.instance,
      stages: ['certs', 'authpolicy'],
      stagesExplicit: true,
      ...over,
    },
    {
      reporter: recordingReporter(),
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { ...process.env, KUBECONFIG: sb.kubeconfig, HOME: sb.dir },
      getIdToken: (aud) => core.getIDToken(aud),
      azureEnvironment: az.environment,
    },
  );
  const armWrites = az.arm.requests
    .slice(armMark)
    .filter((r) => r.method === 'PUT' || r.method === 'PATCH' || r.method === 'DELETE')
    .map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`);
  const kubeWrites = kubeWritesSince(sb.kube.requests, kubeMark);
  const by = Object.fromEntries(summary.results.map((r) => [r.stage, r]));
  return { summary, certs: by['certs']!, authpolicy: by['authpolicy']!, armWrites, kubeWrites };
}

const authenticationId = () => `${az.arm.seed.brokerId}/authentications/litmusedge`;

describe('ownership and drift (ARM mode)', () => {
  test('the first run creates the policy in ARM and records it in the cluster', async () => {
    const r = await run();
    expect(r.summary.ok).toBe(true);
    expect(r.armWrites).toEqual(['PUT authentications/litmusedge', 'PUT listeners/default']);
    const cm = sb.kube.store.get('configmaps', 'azure-iot-operations', OWNERSHIP_CONFIGMAP) as {
      data: Record<string, string>;
    };
    const entry = JSON.parse(cm.data['authpolicy.authentication.litmusedge']!) as {
      owner: { where: string };
    };
    expect(entry.owner.where).toMatch(/^Azure Resource Manager \(instance /);
  });

  test('changing client-subject updates the authentication without force; the next run writes nothing', async () => {
    const r = await run({ 'client-subject': 'CN=newname' });
    expect(r.summary.ok).toBe(true);
    expect(r.authpolicy.changes).toEqual([
      expect.stringMatching(
        /^update BrokerAuthentication 'litmusedge' .*connector\.subject: "CN = aiomqttconnector" -> "CN = newname"/,
      ),
    ]);
    expect(r.armWrites).toEqual(['PUT authentications/litmusedge']);
    const again = await run({ 'client-subject': 'CN=newname' });
    expect([again.armWrites, again.kubeWrites, again.authpolicy.status]).toEqual([[], [], 'unchanged']);
  });

  test('a PUT by another principal is drift: plan reports it, run writes nothing anywhere, force overwrites', async () => {
    const live = await portal.resources.getById(authenticationId(), IOTOPS_API_VERSION);
    const props = structuredClone(live.properties) as {
      authenticationMethods: Array<{
        x509Settings: { authorizationAttributes: Record<string, { attributes: Record<string, string> }> };
      }>;
    };
    props.authenticationMethods[0]!.x509Settings.authorizationAttributes['connector']!.attributes['group'] =
      'portal_group';
    await portal.resources.beginCreateOrUpdateByIdAndWait(authenticationId(), IOTOPS_API_VERSION, {
      extendedLocation: live.extendedLocation,
      properties: props,
    });

    const plan = await run({ 'client-subject': 'CN=newname', command: 'plan' });
    expect(plan.summary.drift).toBe(true);
    expect(plan.authpolicy.drift).toEqual([
      expect.stringMatching(
        /^drift: BrokerAuthentication 'litmusedge' was changed outside litmus-aio .*connector\.attributes\.group: "connector_group" -> "portal_group"/,
      ),
    ]);

    const refused = await run({ 'client-subject': 'CN=other' });
    expect(refused.authpolicy.error?.message).toContain(
      'set force: true to overwrite it, or revert that change',
    );
    expect(refused.certs.status).toBe('skipped');
    expect([refused.armWrites, refused.kubeWrites]).toEqual([[], []]);

    const forced = await run({ 'client-subject': 'CN=newname', force: true });
    expect(forced.authpolicy.changes).toEqual([
      expect.stringMatching(
        /^overwrite BrokerAuthentication 'litmusedge', undoing the change made outside litmus-aio \(.*portal_group/,
      ),
    ]);
    expect(forced.armWrites).toEqual(['PUT authentications/litmusedge']);
    const again = await run({ 'client-subject': 'CN=newname' });
    expect([again.armWrites, again.summary.drift]).toEqual([[], false]);
  });
});
