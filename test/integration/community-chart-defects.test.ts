// The two defects of the community Litmus Edge Helm chart, reproduced by our own chart
// (test/fixtures/charts/community-defects) and shown with the real helm and kubectl against the stand-in:
//   1. the Service's `targetPort: https` names no container port (443 is named `http`): no endpoints, and
//      `kubectl port-forward svc/...` refuses;
//   2. RollingUpdate + a ReadWriteOnce claim: an upgrade whose new pod lands on the other node waits forever on a
//      Multi-Attach error, so the rollout (and `helm upgrade --wait`) never completes.
// The default simulated runtime is enough: both defects are in scheduling, attachment and Service endpoints.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startKubeApiServer, type KubeObject, type KubeSandbox } from '../support/kube-apiserver/index.js';
import { repoRoot } from '../support/repo-root.js';
import { ok, until } from '../support/until.js';
import { clusterTools, type ClusterTools } from '../support/cluster-tools.js';

const CHART = join(repoRoot(), 'test', 'fixtures', 'charts', 'community-defects');
const NS = 'litmusedge';

let kube: KubeSandbox;
let tools: ClusterTools;

beforeAll(async () => {
  tools = await clusterTools('community-defects-test');
  kube = await startKubeApiServer({ seed: false });
  tools.use(kube);
  // Revision 1 on node-a, so that the upgrade below can move the pod to node-b.
  const r = await h([
    'install',
    'edge',
    CHART,
    '-n',
    NS,
    '--create-namespace',
    '--set',
    'nodeSelector.kubernetes\\.io/hostname=node-a',
    '--wait',
    '--timeout',
    '60s',
  ]);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await kube?.stop();
  await tools?.remove();
});

const k = (args: string[], input?: string) =>
  tools.kubectl(args, { timeoutMs: 30_000, ...(input ? { input } : {}) });
const h = (args: string[]) => tools.helm(args);

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const status = (x: KubeObject | undefined): Obj => (x?.status ?? {}) as Obj;
const ready = (p: KubeObject) =>
  (status(p).conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
const pods = () => kube.store.list('pods', NS).filter((p) => p.metadata.labels?.app === 'edge');

describe('community chart defect 1: Service targetPort https, container port named http', () => {
  test('the pod runs and is Ready, yet the Service has no endpoints', async () => {
    const [pod] = pods();
    expect(ready(pod!)).toBe(true);
    expect((pod!.spec as Obj).nodeName).toBe('node-a');
    // The endpoints controller has had the pod for as long as it has been Ready; the named port never resolves.
    // A control: the same selector with `targetPort: http` gets the pod, so the endpoints controller has seen it.
    ok(
      await k(
        ['apply', '-n', NS, '-f', '-'],
        'apiVersion: v1\nkind: Service\nmetadata: {name: edge-control}\nspec: {selector: {app: edge}, ports: [{name: https, port: 443, targetPort: http}]}\n',
      ),
    );
    const control = await until('the control Service to get the pod', () => {
      const e = kube.store.get('endpoints', NS, 'edge-control') as Obj | undefined;
      return e?.subsets?.[0]?.addresses?.length === 1 ? e : undefined;
    });
    expect(control.subsets[0]).toMatchObject({
      addresses: [{ ip: status(pod).podIP }],
      ports: [{ name: 'https', port: 443, protocol: 'TCP' }],
    });
    // (The stand-in's server-side table has Name/Age only, so the ENDPOINTS column is asked for explicitly.)
    const table = ok(
      await k([
        'get',
        'endpoints',
        '-n',
        NS,
        'edge',
        '-o',
        'custom-columns=NAME:.metadata.name,ENDPOINTS:.subsets[*].addresses[*].ip',
      ]),
    );
    expect(table).toMatch(/^edge\s+<none>$/m);
    const ep = JSON.parse(ok(await k(['get', 'endpoints', '-n', NS, 'edge', '-o', 'json'])));
    expect(ep.subsets).toBeUndefined();
    const slices = JSON.parse(
      ok(await k(['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=edge', '-o', 'json'])),
    ).items as Obj[];
    expect(slices.flatMap((s) => s.endpoints ?? [])).toEqual([]);
    const described = ok(await k(['describe', 'service', '-n', NS, 'edge']));
    expect(described).toMatch(/TargetPort:\s+https\/TCP/);
    expect(described).toMatch(/Endpoints:\s*\n/); // empty
  });

  test('kubectl port-forward svc/edge fails: the pod has no port named https', async () => {
    const [pod] = pods();
    const r = await k(['port-forward', '-n', NS, 'svc/edge', '0:443']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(`error: Pod '${pod!.metadata.name}' does not have a named port 'https'`);
  });
});

describe('community chart defect 2: RollingUpdate with a ReadWriteOnce volume', () => {
  test('an upgrade whose new pod lands on node-b hits a Multi-Attach error and never rolls out', async () => {
    const [old] = pods();
    const claim = kube.store.get('persistentvolumeclaims', NS, 'edge-data')!;
    expect(claim.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], storageClassName: 'standard' });
    const volume = (claim.spec as Obj).volumeName as string;
    const upgrade = await h([
      'upgrade',
      'edge',
      CHART,
      '-n',
      NS,
      '--set',
      'nodeSelector.kubernetes\\.io/hostname=node-b',
      '--set-string',
      'podAnnotations.litmus-aio\\.test/revision=2',
      '--wait',
      '--timeout',
      '10s',
    ]);
    expect(upgrade.code).not.toBe(0);
    expect(upgrade.stderr).toContain(
      `Error: UPGRADE FAILED: resource Deployment/${NS}/edge not ready. status: InProgress, message: Pending termination: 1\ncontext deadline exceeded\n`,
    );
    const stuck = await until('the new pod', () =>
      pods().find((p) => p.metadata.name !== old!.metadata.name),
    );
    expect((stuck.spec as Obj).nodeName).toBe('node-b');
    expect(status(stuck).containerStatuses[0].state.waiting.reason).toBe('ContainerCreating');

    const events = JSON.parse(
      ok(
        await k([
          'get',
          'events',
          '-n',
          NS,
          '--field-selector',
          `involvedObject.name=${stuck.metadata.name}`,
          '-o',
          'json',
        ]),
      ),
    ).items as Obj[];
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'FailedAttachVolume',
        message: `Multi-Attach error for volume "${volume}" Volume is already used by pod(s) ${old!.metadata.name}`,
      }),
    );
    const described = ok(await k(['describe', 'pod', '-n', NS, stuck.metadata.name!]));
    expect(described).toMatch(/Warning\s+FailedAttachVolume\s+.*Multi-Attach error for volume/);

    const rollout = await k(['rollout', 'status', '-n', NS, 'deployment/edge', '--timeout=5s']);
    expect(rollout.code).not.toBe(0);
    expect(rollout.stdout).toContain(
      'Waiting for deployment "edge" rollout to finish: 1 old replicas are pending termination...',
    );
    expect(rollout.stderr).toContain('error: timed out waiting for the condition');
    // The old pod keeps the volume and keeps running (maxUnavailable rounds down to 0 of 1); helm marked 2 failed.
    expect(ready(kube.store.get('pods', NS, old!.metadata.name!)!)).toBe(true);
    const history = JSON.parse(ok(await h(['history', 'edge', '-n', NS, '-o', 'json']))) as Obj[];
    expect(history.map((x) => [x.revision, x.status])).toEqual([
      [1, 'deployed'],
      [2, 'failed'],
    ]);
  });
});
