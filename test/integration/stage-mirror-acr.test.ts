// Stage `mirror` in acr mode, end to end through the engine: GitHub OIDC -> Entra -> ARM (request bodies validated
// against the ContainerRegistry spec), importImage by digest copying for real between two registry peers (the ARM
// stand-in's peer import), a pull-only ACR token for the pull Secret. The destination is read back over the registry
// API as ACR's data plane serves it: the job's Entra token exchanged for an ACR refresh token (acrRegistryAuth) at the
// ACR data-plane stand-in, whose registry the import writes to.
import * as core from '@actions/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { acrRegistryAuth } from '../../src/azure/acr-registry-auth.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { basicAuth } from '../../src/registry/auth.js';
import { ociHttpRegistry } from '../../src/registry/oci-http.js';
import { createMirrorStage } from '../../src/stages/mirror/mirror-stage.js';
import { defaultMirrorPorts } from '../../src/stages/mirror/ports.js';
import { mirrorSettings } from '../../src/stages/mirror/settings.js';
import { startAcrDataPlane, type AcrDataPlane } from '../support/acr-data-plane/index.js';
import { peerImportHooks } from '../support/arm/peer-import.js';
import { pushTestImage, type PushedImage } from '../support/kube-apiserver/kubelet/test-images.js';
import { startRegistry, type RegistryPeer } from '../support/peers/registry.js';
import { createSkopeo, type Skopeo } from '../support/peers/skopeo.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { startAzureSandbox, type AzureSandbox } from '../support/sandbox/azure.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';
import { createTestCa, issueLoopbackServerCert, type TestCertificate } from '../support/test-pki.js';

const REPO = 'litmus-sales-enablement/litmusedge/litmusedge-std-docker';
const KEY = JSON.stringify({
  type: 'service_account',
  client_email: 'mirror@litmus-sales-enablement.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n',
});

let sb: Sandbox;
let az: AzureSandbox;
let ca: TestCertificate;
let source: RegistryPeer;
let acr: AcrDataPlane;
let skopeo: Skopeo;
let first: PushedImage;
let defaults: Inputs;

beforeAll(async () => {
  ca = await createTestCa('Mirror ACR test CA');
  sb = await startSandbox();
  [az, source, skopeo] = await Promise.all([
    startAzureSandbox(sb.kube),
    issueLoopbackServerCert(ca).then((serverCert) =>
      startRegistry({ serverCert, username: '_json_key', password: KEY, caPem: ca.cert }),
    ),
    createSkopeo(),
  ]);
  const admin = { username: 'acr-admin', password: 'acr-admin-secret' };
  acr = await startAcrDataPlane({
    ca,
    entraJwks: () => az.entra.jwks(),
    tenantId: az.tenantId,
    adminUser: admin,
  });
  const imports = peerImportHooks({
    // The server-side import writes with the admin user; the stage reads back with the job's identity.
    registries: {
      [az.arm.seed.registryId]: {
        host: acr.loginServer,
        creds: `${admin.username}:${admin.password}`,
        certDir: acr.certDir,
      },
    },
    sources: [source],
    skopeo,
  });
  az.arm.hooks.importImage = imports.importImage;
  az.arm.hooks.targetTagExists = imports.targetTagExists;
  first = await pushTestImage({
    registry: source.host,
    ca: ca.cert,
    creds: source.creds,
    repository: REPO,
    tag: 'latest',
  });
  defaults = await resolveInputs([]);
  Object.assign(process.env, az.runnerEnv);
}, 60_000);
afterAll(async () => {
  await Promise.all([az?.stop(), source?.stop(), acr?.close()]);
  await skopeo?.dispose();
  await sb?.stop();
});

async function mirror(over: Partial<Inputs> = {}) {
  const armMark = az.arm.requests.length;
  const summary = await runCommand(
    {
      ...defaults,
      command: 'run',
      stages: ['mirror'],
      stagesExplicit: true,
      'litmus-edge-version': '3.16.2',
      'source-image': `${source.host}/${REPO}:latest`,
      'source-credentials': KEY,
      registry: az.arm.seed.loginServer,
      'registry-resource-group': az.resourceGroup,
      'azure-client-id': az.clientId,
      'azure-tenant-id': az.tenantId,
      'azure-subscription-id': az.subscriptionId,
      namespace: 'le-acr',
      ...over,
    },
    {
      reporter: recordingReporter(),
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { ...process.env, KUBECONFIG: sb.kubeconfig, HOME: sb.dir },
      getIdToken: (aud) => core.getIDToken(aud),
      azureEnvironment: az.environment,
      registry: {
        mirror: async (d) => {
          const ports = defaultMirrorPorts(d, mirrorSettings(d.inputs));
          const sourceAt = ociHttpRegistry(new URL(`https://${source.host}`), basicAuth('_json_key', KEY), {
            ca: ca.cert,
          });
          const targetAt = ociHttpRegistry(
            new URL(acr.url),
            acrRegistryAuth(await d.azure(), acr.loginServer, { ca: ca.cert }),
            { ca: ca.cert },
          );
          return createMirrorStage(d, {
            ...ports,
            source: async () => sourceAt,
            target: async () => targetAt,
          });
        },
      },
    },
  );
  const arm = az.arm.requests.slice(armMark).map((r) => `${r.method} ${r.path.split('/').slice(-1)[0]}`);
  return { r: summary.results.find((x) => x.stage === 'mirror')!, arm };
}

describe('mirror (acr mode)', () => {
  test('imports by digest server-side, writes the pull Secret with a pull-only token; a second run changes nothing', async () => {
    const { r, arm } = await mirror();
    expect(r.status, r.error?.message).toBe('changed');
    expect(r.changes[0]).toMatch(/ server-side \(ACR importImage, mode NoForce\)$/);
    expect(r.outputs?.['image']).toBe(
      `${az.arm.seed.loginServer}/litmusedge/litmusedge-std-docker:3.16.2@${first.digest}`,
    );
    expect(arm.some((x) => x === 'POST importImage')).toBe(true);
    expect(arm.some((x) => x === 'POST generateCredentials')).toBe(true);
    const secret = sb.kube.store.get('secrets', 'le-acr', 'litmusedge-pull') as { type?: string } | undefined;
    expect(secret?.type).toBe('kubernetes.io/dockerconfigjson');
    expect(az.arm.requests.filter((x) => x.errorCode === 'InvalidRequestContent')).toEqual([]);
    const exchanged = acr.requests.filter((x) => x.path === '/oauth2/exchange');
    expect(exchanged.map((x) => [x.status, x.principal])).toEqual([
      [200, az.entra.objectIdOf(az.tenantId, az.clientId)],
    ]);

    const again = await mirror();
    expect(again.r.status, again.r.error?.message).toBe('unchanged');
    expect(
      again.arm.filter((x) => x.startsWith('POST') || x.startsWith('PUT') || x.startsWith('PATCH')),
    ).toEqual([]);
  });

  test('latest moved: refused before any import; force-retag imports with Force', async () => {
    const second = await pushTestImage({
      registry: source.host,
      ca: ca.cert,
      creds: source.creds,
      repository: REPO,
      tag: 'latest',
      labels: { build: '2' },
    });
    const refused = await mirror();
    expect(refused.r.status).toBe('failed');
    expect(refused.r.error?.message).toContain(
      `already names ${first.digest}, not the source image ${second.digest}`,
    );
    expect(refused.arm.filter((x) => x === 'POST importImage')).toEqual([]);
    const moved = await mirror({ 'force-retag': true });
    expect(moved.r.status, moved.r.error?.message).toBe('changed');
    expect(moved.r.changes[0]).toMatch(/mode Force\)$/);
    expect(moved.r.outputs?.['image-digest']).toBe(second.digest);
  });
});
