// Stage `connector` against the sandbox (certs + authpolicy set up the broker's X.509 port) and the Litmus Edge
// stand-in, reached as the product reaches it by default: a port-forward through the Kubernetes API to port 443 of
// the release's Service. The stand-in's integration really connects to the sandbox's mosquitto with what the stage
// configured, so the smoke stage sees its DeviceHub messages arrive through the broker.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { runCommand } from '../../src/engine/run-command.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import { startLitmusEdge, type LitmusEdgeStandIn } from '../support/litmus-edge/index.js';
import { recordingReporter, type RecordingReporter } from '../support/recording-reporter.js';
import type { KubeObject } from '../support/kube-apiserver/index.js';
import { serveLitmusEdgeAsRelease } from '../support/sandbox/litmus-edge.js';
import { brokerByClusterDns, startSandbox, type Sandbox } from '../support/sandbox/index.js';
import { createTestCa, issueLoopbackServerCert, type TestCertificate } from '../support/test-pki.js';
import { until } from '../support/until.js';

const TOKEN = `le-${randomBytes(18).toString('hex')}`;
const OAUTH = { id: 'litmus-aio-ci', secret: `cs-${randomBytes(18).toString('hex')}` };
const NS = 'litmus-edge';
const STATE = 'litmusedge-mqtt-client-connector';
let sb: Sandbox;
let le: LitmusEdgeStandIn;
/** A second Litmus Edge reached by URL, with a certificate from `leCa`; changed per test. */
let other: LitmusEdgeStandIn;
let leCa: TestCertificate;
let defaults: Inputs;
const reporters: RecordingReporter[] = [];
const masked: string[] = [];

const resolve = brokerByClusterDns(() => sb.broker);

beforeAll(async () => {
  sb = await startSandbox();
  defaults = await resolveInputs([]);
  leCa = await createTestCa('Litmus Edge device CA');
  [le, other] = await Promise.all([
    startLitmusEdge({ tokens: [TOKEN], oauthClients: [OAUTH], resolve, publishIntervalMs: 100 }),
    startLitmusEdge({
      tokens: [TOKEN],
      oauthClients: [OAUTH],
      resolve,
      schema: 'b',
      serverCert: await issueLoopbackServerCert(leCa),
    }),
  ]);
  const setup = await run({ stages: ['certs', 'authpolicy'] });
  expect(setup.summary.ok, JSON.stringify(setup.summary.results)).toBe(true);
  await sb.broker.settled();
  await serveLitmusEdgeAsRelease(sb, le);
});
afterAll(async () => {
  await Promise.all([le?.stop(), other?.stop()]);
  await sb?.stop();
});

async function run(over: Partial<Inputs> = {}, command: 'run' | 'plan' = 'run') {
  const reporter = recordingReporter();
  reporters.push(reporter);
  const summary = await runCommand(
    {
      ...defaults,
      stages: ['connector'],
      stagesExplicit: true,
      'authpolicy-mode': 'kubernetes',
      'topic-prefix': 'litmus',
      'litmus-edge-token': TOKEN,
      'litmus-edge-version': '3.16.2',
      'connector-topics': ['devicehub.alias.press1.*'],
      command,
      ...over,
    },
    {
      reporter,
      cleanup: createCleanupRegistry({ save: () => undefined, load: () => '' }),
      env: { KUBECONFIG: sb.kubeconfig, HOME: sb.dir },
      mask: (s) => masked.push(s),
    },
  );
  return {
    summary,
    result: summary.results.find((r) => r.stage === 'connector') ?? summary.results[0]!,
    reporter,
  };
}

const writes = (s: LitmusEdgeStandIn, mark: number) =>
  s.requests
    .slice(mark)
    .filter((r) => r.method !== 'GET' && r.path !== '/auth/v3/oauth/token')
    .map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, '<id>')}`);
const instance = () => le.instances().find((i) => i.config.name === 'aio-broker')!;
const stateSecret = () =>
  sb.kube.store.get('secrets', NS, STATE) as
    { metadata: { resourceVersion: string }; data: Record<string, string> } | undefined;
const brokerCaBundle = () =>
  (
    sb.kube.store.get('configmaps', 'azure-iot-operations', 'azure-iot-operations-aio-ca-trust-bundle') as {
      data: Record<string, string>;
    }
  ).data['ca.crt'];
const pins = () =>
  JSON.parse(Buffer.from(stateSecret()!.data['pins.json']!, 'base64').toString()) as Record<string, string>;

describe('connector stage', () => {
  test('plan: says what it would create and pin, writes nothing', async () => {
    const mark = le.requests.length;
    const { result } = await run({}, 'plan');
    expect(result.status, result.error?.message).toBe('changed');
    expect(result.changes[0]).toBe(
      `pin Litmus Edge's TLS certificate (SHA-256 ${le.sha256()}, trust on first use) in Secret ${NS}/${STATE} key pins.json`,
    );
    expect(result.changes[1]).toMatch(
      /^create integration 'aio-broker' \(provider generic-mqtt-ssl\) with \{name: "aio-broker", hostname: "aio-broker\.azure-iot-operations\.svc\.cluster\.local", port: 18884, clientId: "litmus-edge-aio-broker", qos: 1, topic: "litmus", caCert: CN=Azure IoT Operations Sandbox Root CA, SHA-256 [0-9A-F:]+…, cert: CN=aiomqttconnector, SHA-256 [0-9A-F:]+… \(\+1 more\), privateKey: \(secret\), persistentStorage: true, queueMode: "lifo", throttlingLimit: 0, willPayloadType: "string", willQoS: 1, willRetained: false, workersCount: 100\}$/,
    );
    expect(result.changes.slice(2)).toEqual([
      'send topic devicehub.alias.press1.* to remote topic litmus/devicehub/alias/press1',
      "enable integration 'aio-broker' (provider generic-mqtt-ssl)",
    ]);
    expect(result.details).toContainEqual(
      expect.stringMatching(
        /^provider generic-mqtt-ssl schema, discovered at run time: name -> name, host -> hostname, port -> port, brokerCa -> caCert, clientChain -> cert, clientKey -> privateKey, clientId -> clientId, qos -> qos, topic -> topic$/,
      ),
    );
    expect(writes(le, mark)).toEqual([]);
    expect(stateSecret()).toBeUndefined();
  });

  test('run: creates the integration with the client chain, key and AIO CA; topics enabled; certificate pinned', async () => {
    const { result } = await run();
    expect(result.status, result.error?.message).toBe('changed');
    const i = instance();
    const client = sb.secretData()!;
    expect(i.config).toMatchObject({
      hostname: 'aio-broker.azure-iot-operations.svc.cluster.local',
      port: 18884,
      cert: client['tls.crt'],
      caCert: sb.aioCa.cert,
    });
    expect(String(i.config.privateKey)).toMatch(/^-----BEGIN EC PRIVATE KEY-----/); // SEC1
    expect(i.enabled).toBe(true);
    expect(i.subs.map((s) => `${s.localName} -> ${s.remoteName} ${s.enabled}`)).toEqual([
      'devicehub.alias.press1.* -> litmus/devicehub/alias/press1 true',
    ]);
    expect(result.outputs).toEqual({
      'connector-id': i.instanceId,
      'litmus-edge-version': '3.16.2',
      'connector-topics': JSON.stringify({ 'devicehub.alias.press1.*': 'litmus/devicehub/alias/press1' }),
    });
    expect(pins()).toEqual({ [`service/${NS}/litmusedge:443`]: le.sha256() });
    expect(result.details![0]).toBe(
      `Litmus Edge's certificate SHA-256 ${le.sha256()} is trusted on first use and pinned in Secret ${NS}/${STATE} key pins.json`,
    );
  });

  test('end to end: the integration connects with X.509 and smoke receives its DeviceHub messages through the broker', async () => {
    const { result } = await run({
      stages: ['smoke'],
      'expect-topics': ['litmus/devicehub/alias/press1'],
      'smoke-messages': 2,
      'smoke-timeout': 30,
    });
    expect(result.status, result.error?.message).toBe('passed');
    expect(result.details?.at(-1)).toMatch(
      /^litmus\/devicehub\/alias\/press1: \d+ message\(s\), first after \d+ ms$/,
    );
    expect(le.connectorStatus(instance().instanceId)).toMatchObject({
      connected: true,
      topics: ['litmus/devicehub/alias/press1'],
    });
    expect(sb.broker.mosquitto()!.log()).toMatch(
      /New client connected .* as litmus-edge-aio-broker .*u'aiomqttconnector'/,
    );
  });

  test('a second run writes nothing and says so', async () => {
    const mark = le.requests.length;
    const rv = stateSecret()!.metadata.resourceVersion;
    const { result } = await run();
    expect(result.status, result.error?.message).toBe('unchanged');
    expect(result.changes).toEqual([]);
    expect(writes(le, mark)).toEqual([]);
    expect(stateSecret()!.metadata.resourceVersion).toBe(rv);
    expect(result.details![0]).toBe(
      `Litmus Edge's certificate matches the SHA-256 pinned in Secret ${NS}/${STATE} key pins.json: ${le.sha256()}`,
    );
  });

  test('a Litmus Edge that masks the key on read: compared by the hash recorded when it was sent, no write', async () => {
    le.state.redactSecrets = true;
    try {
      const mark = le.requests.length;
      const { result } = await run();
      expect(result.status, result.error?.message).toBe('unchanged');
      expect(writes(le, mark)).toEqual([]);
    } finally {
      le.state.redactSecrets = false;
    }
  });

  test('a re-issued leaf: the instance is disabled, updated (chain and key, never shown) and enabled again', async () => {
    const renewed = await run({ stages: ['certs'], 'renew-before-days': 150 });
    expect(renewed.result.status, renewed.result.error?.message).toBe('changed');
    const mark = le.requests.length;
    const { result } = await run();
    expect(result.status, result.error?.message).toBe('changed');
    expect(result.changes[1]).toMatch(
      /^update integration 'aio-broker' \(provider generic-mqtt-ssl, id [0-9a-f-]+\): cert: CN=aiomqttconnector, SHA-256 .* -> CN=aiomqttconnector, SHA-256 .*; privateKey: \(secret value changed\)$/,
    );
    expect(writes(le, mark)).toEqual([
      'PUT /cc/instances/<id>/disable',
      'PUT /cc/instances/<id>',
      'PUT /cc/instances/<id>/enable',
    ]);
    expect(instance().config.cert).toBe(sb.secretData()!['tls.crt']);
    await until(
      'the integration to reconnect with the new leaf',
      () => le.connectorStatus(instance().instanceId)?.connected,
    );
  });

  test('a changed AIO CA bundle: the instance is updated with it; what was set in the portal is kept', async () => {
    instance().config.username = 'set-in-the-portal';
    const newCa = await createTestCa('Azure IoT Operations Rotated Root CA');
    const bundle = `${newCa.cert.trim()}\n${sb.aioCa.cert.trim()}\n`;
    const cm = sb.kube.store.get(
      'configmaps',
      'azure-iot-operations',
      'azure-iot-operations-aio-ca-trust-bundle',
    )!;
    sb.kube.store.put({ ...cm, data: { 'ca.crt': bundle } } as KubeObject);
    const { result } = await run();
    expect(result.status, result.error?.message).toBe('changed');
    expect(result.changes[1]).toMatch(
      /^update integration .*: caCert: CN=Azure IoT Operations Sandbox Root CA, SHA-256 .* -> CN=Azure IoT Operations Rotated Root CA, SHA-256 .*\(\+1 more\)$/,
    );
    expect(instance().config.caCert).toBe(bundle);
    expect(instance().config.username).toBe('set-in-the-portal');
    await until(
      'the integration to reconnect trusting the new bundle',
      () => le.connectorStatus(instance().instanceId)?.connected,
    );
  });

  test('a new topic: disabled before the topic changes, enabled after', async () => {
    const mark = le.requests.length;
    const topics = ['devicehub.alias.press1.*', 'devicehub.alias.sim01.>'];
    const { result } = await run({ 'connector-topics': topics });
    expect(result.status, result.error?.message).toBe('changed');
    expect(writes(le, mark)).toEqual([
      'PUT /cc/instances/<id>/disable',
      'POST /cc/instances/<id>/createSubs',
      'PUT /cc/instances/<id>/enableSubs',
      'PUT /cc/instances/<id>/enable',
    ]);
    expect(JSON.parse(result.outputs!['connector-topics']!)).toEqual({
      'devicehub.alias.press1.*': 'litmus/devicehub/alias/press1',
      'devicehub.alias.sim01.>': 'litmus/devicehub/alias/sim01',
    });
    await until('messages on the new topic', () =>
      le.connectorStatus(instance().instanceId)?.topics.includes('litmus/devicehub/alias/sim01'),
    );
  });

  test('429 and 500 from Litmus Edge are retried', async () => {
    le.fault({ method: 'GET', path: '/cc/providers', status: 429, retryAfterS: 0 });
    le.fault({ method: 'GET', path: '/cc/providers', status: 500 });
    const mark = le.requests.length;
    const { result } = await run({
      'connector-topics': ['devicehub.alias.press1.*', 'devicehub.alias.sim01.>'],
    });
    expect(result.status, result.error?.message).toBe('unchanged');
    expect(
      le.requests
        .slice(mark)
        .filter((r) => r.path === '/cc/providers')
        .map((r) => r.status),
    ).toEqual([429, 500, 200]);
  });

  test('firmware that differs from the deployed version is reported as a warning', async () => {
    const { result, reporter } = await run(
      {
        'litmus-edge-version': '3.17.0',
        'connector-topics': ['devicehub.alias.press1.*', 'devicehub.alias.sim01.>'],
      },
      'plan',
    );
    const warning =
      'Litmus Edge reports firmware 3.16.2, but the deployed image is tagged 3.17.0: the version label and what runs differ';
    expect(result.details).toContain(warning);
    expect(reporter.logs).toContain(`connector warn ${warning}`);
  });

  test('a wrong token: 401, explained', async () => {
    const { result } = await run({ 'litmus-edge-token': 'not-the-token' });
    expect(result.status).toBe('failed');
    expect(result.error!.message).toBe(
      `Litmus Edge at Service ${NS}/litmusedge:443 (port-forward): GET /cc/version answered 401: Unauthorized. Fix: check litmus-edge-token: create API credentials in the Litmus Edge portal under System > Access Control > Tokens`,
    );
  });
});

describe('connector stage, Litmus Edge by URL', () => {
  const viaUrl = (over: Partial<Inputs> = {}, command: 'run' | 'plan' = 'run') =>
    run(
      { 'litmus-edge-url': other.url, 'litmus-edge-ca': leCa.cert, 'connector-name': 'by-url', ...over },
      command,
    );

  test('litmus-edge-ca verifies its certificate; schema shape b (other property names) is mapped by titles and descriptions', async () => {
    const { result } = await viaUrl();
    expect(result.status, result.error?.message).toBe('changed');
    const i = other.instances()[0]!;
    expect(i.config).toMatchObject({
      connectionName: 'by-url',
      server: 'aio-broker.azure-iot-operations.svc.cluster.local',
      serverPort: 18884,
      field7: brokerCaBundle(),
      field8: sb.secretData()!['tls.crt'],
      mqttClientIdentifier: 'litmus-edge-by-url',
      qualityOfService: 1,
    });
    expect(result.details![0]).toBe("Litmus Edge's certificate was verified with litmus-edge-ca");
    await until('the shape-b integration to connect', () => other.connectorStatus(i.instanceId)?.connected);
    expect((await viaUrl()).result.status).toBe('unchanged');
  });

  test('a CA that did not issue its certificate: refused before anything is sent', async () => {
    const mark = other.requests.length;
    const wrong = await createTestCa('Some other CA');
    const { result } = await viaUrl({ 'litmus-edge-ca': wrong.cert });
    expect(result.status).toBe('failed');
    expect(result.error!.message).toMatch(
      new RegExp(
        `^Litmus Edge at ${other.url.replace(/[.]/g, '\\.')}: its TLS certificate was not accepted with litmus-edge-ca \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\); nothing was sent to it\\. Fix: give in litmus-edge-ca the CA`,
      ),
    );
    expect(other.requests.length).toBe(mark);
  });

  test('OAuth2 client credentials; an access token that expires mid-run is fetched again once', async () => {
    const issued = other.tokensIssued();
    other.expireTokensAfter(2);
    const { result } = await viaUrl({
      'litmus-edge-token': undefined,
      'litmus-edge-client-id': OAUTH.id,
      'litmus-edge-client-secret': OAUTH.secret,
    });
    expect(result.status, result.error?.message).toBe('unchanged');
    expect(other.tokensIssued() - issued).toBe(2);
    expect(other.requests.some((r) => r.status === 401)).toBe(true);
  });

  test('the certificate pinned on first use changes: refused with the fix, nothing sent', async () => {
    const first = await viaUrl({ 'litmus-edge-ca': undefined });
    expect(first.result.status, first.result.error?.message).toBe('changed'); // the pin, nothing else
    expect(first.result.changes).toEqual([
      `pin Litmus Edge's TLS certificate (SHA-256 ${other.sha256()}, trust on first use) in Secret ${NS}/${STATE} key pins.json`,
    ]);
    const pinned = other.sha256();
    await other.rotateCertificate();
    const mark = other.requests.length;
    const { result } = await viaUrl({ 'litmus-edge-ca': undefined });
    expect(result.status).toBe('failed');
    expect(result.error!.message).toBe(
      `Litmus Edge at ${other.url} presented a TLS certificate with SHA-256 ${other.sha256()}, not the one pinned on first use (${pinned}, recorded in Secret ${NS}/${STATE} key pins.json); nothing was sent to it. Fix: if its certificate was replaced on purpose (a device certificate uploaded, or a new self-signed one), remove that pin from Secret ${NS}/${STATE} key pins.json or give the certificate's CA in litmus-edge-ca; otherwise find out who answers at that address`,
    );
    expect(other.requests.length).toBe(mark);
    await other.rotateCertificate(await issueLoopbackServerCert(leCa)); // back to a certificate of leCa
  });

  test('an ambiguous schema: refused, listing its properties; nothing written', async () => {
    other.state.shape = 'ambiguous';
    other.state.instances.clear();
    try {
      const mark = other.requests.length;
      const { result } = await viaUrl({ 'connector-name': 'ambiguous' });
      expect(result.status).toBe('failed');
      expect(result.error!.message).toMatch(
        /^connector: nothing was changed: the schema of provider generic-mqtt-ssl at https:\/\/127\.0\.0\.1:\d+ does not say where our values go: the AIO broker CA fits more than one property: caCert \("CA Certificate"\), serverCa \("Server CA certificate"\); name the property in connector-config, .*The schema's properties: name \(string, "Name"\), hostname \(string, "Hostname"\), port \(integer, "Port"\)/,
      );
      expect(writes(other, mark)).toEqual([]);
    } finally {
      other.state.shape = 'b';
    }
  });

  test('no "MQTT – Generic over SSL" provider: refused, listing the providers', async () => {
    other.state.providers = 'no-ssl';
    try {
      const { result } = await viaUrl();
      expect(result.error?.message).toMatch(
        /offers no provider 'generic-mqtt-ssl' and no "MQTT – Generic over SSL" provider\. Its providers: generic-mqtt-tcp \("MQTT - Generic"\), azure-iot-hub \("Azure IoT Hub"\), mysql \("MySQL"\), kafka-ssl \("Kafka over SSL"\)\. Fix: set connector-provider/,
      );
    } finally {
      other.state.providers = 'default';
    }
  });

  test('Litmus Edge 4.x (no REST integrations API): refused naming what it found and what is needed', async () => {
    other.state.mode = '4.x';
    other.state.version = '4.0.3';
    try {
      const { result } = await viaUrl();
      expect(result.status).toBe('failed');
      expect(result.error!.message).toMatch(
        /^connector: nothing was changed: Litmus Edge at https:\/\/127\.0\.0\.1:\d+ reports integration service 4\.0\.3 \(GET \/cc\/version\), but GET \/cc\/providers answered 404: it does not offer the REST integrations API .*Needed: a Litmus Edge with the \/cc REST API \(3\.x\)\. Fix: /,
      );
    } finally {
      other.state.mode = '3.x';
      other.state.version = '3.16.2';
    }
  });
});

describe('connector stage, with certs in the same run', () => {
  test('a plan before certs has issued the client certificate: shows what it will configure, the certificate to come', async () => {
    const { summary } = await run(
      {
        stages: ['certs', 'connector'],
        namespace: 'le-fresh',
        'litmus-edge-url': other.url,
        'litmus-edge-ca': leCa.cert,
        'connector-name': 'fresh',
      },
      'plan',
    );
    const r = summary.results.find((x) => x.stage === 'connector')!;
    expect(r.status, r.error?.message).toBe('changed');
    expect(r.changes[0]).toMatch(
      /^create integration 'fresh' \(provider generic-mqtt-ssl\) with \{connectionName: "fresh", .*field8: "\(the client chain certs issues\)", field9: \(secret\).*\} \(with the client certificate the certs stage is about to issue\)$/,
    );
  });
});

describe('connector stage, secrets', () => {
  test('neither the token, the OAuth secret nor the client key appears in any result or log line', () => {
    const text = reporters
      .map((r) =>
        [...r.events, ...r.logs, JSON.stringify(r.finished), JSON.stringify(r.summary ?? {})].join('\n'),
      )
      .join('\n');
    const keyLines = (sb.secretData()!['tls.key'] ?? '')
      .split('\n')
      .filter((l) => l.length >= 16 && !l.startsWith('-----'));
    const pieces = [
      TOKEN,
      TOKEN.slice(5, 21),
      OAUTH.secret,
      OAUTH.secret.slice(4, 20),
      ...keyLines,
      ...keyLines.map((l) => l.slice(0, 16)),
    ];
    expect(pieces.length).toBeGreaterThan(4);
    for (const p of pieces)
      expect(text.includes(p), `found a secret piece in the output: ${p.slice(0, 4)}…`).toBe(false);
    expect(text).not.toMatch(/PRIVATE KEY-----\n[A-Za-z0-9+/]/);
    expect(masked.some((m) => m.includes('EC PRIVATE KEY'))).toBe(true);
  });
});
