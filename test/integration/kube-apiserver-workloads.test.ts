// The stand-in's workload controllers, driven by the real kubectl and helm: rollouts that take time, helm --wait and
// helm test, Recreate, progress deadlines, PVC provisioning and Multi-Attach, Endpoints/EndpointSlices, Events, Jobs
// and the kinds that are only stored (Ingress, HPA, PDB, Lease).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startKubeApiServer, type KubeObject, type KubeSandbox } from '../support/kube-apiserver/index.js';
import { repoRoot } from '../support/repo-root.js';
import { ok, until } from '../support/until.js';
import { clusterTools, type ClusterTools } from '../support/cluster-tools.js';

const CHART = join(repoRoot(), 'test', 'fixtures', 'charts', 'workload');

let sb: KubeSandbox;
let tools: ClusterTools;

beforeAll(async () => {
  tools = await clusterTools('kube-workloads-test');
  sb = await startKubeApiServer({ seed: false });
  tools.use(sb);
});

afterAll(async () => {
  await sb?.stop();
  await tools?.remove();
});

const k = (args: string[], input?: string) => tools.kubectl(args, input === undefined ? {} : { input });
const h = (args: string[]) => tools.helm(args);

async function namespace(name: string): Promise<string> {
  ok(await k(['create', 'namespace', name]));
  return name;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const status = (x: KubeObject | undefined): Obj => (x?.status ?? {}) as Obj;
const ready = (p: KubeObject) =>
  (status(p).conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
const live = (p: KubeObject) => !['Succeeded', 'Failed'].includes(status(p).phase);
const podsOf = (ns: string, app: string) =>
  sb.store.list('pods', ns).filter((p) => p.metadata.labels?.app === app && live(p));

function deployment(
  name: string,
  opts: {
    replicas?: number;
    strategy?: string;
    env?: string;
    minReadySeconds?: number;
    progressDeadlineSeconds?: number;
    claim?: string;
    node?: string;
  } = {},
) {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${opts.replicas ?? 1}
  ${opts.strategy ? `strategy: {type: ${opts.strategy}}` : ''}
  ${opts.minReadySeconds ? `minReadySeconds: ${opts.minReadySeconds}` : ''}
  ${opts.progressDeadlineSeconds ? `progressDeadlineSeconds: ${opts.progressDeadlineSeconds}` : ''}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      ${opts.node ? `nodeSelector: {kubernetes.io/hostname: ${opts.node}}` : ''}
      containers:
        - name: web
          image: nginx:1.27
          env: [{name: REV, value: "${opts.env ?? 'one'}"}]
          ports: [{name: http, containerPort: 80}]
          ${opts.claim ? 'volumeMounts: [{name: data, mountPath: /data}]' : ''}
      ${opts.claim ? `volumes: [{name: data, persistentVolumeClaim: {claimName: ${opts.claim}}}]` : ''}
`;
}

describe('helm', () => {
  test('install --wait returns only after the rollout completed; the release is not deployed before', async () => {
    const ns = await namespace('helm-wait');
    const seen: { at: number; what: string }[] = [];
    const off = sb.store.onChange((e) => {
      const o = e.object;
      if (o.metadata.namespace !== ns) return;
      if (e.resource.resource === 'secrets' && o.metadata.labels?.owner === 'helm') {
        seen.push({ at: Date.now(), what: `release:${o.metadata.labels.status}` });
      }
      if (e.resource.resource === 'pods' && ready(o)) seen.push({ at: Date.now(), what: 'pod-ready' });
    });
    const r = await h(['install', 'web', CHART, '-n', ns, '--wait', '--timeout', '60s']);
    off();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('STATUS: deployed');
    const order = seen.map((s) => s.what);
    expect(order[0]).toBe('release:pending-install');
    const firstReady = order.indexOf('pod-ready');
    const deployed = order.indexOf('release:deployed');
    expect(firstReady).toBeGreaterThan(0);
    expect(deployed).toBeGreaterThan(firstReady);
    const d = sb.store.get('apps/v1/deployments', ns, 'web')!;
    expect(status(d)).toMatchObject({
      observedGeneration: 1,
      replicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    });
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
  });

  test('helm test runs its hook Pod to completion', async () => {
    const r = await h(['test', 'web', '-n', 'helm-wait', '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/TEST SUITE:\s+web-test/);
    expect(r.stdout).toMatch(/Phase:\s+Succeeded/);
    const pod = sb.store.get('pods', 'helm-wait', 'web-test')!;
    expect(status(pod).phase).toBe('Succeeded');
    expect(pod.spec).toMatchObject({ nodeName: expect.stringMatching(/^node-[ab]$/) });
  });

  test('upgrade --wait rolls the Deployment to a new ReplicaSet and revision 2', async () => {
    const r = await h([
      'upgrade',
      'web',
      CHART,
      '-n',
      'helm-wait',
      '--wait',
      '--timeout',
      '60s',
      '--set',
      'message=hi',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rs = sb.store.list('apps/v1/replicasets', 'helm-wait');
    expect(
      rs
        .map((x) => [x.metadata.annotations?.['deployment.kubernetes.io/revision'], (x.spec as Obj).replicas])
        .sort(),
    ).toEqual([
      ['1', 0],
      ['2', 1],
    ]);
    expect(podsOf('helm-wait', 'web')).toHaveLength(1);
    expect(podsOf('helm-wait', 'web')[0]!.metadata.labels?.['pod-template-hash']).toBe(
      rs.find((x) => (x.spec as Obj).replicas === 1)!.metadata.labels?.['pod-template-hash'],
    );
  });
});

describe('Deployments over time', () => {
  test('kubectl rollout status follows a RollingUpdate of 3 replicas within maxSurge/maxUnavailable', async () => {
    const ns = await namespace('rolling');
    const file = join(tools.work, 'rolling.yaml');
    await writeFile(file, deployment('web', { replicas: 3, minReadySeconds: 1 }));
    ok(await k(['apply', '-n', ns, '-f', file]));
    ok(await k(['rollout', 'status', '-n', ns, 'deployment/web', '--timeout=60s']));

    let maxPods = 0;
    let minAvailable = Infinity;
    const off = sb.store.onChange((e) => {
      if (e.object.metadata.namespace !== ns || e.resource.resource !== 'deployments') return;
      const s = status(e.object);
      maxPods = Math.max(maxPods, podsOf(ns, 'web').length);
      if (s.observedGeneration === 2) minAvailable = Math.min(minAvailable, s.availableReplicas ?? 0);
    });
    await writeFile(file, deployment('web', { replicas: 3, minReadySeconds: 1, env: 'two' }));
    ok(await k(['apply', '-n', ns, '-f', file]));
    const out = ok(await k(['rollout', 'status', '-n', ns, 'deployment/web', '--timeout=60s']));
    off();
    expect(out).toMatch(
      /Waiting for deployment "web" rollout to finish: \d out of 3 new replicas have been updated/,
    );
    expect(out).toContain('deployment "web" successfully rolled out');
    // 25% of 3: maxSurge rounds up to 1, maxUnavailable down to 0.
    expect(maxPods).toBeLessThanOrEqual(4);
    expect(minAvailable).toBeGreaterThanOrEqual(3);
    const d = sb.store.get('apps/v1/deployments', ns, 'web')!;
    expect(status(d).conditions).toEqual([
      expect.objectContaining({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }),
      expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }),
    ]);
    const history = ok(await k(['rollout', 'history', '-n', ns, 'deployment/web']));
    expect(history).toMatch(/1\s+<none>\n2\s+<none>/);
    const events = JSON.parse(
      ok(
        await k([
          'get',
          'events',
          '-n',
          ns,
          '--field-selector',
          'involvedObject.kind=Deployment',
          '-o',
          'json',
        ]),
      ),
    ).items as Obj[];
    expect(events.map((e) => e.reason)).toContain('ScalingReplicaSet');
    expect(events.map((e) => e.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Scaled up replica set web-\w+ from 0 to 1$/)]),
    );
  });

  test('Recreate: the old Pods are gone before a new one is created', async () => {
    const ns = await namespace('recreate');
    const file = join(tools.work, 'recreate.yaml');
    await writeFile(file, deployment('db', { replicas: 2, strategy: 'Recreate' }));
    ok(await k(['apply', '-n', ns, '-f', file]));
    ok(await k(['rollout', 'status', '-n', ns, 'deployment/db', '--timeout=60s']));
    const mixed: string[][] = [];
    const off = sb.store.onChange((e) => {
      if (e.object.metadata.namespace !== ns || e.resource.resource !== 'pods') return;
      const hashes = new Set(podsOf(ns, 'db').map((p) => p.metadata.labels?.['pod-template-hash']));
      if (hashes.size > 1) mixed.push([...hashes] as string[]);
    });
    await writeFile(file, deployment('db', { replicas: 2, strategy: 'Recreate', env: 'two' }));
    ok(await k(['apply', '-n', ns, '-f', file]));
    ok(await k(['rollout', 'status', '-n', ns, 'deployment/db', '--timeout=60s']));
    off();
    expect(mixed).toEqual([]);
    expect(podsOf(ns, 'db').filter(ready)).toHaveLength(2);
  });

  test('failDeployment: rollout status reports ProgressDeadlineExceeded; recoverDeployment completes it', async () => {
    const ns = await namespace('failing');
    sb.failDeployment(ns, 'bad', 'CrashLoopBackOff');
    ok(await k(['apply', '-n', ns, '-f', '-'], deployment('bad')));
    const r = await k(['rollout', 'status', '-n', ns, 'deployment/bad', '--timeout=30s']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('error: deployment "bad" exceeded its progress deadline');
    const pod = podsOf(ns, 'bad')[0]!;
    expect(status(pod).containerStatuses[0].state.waiting.reason).toBe('CrashLoopBackOff');
    sb.recoverDeployment(ns, 'bad');
    // As on a cluster, the condition stays timed out until the Deployment makes progress again.
    await until('progress after recovery', () =>
      (status(sb.store.get('apps/v1/deployments', ns, 'bad')).conditions ?? []).some(
        (c: Obj) => c.type === 'Progressing' && c.status === 'True',
      ),
    );
    ok(await k(['rollout', 'status', '-n', ns, 'deployment/bad', '--timeout=30s']));
  });

  test('a RollingUpdate with a ReadWriteOnce claim: Multi-Attach on the other node, then ProgressDeadlineExceeded', async () => {
    const ns = await namespace('rwo');
    ok(
      await k(
        ['apply', '-n', ns, '-f', '-'],
        'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n',
      ),
    );
    const opts = { claim: 'data', progressDeadlineSeconds: 2 };
    ok(await k(['apply', '-n', ns, '-f', '-'], deployment('app', { ...opts, node: 'node-a' })));
    ok(await k(['rollout', 'status', '-n', ns, 'deployment/app', '--timeout=30s']));
    const old = podsOf(ns, 'app')[0]!;
    ok(await k(['apply', '-n', ns, '-f', '-'], deployment('app', { ...opts, node: 'node-b', env: 'two' })));
    const stuck = await until('the new Pod to wait for the volume', () =>
      podsOf(ns, 'app').find(
        (p) =>
          p.metadata.name !== old.metadata.name &&
          status(p).containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating',
      ),
    );
    const volume = (sb.store.get('persistentvolumeclaims', ns, 'data')!.spec as Obj).volumeName as string;
    expect(volume).toMatch(/^pvc-/);
    const r = await k(['rollout', 'status', '-n', ns, 'deployment/app', '--timeout=30s']);
    expect(r.stderr).toContain('error: deployment "app" exceeded its progress deadline');
    const pods = JSON.parse(ok(await k(['get', 'events', '-n', ns, '-o', 'json']))).items as Obj[];
    const attach = pods.find((e) => e.reason === 'FailedAttachVolume');
    expect(attach).toMatchObject({
      type: 'Warning',
      involvedObject: { kind: 'Pod', name: stuck.metadata.name },
      message: `Multi-Attach error for volume "${volume}" Volume is already used by pod(s) ${old.metadata.name}`,
    });
    // The old Pod keeps serving: maxUnavailable 0 of 1.
    expect(ready(sb.store.get('pods', ns, old.metadata.name!)!)).toBe(true);
  });
});

describe('storage', () => {
  test('a claim without a class gets the default and binds; an unknown class stays Pending with an Event', async () => {
    const ns = await namespace('storage');
    ok(await k(['get', 'storageclass', 'standard']));
    ok(
      await k(
        ['apply', '-n', ns, '-f', '-'],
        `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: plain}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 3Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: fancy}
spec: {storageClassName: fast-ssd, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
      ),
    );
    ok(await k(['wait', '-n', ns, '--for=jsonpath={.status.phase}=Bound', 'pvc/plain', '--timeout=20s']));
    const plain = JSON.parse(ok(await k(['get', '-n', ns, 'pvc', 'plain', '-o', 'json'])));
    expect(plain.spec.storageClassName).toBe('standard');
    expect(plain.status).toMatchObject({ phase: 'Bound', capacity: { storage: '3Gi' } });
    const pv = JSON.parse(ok(await k(['get', 'pv', plain.spec.volumeName, '-o', 'json'])));
    expect(pv.spec.claimRef).toMatchObject({ namespace: ns, name: 'plain' });
    expect(pv.status.phase).toBe('Bound');

    const described = await until('the ProvisioningFailed event', () => {
      const e = sb.store.list('events', ns).find((x) => x.reason === 'ProvisioningFailed');
      return e;
    });
    expect(described).toMatchObject({
      type: 'Warning',
      involvedObject: { kind: 'PersistentVolumeClaim', name: 'fancy' },
    });
    const out = ok(await k(['describe', 'pvc', '-n', ns, 'fancy']));
    expect(out).toMatch(/Status:\s+Pending/);
    expect(out).toMatch(/StorageClass:\s+fast-ssd/);
    expect(out).toMatch(
      /Warning\s+ProvisioningFailed\s+.*storageclass\.storage\.k8s\.io "fast-ssd" not found/,
    );

    // Deleting the claim deletes the provisioned volume (reclaimPolicy Delete).
    ok(await k(['delete', '-n', ns, 'pvc', 'plain']));
    await until(
      'the volume to go',
      () => !sb.store.get('persistentvolumes', undefined, plain.spec.volumeName),
    );
  });
});

describe('Services', () => {
  test('Endpoints and EndpointSlices list ready Pods only where a named targetPort resolves', async () => {
    const ns = await namespace('svc');
    ok(await k(['apply', '-n', ns, '-f', '-'], deployment('api', { replicas: 2 })));
    ok(
      await k(
        ['apply', '-n', ns, '-f', '-'],
        `apiVersion: v1
kind: Service
metadata: {name: api}
spec: {selector: {app: api}, ports: [{name: web, port: 8080, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: metrics}
spec: {selector: {app: api}, ports: [{name: metrics, port: 9090, targetPort: metrics}]}
`,
      ),
    );
    ok(await k(['rollout', 'status', '-n', ns, 'deployment/api', '--timeout=30s']));
    const ips = podsOf(ns, 'api')
      .map((p) => status(p).podIP as string)
      .sort();
    const ep = await until('two addresses', () => {
      const e = sb.store.get('endpoints', ns, 'api') as Obj | undefined;
      return e?.subsets?.[0]?.addresses?.length === 2 ? e : undefined;
    });
    expect(ep.subsets[0].ports).toEqual([{ name: 'web', port: 80, protocol: 'TCP' }]);
    expect(ep.subsets[0].addresses.map((a: Obj) => a.ip).sort()).toEqual(ips);
    const slices = JSON.parse(
      ok(await k(['get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=api', '-o', 'json'])),
    ).items as Obj[];
    expect(slices).toHaveLength(1);
    expect(slices[0]!.addressType).toBe('IPv4');
    expect(slices[0]!.ports).toEqual([{ name: 'web', port: 80, protocol: 'TCP' }]);
    expect(slices[0]!.endpoints.map((e: Obj) => [e.addresses[0], e.conditions.ready]).sort()).toEqual(
      ips.map((ip) => [ip, true]),
    );

    const none = JSON.parse(ok(await k(['get', 'endpoints', '-n', ns, 'metrics', '-o', 'json'])));
    expect(none.subsets).toBeUndefined();
    const noneSlices = JSON.parse(
      ok(
        await k([
          'get',
          'endpointslices',
          '-n',
          ns,
          '-l',
          'kubernetes.io/service-name=metrics',
          '-o',
          'json',
        ]),
      ),
    ).items as Obj[];
    expect(noneSlices.flatMap((s) => s.endpoints ?? [])).toEqual([]);
  });
});

describe('Jobs', () => {
  test('a Job completes; a failing one stops at backoffLimit with Failed', async () => {
    const ns = await namespace('jobs');
    const job = (name: string, command: string, backoffLimit = 6) => `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
  backoffLimit: ${backoffLimit}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox:1.36, command: [sh, -c, "${command}"]}]
`;
    ok(await k(['apply', '-n', ns, '-f', '-'], job('migrate', 'echo done')));
    ok(await k(['wait', '-n', ns, '--for=condition=complete', 'job/migrate', '--timeout=30s']));
    const done = JSON.parse(ok(await k(['get', '-n', ns, 'job', 'migrate', '-o', 'json'])));
    expect(done.status).toMatchObject({ succeeded: 1, completionTime: expect.any(String) });

    ok(await k(['apply', '-n', ns, '-f', '-'], job('broken', 'exit 3', 2)));
    ok(await k(['wait', '-n', ns, '--for=condition=failed', 'job/broken', '--timeout=30s']));
    const failed = JSON.parse(ok(await k(['get', '-n', ns, 'job', 'broken', '-o', 'json'])));
    expect(failed.status.failed).toBe(3);
    expect(failed.status.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Failed', reason: 'BackoffLimitExceeded' })]),
    );
    const pod = sb.store.list('pods', ns).find((p) => p.metadata.labels?.['job-name'] === 'broken')!;
    expect(status(pod).containerStatuses[0].state.terminated.exitCode).toBe(3);
  });
});

describe('StatefulSets', () => {
  test('ordered Pods with their own claims; a rolling update goes from the highest ordinal down', async () => {
    const ns = await namespace('sts');
    const sts = (env: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:16, env: [{name: REV, value: "${env}"}]}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;
    const created: string[] = [];
    const off = sb.store.onChange((e) => {
      if (e.type === 'ADDED' && e.resource.resource === 'pods' && e.object.metadata.namespace === ns) {
        created.push(e.object.metadata.name!);
      }
    });
    ok(await k(['apply', '-n', ns, '-f', '-'], sts('one')));
    ok(await k(['rollout', 'status', '-n', ns, 'statefulset/db', '--timeout=60s']));
    expect(created).toEqual(['db-0', 'db-1', 'db-2']);
    expect(sb.store.list('persistentvolumeclaims', ns).map((c) => c.metadata.name)).toEqual([
      'data-db-0',
      'data-db-1',
      'data-db-2',
    ]);
    created.length = 0;
    ok(await k(['apply', '-n', ns, '-f', '-'], sts('two')));
    const out = ok(await k(['rollout', 'status', '-n', ns, 'statefulset/db', '--timeout=60s']));
    off();
    expect(out).toMatch(/partitioned roll out complete|rolling update complete/);
    expect(created).toEqual(['db-2', 'db-1', 'db-0']);
    const s = status(sb.store.get('apps/v1/statefulsets', ns, 'db'));
    expect(s.currentRevision).toBe(s.updateRevision);
    expect(s).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3 });
  });
});

describe('events and stored kinds', () => {
  test('kubectl get events --sort-by=.lastTimestamp; events.k8s.io/v1 mirrors core Events', async () => {
    const ns = 'rolling';
    const sorted = JSON.parse(
      ok(await k(['get', 'events', '-n', ns, '--sort-by=.lastTimestamp', '-o', 'json'])),
    ).items as Obj[];
    expect(sorted.length).toBeGreaterThan(3);
    const times = sorted.map((e) => Date.parse(e.lastTimestamp));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const e of sorted) {
      expect(e).toMatchObject({
        reason: expect.any(String),
        message: expect.any(String),
        involvedObject: { kind: expect.any(String), name: expect.any(String) },
        count: expect.any(Number),
        firstTimestamp: expect.any(String),
        lastTimestamp: expect.any(String),
      });
    }
    const mirrored = await until('the events.k8s.io mirror', () => {
      const list = sb.store.list('events.k8s.io/v1/events', ns);
      return list.length === sorted.length ? list : undefined;
    });
    const first = mirrored.find((e) => e.metadata.name === sorted[0]!.metadata.name) as Obj;
    expect(first).toMatchObject({
      reason: sorted[0]!.reason,
      note: sorted[0]!.message,
      regarding: { name: sorted[0]!.involvedObject.name },
      deprecatedCount: sorted[0]!.count,
    });
    ok(await k(['get', 'events.v1.events.k8s.io', '-n', ns]));
  });

  test('Ingress, HorizontalPodAutoscaler, PodDisruptionBudget and Lease are accepted and stored', async () => {
    const ns = await namespace('kinds');
    const out = ok(
      await k(
        ['apply', '-n', ns, '-f', '-'],
        `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: web.example
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: leader}
spec: {holderIdentity: a, leaseDurationSeconds: 15}
`,
      ),
    );
    expect(out).toBe(
      'ingress.networking.k8s.io/web created\nhorizontalpodautoscaler.autoscaling/web created\npoddisruptionbudget.policy/web created\nlease.coordination.k8s.io/leader created\n',
    );
    for (const kind of ['ingress', 'hpa', 'pdb']) ok(await k(['get', '-n', ns, kind, 'web']));
    // Leases: optimistic concurrency on resourceVersion.
    const lease = JSON.parse(ok(await k(['get', '-n', ns, 'lease', 'leader', '-o', 'json'])));
    ok(
      await k(
        ['replace', '-n', ns, '-f', '-'],
        JSON.stringify({ ...lease, spec: { ...lease.spec, holderIdentity: 'b' } }),
      ),
    );
    const stale = await k(
      ['replace', '-n', ns, '-f', '-'],
      JSON.stringify({ ...lease, spec: { ...lease.spec, holderIdentity: 'c' } }),
    );
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain(
      'Operation cannot be fulfilled on leases.coordination.k8s.io "leader": the object has been modified; please apply your changes to the latest version and try again',
    );
  });
});
