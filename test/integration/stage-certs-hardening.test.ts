// Stage `certs` never loses or leaks a CA (issue 11 items 1-4, 10, 12): ca-key-dir safety, a trusted bundle
// shared by several namespaces, crash-safe write order (a crash after every single write recovers), CA keys
// kept out of the client Secret, optimistic-concurrency conflicts retried, and corrupted inputs named.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { createClientChain } from '../../src/pki/chain.js';
import { createCertsStage, type CertsHooks } from '../../src/stages/certs/certs-stage.js';
import { STAGE_REGISTRY } from '../../src/stages/registry.js';
import { recordingReporter } from '../support/recording-reporter.js';
import { startSandbox, type Sandbox } from '../support/sandbox/index.js';
import { createTestCa } from '../support/test-pki.js';
import { kubeWritesSince } from '../support/kube-writes.js';

const AIO = 'azure-iot-operations';
let sb: Sandbox;
let defaults: Inputs;
beforeAll(async () => {
  sb = await startSandbox();
  defaults = await resolveInputs([]);
});
afterAll(() => sb.stop());

const writesSince = (mark: number) => kubeWritesSince(sb.kube.requests, mark);

async function run(
  over: Partial<Inputs> = {},
  o: { command?: 'run' | 'plan'; stages?: Inputs['stages']; hooks?: CertsHooks } = {},
) {
  const mark = sb.kube.requests.length;
  const reporter = recordingReporter();
  const summary = await runCommand(
    {
      ...defaults,
      stages: o.stages ?? ['certs'],
      stagesExplicit: true,
      'authpolicy-mode': 'kubernetes',
      command: o.command ?? 'run',
      ...over,
    },
    {
      reporter,
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { KUBECONFIG: sb.kubeconfig, HOME: sb.dir },
      ...(o.hooks
        ? { registry: { ...STAGE_REGISTRY, certs: async (deps) => createCertsStage(deps, o.hooks) } }
        : {}),
    },
  );
  const result = summary.results.find((r) => r.stage === 'certs')!;
  return { summary, result, writes: writesSince(mark), logs: reporter.logs };
}

const secret = (ns: string, name: string) => sb.secretData(ns, name) ?? {};
const clientOf = (ns: string) => secret(ns, 'litmusedge-mqtt-client');
const caOf = (ns: string) => secret(ns, 'litmusedge-mqtt-ca');
const configMap = (name = 'litmusedge-ca') =>
  sb.kube.store.get('configmaps', AIO, name) as
    { data?: Record<string, string>; metadata: { annotations?: Record<string, string> } } | undefined;
const bundleOf = (name = 'litmusedge-ca') => configMap(name)?.data?.['client_ca.pem'] ?? '';
const certsIn = (bundle: string) =>
  (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (p) => new X509Certificate(p).fingerprint256,
  );
const fp = (pem: string) => new X509Certificate(pem).fingerprint256;
const matches = (certPem: string, keyPem: string | undefined) =>
  keyPem !== undefined && new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));

/** The CA is intact and consistent: keys match certs, the client chain verifies, the broker trusts the root. */
function expectConsistent(ns: string, keyDir?: string, cm = 'litmusedge-ca'): void {
  const ca = caOf(ns);
  const client = clientOf(ns);
  const root = new X509Certificate(ca['ca.crt']!);
  const inter = new X509Certificate(ca['intermediate.crt']!);
  const interKey = keyDir
    ? readFileSync(join(keyDir, 'intermediate-ca.key'), 'utf8')
    : ca['intermediate-ca.key'];
  expect(matches(ca['intermediate.crt']!, interKey), 'intermediate key matches its certificate').toBe(true);
  if (keyDir) {
    const rootKey = readFileSync(join(keyDir, 'root-ca.key'), 'utf8');
    expect(matches(ca['ca.crt']!, rootKey), 'root key matches its certificate').toBe(true);
    expect(readdirSync(keyDir).sort(), 'no leftovers in ca-key-dir').toEqual([
      'intermediate-ca.key',
      'root-ca.key',
    ]);
    expect(ca['intermediate-ca.key']).toBeUndefined();
  }
  expect(ca['root-ca.key'], 'the root key is never in the cluster').toBeUndefined();
  expect(inter.verify(root.publicKey)).toBe(true);
  const leaf = new X509Certificate(client['tls.crt']!);
  expect(leaf.verify(inter.publicKey), 'the client leaf is issued by the current intermediate').toBe(true);
  expect(matches(client['tls.crt']!, client['tls.key'])).toBe(true);
  expect(Object.keys(client).filter((k) => k.endsWith('-ca.key'))).toEqual([]);
  expect(certsIn(bundleOf(cm))).toContain(root.fingerprint256);
}

/** A client Secret as versions before the CA Secret wrote it: CA keys beside tls.crt/tls.key. */
async function seedLegacy(ns: string): Promise<{ rootKey: string; interKey: string; root: string }> {
  const c = await createClientChain({
    algorithm: 'ec-p256',
    rootSubject: 'CN=Litmus Edge Root CA',
    intermediateSubject: 'CN=Litmus Edge Intermediate CA 1',
    leafSubject: 'CN=aiomqttconnector',
    rootDays: 3650,
    intermediateDays: 1825,
    leafDays: 100,
  });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  sb.kube.store.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  sb.kube.store.put({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'litmusedge-mqtt-client',
      namespace: ns,
      labels: { 'app.kubernetes.io/managed-by': 'litmus-aio' },
      annotations: { 'litmus-aio.io/key-algorithm': 'ec-p256' },
    },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': b64(c.leaf.certPem + c.intermediate.certPem),
      'tls.key': b64(c.leaf.keyPem),
      'ca.crt': b64(c.root.certPem),
      'intermediate.crt': b64(c.intermediate.certPem),
      'root-ca.key': b64(c.root.keyPem),
      'intermediate-ca.key': b64(c.intermediate.keyPem),
    },
  } as never);
  return { rootKey: c.root.keyPem, interKey: c.intermediate.keyPem, root: c.root.certPem };
}

describe('item 4: CA keys are kept out of the client Secret', () => {
  test('a new PKI: the client Secret holds the chain and client key only; the CA Secret the intermediate key; the root key is discarded', async () => {
    const r = await run({ namespace: 'keys-a', 'trusted-ca-configmap': 'keys-a-ca' });
    expect(r.result.status).toBe('changed');
    expect(Object.keys(clientOf('keys-a')).sort()).toEqual([
      'ca.crt',
      'intermediate.crt',
      'tls.crt',
      'tls.key',
    ]);
    const ca = caOf('keys-a');
    expect(Object.keys(ca).sort()).toEqual(['ca.crt', 'intermediate-ca.key', 'intermediate.crt']);
    expect((sb.kube.store.get('secrets', 'keys-a', 'litmusedge-mqtt-ca') as { type?: string }).type).toBe(
      'Opaque',
    );
    // The CA Secret is committed before the client Secret that depends on it.
    expect(r.writes).toEqual([
      'create namespaces/',
      'create secrets/',
      'create configmaps/',
      'create secrets/',
    ]);
    expectConsistent('keys-a', undefined, 'keys-a-ca');
    // Leaf renewals need the intermediate key only.
    const renewed = await run({
      namespace: 'keys-a',
      'trusted-ca-configmap': 'keys-a-ca',
      'renew-before-days': 3650,
    });
    expect(renewed.result.status).toBe('changed');
    expect(renewed.writes).toEqual(['update secrets/litmusedge-mqtt-client']);
  });

  test('a client Secret that still holds CA keys is migrated: CA Secret written first, then the keys stripped', async () => {
    const legacy = await seedLegacy('keys-legacy');
    const plan = await run({ namespace: 'keys-legacy' }, { command: 'plan' });
    expect(plan.result.changes.join('\n')).toContain(
      'move the intermediate CA key from Secret keys-legacy/litmusedge-mqtt-client to Secret keys-legacy/litmusedge-mqtt-ca',
    );
    const r = await run({ namespace: 'keys-legacy' });
    expect(r.result.status).toBe('changed');
    const writes = r.writes.filter((w) => w.startsWith('create secrets') || w.startsWith('update secrets'));
    expect(writes).toEqual(['create secrets/', 'update secrets/litmusedge-mqtt-client']);
    expect(caOf('keys-legacy')['intermediate-ca.key']).toBe(legacy.interKey);
    expect(caOf('keys-legacy')['ca.crt']).toBe(legacy.root);
    expectConsistent('keys-legacy');
    // The legacy root (in the bundle before ownership annotations existed) is now claimed, not foreign.
    const claims = JSON.parse(configMap()!.metadata.annotations!['litmus-aio.io/roots']!) as Record<
      string,
      { owner: string }
    >;
    expect(Object.values(claims).map((c) => c.owner)).toContain('keys-legacy/litmusedge-mqtt-ca');
    expect((await run({ namespace: 'keys-legacy' })).writes).toEqual([]);
  });

  test('with ca-key-dir a legacy root key moves to the runner, the cluster keeps none', async () => {
    const legacy = await seedLegacy('keys-legacy-dir');
    const keyDir = join(mkdtempSync(join(sb.dir, 'kd-')), 'ca');
    const r = await run({ namespace: 'keys-legacy-dir', 'ca-key-dir': keyDir });
    expect(r.result.status).toBe('changed');
    expect(readFileSync(join(keyDir, 'root-ca.key'), 'utf8')).toBe(legacy.rootKey);
    expectConsistent('keys-legacy-dir', keyDir);
  });

  test('ca-secret must differ from client-cert-secret (checked before anything is contacted)', async () => {
    const mark = sb.kube.requests.length;
    const err = await run({ 'ca-secret': 'litmusedge-mqtt-client' }).catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(/ca-secret.*must differ from.*client-cert-secret/);
    expect(sb.kube.requests.length).toBe(mark);
  });
});

describe('item 1: ca-key-dir never changes or trusts the wrong directory', () => {
  test.each(['/', '/etc', '/tmp', '/var/tmp', '/usr', '/bin', '/home', '/root', '/tmp/', '/etc/../tmp'])(
    'refuses the system path %s at input validation',
    async (p) => {
      await expect(resolveInputs([new Map([['ca-key-dir', { value: p, source: 'test' }]])])).rejects.toThrow(
        /ca-key-dir.*(system directory|your home directory)/s,
      );
    },
  );

  test('refuses $HOME itself', async () => {
    await expect(
      resolveInputs([new Map([['ca-key-dir', { value: homedir(), source: 'test' }]])]),
    ).rejects.toThrow(/home directory/);
  });

  test('a world-writable directory (or a symlink to one) is refused, named with the fix, and its mode is kept', async () => {
    const open = mkdtempSync(join(sb.dir, 'open-'));
    chmodSync(open, 0o1777);
    const link = join(sb.dir, `link-${Date.now()}`);
    symlinkSync(open, link);
    for (const d of [open, link]) {
      for (const command of ['plan', 'run'] as const) {
        const r = await run({ namespace: 'dir-open', 'ca-key-dir': d }, { command });
        expect(r.result.status).toBe('failed');
        expect(r.result.error?.message).toMatch(/ca-key-dir .* is writable by other users/);
        expect(r.result.error?.message).toMatch(/chmod 700/);
        expect(r.writes).toEqual([]);
      }
    }
    expect(statSync(open).mode & 0o7777).toBe(0o1777);
    expect(readdirSync(open)).toEqual([]);
  });

  test('an existing private directory keeps its mode; a missing one is created 0700; key files are 0600', async () => {
    const mine = mkdtempSync(join(sb.dir, 'mine-'));
    chmodSync(mine, 0o750);
    const r = await run({ namespace: 'dir-mine', 'ca-key-dir': mine });
    expect(r.result.status).toBe('changed');
    expect(statSync(mine).mode & 0o7777).toBe(0o750);
    expect(statSync(join(mine, 'intermediate-ca.key')).mode & 0o777).toBe(0o600);
    const fresh = join(mkdtempSync(join(sb.dir, 'parent-')), 'new-dir');
    const r2 = await run({ namespace: 'dir-fresh', 'ca-key-dir': fresh });
    expect(r2.result.status).toBe('changed');
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    expect(statSync(join(fresh, 'root-ca.key')).mode & 0o777).toBe(0o600);
    expectConsistent('dir-fresh', fresh);
  });

  test('key files are never written through a symlink', async () => {
    const d = mkdtempSync(join(sb.dir, 'sym-'));
    const victim = join(sb.dir, `victim-${Date.now()}`);
    writeFileSync(victim, 'do not touch\n', { mode: 0o644 });
    symlinkSync(victim, join(d, 'root-ca.key'));
    symlinkSync(victim, join(d, 'intermediate-ca.key'));
    const r = await run({ namespace: 'dir-sym', 'ca-key-dir': d });
    expect(r.result.status).toBe('changed');
    expect(readFileSync(victim, 'utf8')).toBe('do not touch\n');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    expect(lstatSync(join(d, 'root-ca.key')).isSymbolicLink()).toBe(false);
    expectConsistent('dir-sym', d);
  });
});

describe('item 2: several namespaces share the trusted bundle', () => {
  test('alternate runs of two namespaces: both clients stay accepted by the broker; foreign roots are kept', async () => {
    const foreign = await createTestCa('Someone Else Root');
    sb.kube.store.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shared-ca', namespace: AIO },
      data: { 'client_ca.pem': foreign.cert },
    });
    const a = { namespace: 'le-demo', 'trusted-ca-configmap': 'shared-ca' };
    const b = { namespace: 'aud1', 'trusted-ca-configmap': 'shared-ca' };
    const both = async () => {
      await sb.broker.settled();
      expect(await sb.connectAsClient('le-demo')).toMatchObject({ refused: false });
      expect(await sb.connectAsClient('aud1')).toMatchObject({ refused: false });
    };
    const stages: Inputs['stages'] = ['certs', 'authpolicy'];
    expect((await run(a, { stages })).summary.ok).toBe(true);
    expect((await run(b, { stages })).summary.ok).toBe(true);
    await both();
    expect((await run(a, { stages })).result.status).toBe('unchanged');
    expect((await run(b, { stages })).result.status).toBe('unchanged');
    // A rotation in one namespace keeps the other's root, its own previous root and the foreign one.
    const oldA = caOf('le-demo')['ca.crt']!;
    expect((await run({ ...a, 'rotate-ca': 'r1' }, { stages })).result.status).toBe('changed');
    const roots = certsIn(bundleOf('shared-ca'));
    expect(roots).toEqual(
      expect.arrayContaining([
        fp(foreign.cert),
        fp(oldA),
        fp(caOf('le-demo')['ca.crt']!),
        fp(caOf('aud1')['ca.crt']!),
      ]),
    );
    expect(roots).toHaveLength(4);
    await both();
    expect((await run(b, { stages })).result.status).toBe('unchanged');
    const claims = JSON.parse(
      configMap('shared-ca')!.metadata.annotations!['litmus-aio.io/roots']!,
    ) as Record<string, { owner: string; notAfter: string }>;
    expect(
      Object.values(claims)
        .map((c) => c.owner)
        .sort(),
    ).toEqual(['aud1/litmusedge-mqtt-ca', 'le-demo/litmusedge-mqtt-ca', 'le-demo/litmusedge-mqtt-ca']);
    expect(bundleOf('shared-ca')).toContain(foreign.cert.trim());
  });
});

describe('item 10: optimistic-concurrency conflicts are retried', () => {
  test('two concurrent runs (different namespaces, same ConfigMap) both succeed, the bundle holds both roots', async () => {
    for (let pair = 0; pair < 4; pair++) {
      const cm = `race-${pair}`;
      const [x, y] = await Promise.all([
        run({ namespace: `race-${pair}-x`, 'trusted-ca-configmap': cm }),
        run({ namespace: `race-${pair}-y`, 'trusted-ca-configmap': cm }),
      ]);
      expect(x.result.error?.message).toBeUndefined();
      expect(y.result.error?.message).toBeUndefined();
      expect(certsIn(bundleOf(cm)).sort()).toEqual(
        [fp(caOf(`race-${pair}-x`)['ca.crt']!), fp(caOf(`race-${pair}-y`)['ca.crt']!)].sort(),
      );
    }
  });

  test('an injected 409 on the ConfigMap update is retried', async () => {
    await run({ namespace: 'conflict-1', 'trusted-ca-configmap': 'conflict-ca' });
    sb.kube.faults.add({
      match: { verb: 'update', resource: 'configmaps', name: 'conflict-ca' },
      fault: { kind: 'conflict' },
    });
    const r = await run({ namespace: 'conflict-2', 'trusted-ca-configmap': 'conflict-ca' });
    expect(r.result.error?.message).toBeUndefined();
    expect(r.writes.filter((w) => w === 'update configmaps/conflict-ca')).toHaveLength(2);
    expect(certsIn(bundleOf('conflict-ca'))).toHaveLength(2);
  });
});

describe('item 3: a crash after any single write leaves a state the next run recovers from', () => {
  class Crash extends Error {}
  const crashAt = (k: number): CertsHooks => ({
    afterWrite: (n) => {
      if (n === k) throw new Crash(`simulated crash after write ${k}`);
    },
  });

  /** Runs `scenario` with a crash after write k for every k until a run completes without reaching k. */
  async function everyStep(
    name: string,
    prepare: (ns: string) => Promise<Partial<Inputs>>,
    over: (ns: string) => Partial<Inputs>,
  ): Promise<number> {
    for (let k = 1; k < 20; k++) {
      const ns = `${name}-${k}`;
      const base = await prepare(ns);
      const crashed = await run({ ...base, ...over(ns) }, { hooks: crashAt(k) });
      if (crashed.result.status !== 'failed') {
        expectConsistent(ns, base['ca-key-dir']);
        return k - 1;
      }
      expect(crashed.result.error?.message).toContain(`simulated crash after write ${k}`);
      // Recovery: the same inputs again, then a forced leaf renewal (needs the committed CA's key).
      const again = await run({ ...base, ...over(ns) });
      expect(again.result.error?.message, `recovery after a crash at write ${k}`).toBeUndefined();
      expectConsistent(ns, base['ca-key-dir']);
      const renew = await run({ ...base, ...over(ns), 'renew-before-days': 3650 });
      expect(renew.result.error?.message, `renewal after a crash at write ${k}`).toBeUndefined();
      expectConsistent(ns, base['ca-key-dir']);
    }
    throw new Error('never completed');
  }
  const keyDirFor = (ns: string) => join(sb.dir, `keys-${ns}`);

  test('creating a PKI with ca-key-dir', async () => {
    const n = await everyStep(
      'crash-new',
      async (ns) => ({ namespace: ns, 'ca-key-dir': keyDirFor(ns) }),
      () => ({}),
    );
    expect(n).toBeGreaterThanOrEqual(5);
  });

  test('rotating the CA with ca-key-dir', async () => {
    const n = await everyStep(
      'crash-rot-dir',
      async (ns) => {
        const base = { namespace: ns, 'ca-key-dir': keyDirFor(ns) };
        expect((await run(base)).result.status).toBe('changed');
        return base;
      },
      () => ({ 'rotate-ca': 'next' }),
    );
    expect(n).toBeGreaterThanOrEqual(4);
  });

  test('rotating the CA with keys in the cluster', async () => {
    await everyStep(
      'crash-rot',
      async (ns) => {
        const base = { namespace: ns };
        expect((await run(base)).result.status).toBe('changed');
        return base;
      },
      () => ({ 'rotate-ca': 'next' }),
    );
  });

  test('migrating a legacy client Secret (with and without ca-key-dir)', async () => {
    await everyStep(
      'crash-mig',
      async (ns) => {
        await seedLegacy(ns);
        return { namespace: ns };
      },
      () => ({}),
    );
    await everyStep(
      'crash-mig-dir',
      async (ns) => {
        await seedLegacy(ns);
        return { namespace: ns, 'ca-key-dir': keyDirFor(ns) };
      },
      () => ({}),
    );
  });

  test('a crash between writing new keys and committing the Secret keeps the old CA usable', async () => {
    const ns = 'crash-old-ca';
    const base = { namespace: ns, 'ca-key-dir': keyDirFor(ns) };
    await run(base);
    const before = caOf(ns)['intermediate.crt']!;
    const crashed = await run({ ...base, 'rotate-ca': 'x' }, { hooks: crashAt(1) });
    expect(crashed.result.status).toBe('failed');
    // The old CA is still committed and its key is still where it was.
    expect(caOf(ns)['intermediate.crt']).toBe(before);
    expect(matches(before, readFileSync(join(keyDirFor(ns), 'intermediate-ca.key'), 'utf8'))).toBe(true);
    // A run that gives up the rotation renews the leaf under the old CA and tidies the leftovers.
    const renew = await run({ ...base, 'renew-before-days': 3650 });
    expect(renew.result.error?.message).toBeUndefined();
    expect(caOf(ns)['intermediate.crt']).toBe(before);
    expectConsistent(ns, keyDirFor(ns));
    expect(existsSync(join(keyDirFor(ns), 'intermediate-ca.key.new'))).toBe(false);
  });
});

describe('item 12: corrupted inputs are named, with the cause and the fix', () => {
  const trustBundle = () => sb.kube.store.get('configmaps', AIO, 'azure-iot-operations-aio-ca-trust-bundle')!;

  test('a garbage broker CA does not block the plan, is shown as that step’s problem, and is not recorded', async () => {
    const good = trustBundle();
    try {
      sb.kube.store.put({ ...good, data: { 'ca.crt': 'garbage' } } as never);
      const plan = await run({ namespace: 'broker-bad' }, { command: 'plan' });
      expect(plan.result.status).toBe('changed');
      expect(plan.result.changes.join('\n')).not.toMatch(/record the AIO broker CA/);
      const detail = (plan.result.details ?? []).join('\n');
      expect(detail).toContain(
        'ConfigMap azure-iot-operations/azure-iot-operations-aio-ca-trust-bundle key ca.crt',
      );
      expect(detail).toMatch(/not a PEM certificate/);
      const r = await run({ namespace: 'broker-bad' });
      expect(r.result.status).toBe('changed');
      expect(r.result.outputs?.['broker-ca-sha256']).toBe('');
      const s = sb.kube.store.get('secrets', 'broker-bad', 'litmusedge-mqtt-client')!;
      expect(s.metadata.annotations?.['litmus-aio.io/broker-ca-sha256']).toBeUndefined();
      // A certificate that is not a CA is not recorded either.
      const notCa = await createClientChain({
        algorithm: 'ec-p256',
        rootSubject: 'CN=r',
        intermediateSubject: 'CN=i',
        leafSubject: 'CN=l',
        rootDays: 10,
        intermediateDays: 10,
        leafDays: 10,
      });
      sb.kube.store.put({ ...good, data: { 'ca.crt': notCa.leaf.certPem } } as never);
      const r2 = await run({ namespace: 'broker-bad' });
      expect((r2.result.details ?? []).join('\n')).toMatch(/not a CA certificate/);
      const s2 = sb.kube.store.get('secrets', 'broker-bad', 'litmusedge-mqtt-client')!;
      expect(s2.metadata.annotations?.['litmus-aio.io/broker-ca-sha256']).toBeUndefined();
    } finally {
      sb.kube.store.put(good);
    }
  });

  test('a corrupted client certificate is named and re-issued; a corrupted CA certificate is named with the fix', async () => {
    await run({ namespace: 'corrupt' });
    const s = sb.kube.store.get('secrets', 'corrupt', 'litmusedge-mqtt-client')!;
    const junk = Buffer.from('junk').toString('base64');
    sb.kube.store.put({ ...s, data: { ...(s.data as Record<string, string>), 'tls.crt': junk } });
    const plan = await run({ namespace: 'corrupt' }, { command: 'plan' });
    expect(plan.result.status).toBe('changed');
    expect(plan.result.changes.join('\n')).toContain(
      'Secret corrupt/litmusedge-mqtt-client key tls.crt is not a PEM certificate',
    );
    expect((await run({ namespace: 'corrupt' })).result.status).toBe('changed');
    expectConsistent('corrupt');

    const ca = sb.kube.store.get('secrets', 'corrupt', 'litmusedge-mqtt-ca')!;
    sb.kube.store.put({ ...ca, data: { ...(ca.data as Record<string, string>), 'ca.crt': junk } });
    const bad = await run({ namespace: 'corrupt' }, { command: 'plan' });
    expect(bad.result.status).toBe('failed');
    expect(bad.result.error?.message).toContain('Secret corrupt/litmusedge-mqtt-ca key ca.crt');
    expect(bad.result.error?.message).toMatch(/not a PEM certificate/);
    expect(bad.result.error?.message).toMatch(/rotate-ca/);
  });
});
