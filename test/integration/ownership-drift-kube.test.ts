// Ownership and drift in Kubernetes mode against the sandbox: an input change updates what this tool applied
// without force; an edit by another client (the real kubectl) is drift — reported by plan, refused by run before
// any stage writes, overwritten by force, which says what it overwrote; a run killed between its writes and its
// records is picked up by the next run without force and without false drift.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BrokerStore } from '../../src/aio/broker-model.js';
import { kubeBrokerStore } from '../../src/aio/kube-broker-store.js';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { OWNERSHIP_CONFIGMAP } from '../../src/ownership/ownership-store.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { createAuthpolicyStage } from '../../src/stages/authpolicy/authpolicy-stage.js';
import { STAGE_REGISTRY, type StageRegistry } from '../../src/stages/registry.js';
import { clusterTools, type ClusterTools } from '../support/cluster-tools.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';
import { ok } from '../support/until.js';
import { kubeWritesSince } from '../support/kube-writes.js';

const NS = 'azure-iot-operations';
let sb: Sandbox;
let tools: ClusterTools;
let defaults: Inputs;
beforeAll(async () => {
  sb = await startSandbox();
  tools = await clusterTools('ownership-drift');
  tools.use(sb.kube);
  defaults = await resolveInputs([]);
});
afterAll(async () => {
  await tools?.remove();
  await sb?.stop();
});

async function run(over: Partial<Inputs> = {}, command: 'run' | 'plan' = 'run', registry?: StageRegistry) {
  const mark = sb.kube.requests.length;
  const summary = await runCommand(
    {
      ...defaults,
      stages: ['certs', 'authpolicy'],
      stagesExplicit: true,
      'authpolicy-mode': 'kubernetes',
      command,
      ...over,
    },
    {
      reporter: recordingReporter(),
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { KUBECONFIG: sb.kubeconfig, HOME: sb.dir },
      ...(registry ? { registry } : {}),
    },
  );
  await sb.broker.settled();
  const writes = kubeWritesSince(sb.kube.requests, mark);
  const by = Object.fromEntries(summary.results.map((r) => [r.stage, r]));
  return { summary, certs: by['certs']!, authpolicy: by['authpolicy']!, writes };
}

const records = () =>
  (sb.kube.store.get('configmaps', NS, OWNERSHIP_CONFIGMAP) as { data?: Record<string, string> } | undefined)
    ?.data ?? {};
const leaf = () =>
  (sb.kube.store.get('secrets', 'litmus-edge', 'litmusedge-mqtt-client') as { data: Record<string, string> })
    .data['tls.crt'];

/** The broker store, failing as a killed run would at one point of its writes. */
function crashing(store: BrokerStore, at: 'first-put' | 'read-back'): BrokerStore {
  let puts = 0;
  return {
    where: store.where,
    list: (k) => store.list(k),
    async get(kind, name) {
      if (at === 'read-back' && puts > 0) throw new Error('killed before the records were written');
      return store.get(kind, name);
    },
    async put(kind, name, spec, previous) {
      if (at === 'first-put') throw new Error('killed before the first write');
      puts++;
      return store.put(kind, name, spec, previous);
    },
  };
}
const crashRegistry = (at: 'first-put' | 'read-back'): StageRegistry => ({
  ...STAGE_REGISTRY,
  authpolicy: async (deps) =>
    createAuthpolicyStage({
      ...deps,
      brokerStore: async () => crashing(kubeBrokerStore(await deps.kube(), NS), at),
    }),
});

describe('ownership and drift (Kubernetes mode)', () => {
  test('the first run creates the policy and records what it applied', async () => {
    const r = await run();
    expect([r.certs.status, r.authpolicy.status]).toEqual(['changed', 'changed']);
    expect(Object.keys(records()).sort()).toEqual([
      'authpolicy.authentication.litmusedge',
      'authpolicy.listener.default.port.18884',
    ]);
    const entry = JSON.parse(records()['authpolicy.authentication.litmusedge']!) as Record<string, unknown>;
    expect(entry).toMatchObject({
      owner: { stage: 'authpolicy', where: `Kubernetes CRs in namespace ${NS}` },
    });
    expect(entry['pending']).toBeUndefined();
  });

  test.each([
    {
      input: 'client-subject',
      over: { 'client-subject': 'CN=newname' },
      change:
        /^update BrokerAuthentication 'litmusedge' in .*connector\.subject: "CN = aiomqttconnector" -> "CN = newname"/,
    },
    {
      input: 'topic-prefix',
      over: { 'client-subject': 'CN=newname', 'topic-prefix': 'plant7/litmus' },
      change: /^create BrokerAuthorization 'litmusedge'/,
    },
  ])('changing $input updates what this tool applied, without force', async ({ over, change }) => {
    const p = await run(over, 'plan');
    expect(p.summary.drift).toBe(false);
    expect(p.authpolicy.changes[0]).toMatch(change);
    const r = await run(over);
    expect(r.summary.ok).toBe(true);
    expect(r.authpolicy.status).toBe('changed');
    expect(r.authpolicy.drift).toBeUndefined();
    expect((await run(over)).writes).toEqual([]);
  });

  test('an edit by another client (kubectl) is drift: plan reports it, run refuses before any stage writes', async () => {
    const over = { 'client-subject': 'CN=newname', 'topic-prefix': 'plant7/litmus' };
    const patch = {
      spec: {
        authenticationMethods: [
          {
            method: 'X509',
            x509Settings: {
              trustedClientCaCert: 'litmusedge-ca',
              authorizationAttributes: {
                connector: { subject: 'CN = newname', attributes: { group: 'portal_group' } },
              },
            },
          },
        ],
      },
    };
    ok(
      await tools.kubectl([
        '-n',
        NS,
        'patch',
        'brokerauthentication',
        'litmusedge',
        '--type=merge',
        '-p',
        JSON.stringify(patch),
      ]),
    );

    const p = await run(over, 'plan');
    expect(p.writes).toEqual([]);
    expect(p.summary.drift).toBe(true);
    expect(p.authpolicy.drift).toEqual([
      expect.stringMatching(
        /^drift: BrokerAuthentication 'litmusedge' was changed outside litmus-aio after it applied it at \S+: .*connector\.attributes\.group: "connector_group" -> "portal_group"; .*intermediate: \{.*\} -> \(absent\)$/,
      ),
    ]);
    expect(p.authpolicy.changes).toEqual([
      expect.stringMatching(/^BrokerAuthentication 'litmusedge' would be restored with force: true/),
    ]);

    // certs alone would re-issue the leaf (the subject goes back): the drift in authpolicy stops both.
    const before = leaf();
    const r = await run({ 'topic-prefix': 'plant7/litmus' });
    expect(r.summary.ok).toBe(false);
    expect(r.authpolicy.error?.message).toMatch(
      /authpolicy: nothing was changed: drift: BrokerAuthentication 'litmusedge' was changed outside litmus-aio .*; set force: true to overwrite it, or revert that change/,
    );
    expect(r.certs).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining("preflight of 'authpolicy' refused"),
    });
    expect(r.writes).toEqual([]);
    expect(leaf()).toBe(before);
  });

  test('force overwrites the drift and says what it overwrote; the next run is quiet', async () => {
    const over = { 'client-subject': 'CN=newname', 'topic-prefix': 'plant7/litmus' };
    const r = await run({ ...over, force: true });
    expect(r.summary.ok).toBe(true);
    expect(r.authpolicy.changes).toEqual([
      expect.stringMatching(
        /^overwrite BrokerAuthentication 'litmusedge', undoing the change made outside litmus-aio \(.*"portal_group".*\): /,
      ),
    ]);
    expect(r.authpolicy.drift).toHaveLength(1);
    const again = await run(over);
    expect([again.authpolicy.status, again.writes, again.summary.drift]).toEqual(['unchanged', [], false]);
  });

  test.each([
    { at: 'first-put' as const, expected: /^update BrokerAuthentication/ },
    {
      at: 'read-back' as const,
      expected:
        /^record BrokerAuthentication 'litmusedge' \(a previous run wrote it and stopped before recording it\)/,
    },
  ])(
    'a run killed at $at is recovered by the next run, without force or false drift',
    async ({ at, expected }) => {
      const over = {
        'client-subject': at === 'first-put' ? 'CN=killed-early' : 'CN=killed-late',
        'topic-prefix': 'plant7/litmus',
      };
      const killed = await run(over, 'run', crashRegistry(at));
      expect(killed.authpolicy.status).toBe('failed');
      const next = await run(over);
      expect(next.summary.ok).toBe(true);
      expect(next.summary.drift).toBe(false);
      expect(next.authpolicy.changes[0]).toMatch(expected);
      expect((await run(over)).writes).toEqual([]);
    },
  );
});
