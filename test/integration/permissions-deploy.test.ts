// The shipped least-privilege RBAC (deploy/rbac/) is enough for mirror -> deploy (the real helm 4 against the
// stand-in, whose kubelet pulls the mirrored image from a registry peer and runs it) and for connector (a
// port-forward to the release's Service, reaching the Litmus Edge stand-in); a Role missing one rule is named by
// the preflight before anything changes. One sandbox, registry and Litmus Edge for the file; the tests build on
// each other: the missing-rule cases first, while the release namespace does not exist yet, then deploy, then
// connector through the release deploy installed.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { PreflightError, runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import type { PolicyRule, RequestRecord } from '../support/kube-apiserver/index.js';
import { pushTestImage, type PushedImage } from '../support/kube-apiserver/kubelet/test-images.js';
import { startLitmusEdge, type LitmusEdgeStandIn } from '../support/litmus-edge/index.js';
import { startRegistry, type RegistryPeer } from '../support/peers/registry.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { repoRoot } from '../support/repo-root.js';
import { brokerByClusterDns, startSandbox, type Sandbox } from '../support/sandbox/index.js';
import { shippedRules, withoutVerb } from '../support/shipped-rbac.js';
import { createTestCa, issueLoopbackServerCert } from '../support/test-pki.js';
import { kubeWritesSince } from '../support/kube-writes.js';

const NS = 'litmus-edge';
const USER = 'system:serviceaccount:litmus-edge:litmus-aio';
const LEAST = 'least-privilege-token';
const LE_TOKEN = `le-${randomBytes(18).toString('hex')}`;

/** Roles missing one rule each, and the stages that need it. */
const MISSING = [
  {
    token: 'no-watch-deployments',
    stages: ['mirror', 'deploy'],
    drop: { verb: 'watch', group: 'apps', resource: 'deployments', namespace: NS },
    named: 'watch apps/deployments in litmus-edge',
    rule: 'Role in namespace litmus-edge:\n  - apiGroups: ["apps"]\n    resources: ["deployments"]\n    verbs: ["watch"]',
  },
  {
    token: 'no-leases',
    stages: ['deploy'],
    drop: { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: NS },
    named: 'create coordination.k8s.io/leases in litmus-edge',
    rule: 'Role in namespace litmus-edge:\n  - apiGroups: ["coordination.k8s.io"]\n    resources: ["leases"]\n    verbs: ["create"]',
  },
  {
    token: 'no-portforward-get',
    stages: ['connector'],
    drop: { verb: 'get', group: '', resource: 'pods/portforward', namespace: NS },
    named: 'get pods/portforward in litmus-edge',
    rule: 'Role in namespace litmus-edge:\n  - apiGroups: [""]\n    resources: ["pods/portforward"]\n    verbs: ["get"]',
  },
] as const;

let ca: string;
let registry: RegistryPeer;
let source: PushedImage;
let le: LitmusEdgeStandIn;
let sb: Sandbox;
let defaults: Inputs;

beforeAll(async () => {
  const testCa = await createTestCa('Permissions Test Registry CA');
  ca = testCa.cert;
  registry = await startRegistry({
    serverCert: await issueLoopbackServerCert(testCa),
    username: 'mirror-bot',
    password: 'mirror-bot-secret',
    caPem: ca,
  });
  source = await pushTestImage({
    registry: registry.host,
    ca,
    creds: registry.creds,
    repository: 'vendor/litmusedge',
    tag: 'latest',
    behaviour: 'serve',
  });
  const rules = shippedRules();
  const rbac: Record<string, { user: string; rules: PolicyRule[] }> = { [LEAST]: { user: USER, rules } };
  for (const m of MISSING) rbac[m.token] = { user: `${USER}-${m.token}`, rules: withoutVerb(rules, m.drop) };
  sb = await startSandbox({ runtime: 'kubelet', kubelet: { registryCa: ca, timeScale: 0.1 }, rbac });
  le = await startLitmusEdge({
    version: '3.17.0', // what mirror tags and deploy runs
    tokens: [LE_TOKEN],
    resolve: brokerByClusterDns(() => sb.broker),
  });
  defaults = await resolveInputs([]);
}, 60_000);

afterAll(async () => {
  await le?.stop();
  await sb?.stop();
  await registry?.stop();
});

function run(token: string, stages: Inputs['stages'], over: Partial<Inputs> = {}) {
  const reporter = recordingReporter();
  return runCommand(
    {
      ...defaults,
      stages,
      stagesExplicit: true,
      // mirror (oci) copies the source image into the registry as 3.17.0; deploy installs it with the shipped chart.
      'mirror-mode': 'oci',
      registry: registry.host,
      'registry-ca': ca,
      'registry-username': 'mirror-bot',
      'registry-password': 'mirror-bot-secret',
      'litmus-edge-version': '3.17.0',
      'source-image': source.reference,
      'source-credentials': registry.creds,
      'source-ca': ca,
      'deploy-timeout': 60,
      // certs, authpolicy (cluster CRs) and connector, as the permissions test runs them.
      'authpolicy-mode': 'kubernetes',
      'topic-prefix': 'litmus',
      'litmus-edge-token': LE_TOKEN,
      'connector-topics': ['devicehub.alias.press1.*'],
      ...over,
    },
    {
      reporter,
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: {
        KUBECONFIG: sb.kube.writeKubeconfig(sb.dir, token, { fileName: `kc-${token}` }),
        HOME: sb.dir,
        PATH: `${join(repoRoot(), '.tools', 'bin')}:${process.env.PATH ?? ''}`,
      },
    },
  ).then((summary) => ({ summary, reporter }));
}

const statuses = (s: { results: Array<{ stage: string; status: string }> }) =>
  s.results.map((r) => `${r.stage}:${r.status}`);
/**
 * Requests the API server refused since `mark`. Not counted: helm's look-up of a CustomResourceDefinition for a kind
 * whose group/version the stand-in's /openapi/v3 does not describe (it describes only the AIO CRDs). A real API
 * server describes apps/v1 and v1 there, so helm never asks; and helm ignores the answer anyway (kubectl's
 * queryParamVerifierV3: `found, _ := v.finder.HasCRD(...)`).
 */
const refusedSince = (mark: number): RequestRecord[] =>
  sb.kube.requests.slice(mark).filter((r) => r.status === 403 && r.resource !== 'customresourcedefinitions');
const releasePods = () =>
  sb.kube.store
    .list('pods', NS)
    .filter((p) => p.metadata.labels?.['app.kubernetes.io/instance'] === 'litmusedge')
    .filter((p) => (p.status as { phase?: string } | undefined)?.phase !== 'Failed');

describe('a Role missing one rule', () => {
  test.each(MISSING)(
    '$named: the preflight names it, with the rule to grant, before anything changes',
    async (m) => {
      const mark = sb.kube.requests.length;
      const err = (await run(m.token, [...m.stages]).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(PreflightError);
      expect(err.message).toMatch(
        new RegExp(`^The cluster identity lacks 1 permission\\(s\\) that stages ${m.stages.at(-1)} need: `),
      );
      expect(err.message).toContain(`need: ${m.named}. Fix: grant these rules`);
      expect(err.message).toContain(m.rule);
      expect(err.message).toMatch(/\nNothing was changed\.$/);
      expect(kubeWritesSince(sb.kube.requests, mark)).toEqual([]);
      expect(sb.kube.store.get('namespaces', undefined, NS)).toBeUndefined();
    },
  );
});

describe('the shipped Role is enough', () => {
  test('mirror -> deploy: the mirrored image installed with the real helm 4 (--wait=watcher), no request refused; a second run changes nothing', async () => {
    const mark = sb.kube.requests.length;
    const { summary } = await run(LEAST, ['mirror', 'deploy']);
    expect(statuses(summary), JSON.stringify(summary.results)).toEqual(['mirror:changed', 'deploy:changed']);
    const image = `${registry.host}/litmusedge/litmusedge-std-docker:3.17.0@${source.digest}`;
    expect(summary.results[1]!.outputs?.['deployed-image']).toBe(image);
    const [pod] = releasePods();
    expect(
      (pod!.status as { conditions: Array<{ type: string; status: string }> }).conditions,
    ).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    // helm and this tool both ran as the restricted identity, and the API server refused none of their requests.
    expect(refusedSince(mark)).toEqual([]);
    const helmAsked = sb.kube.requests.slice(mark).filter((r) => r.userAgent?.startsWith('Helm/'));
    expect(new Set(helmAsked.map((r) => r.user))).toEqual(new Set([USER]));
    expect(helmAsked.map((r) => r.verb)).toEqual(
      expect.arrayContaining(['patch', 'watch', 'list', 'create']),
    );

    const again = await run(LEAST, ['mirror', 'deploy']);
    expect(statuses(again.summary)).toEqual(['mirror:unchanged', 'deploy:unchanged']);
  });

  test('certs, authpolicy, connector: the integration created through a port-forward to the release Service', async () => {
    // The release's pod runs the test image; its HTTPS port is pointed at the Litmus Edge API stand-in instead.
    const [pod] = releasePods();
    sb.kube.portForwardTargets.set(`${NS}/${pod!.metadata.name}:443`, `127.0.0.1:${le.port}`);
    const mark = sb.kube.requests.length;
    const { summary } = await run(LEAST, ['certs', 'authpolicy', 'connector']);
    expect(statuses(summary), JSON.stringify(summary.results)).toEqual([
      'certs:changed',
      'authpolicy:changed',
      'connector:changed',
    ]);
    const instance = le.instances().find((i) => i.config.name === 'aio-broker');
    expect(instance?.enabled).toBe(true);
    expect(refusedSince(mark)).toEqual([]);
    const tunnels = sb.kube.requests
      .slice(mark)
      .filter((r) => r.subresource === 'portforward' && r.namespace === NS);
    expect(tunnels.length).toBeGreaterThan(0);
    expect(tunnels.every((r) => r.user === USER && r.name === pod!.metadata.name)).toBe(true);
    expect(sb.kube.store.get('secrets', NS, 'litmusedge-mqtt-client-connector')).toBeDefined();

    await sb.broker.settled();
    const again = await run(LEAST, ['certs', 'authpolicy', 'connector']);
    expect(statuses(again.summary)).toEqual([
      'certs:unchanged',
      'authpolicy:unchanged',
      'connector:unchanged',
    ]);
  });
});
