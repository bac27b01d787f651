// The Litmus Edge stand-in, checked with real clients: curl speaks its API (HTTPS with its self-signed
// certificate, both ways to authenticate, the instance and topic lifecycle, 4.x mode, faults), and an enabled
// instance's messages arrive at a real mosquitto, read there with mosquitto_sub presenting X.509 credentials.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLitmusEdge, type LitmusEdgeStandIn } from '../support/litmus-edge/index.js';
import type { TestChain } from '../support/peers/chain.js';
import { runCommand } from '../support/peers/child.js';
import type { MosquittoPeer } from '../support/peers/mosquitto.js';
import { curlJson, type CurlAnswer } from '../support/peers/curl.js';
import { findTool } from '../support/peers/tools.js';
import { BROKER_HOST, startX509Broker } from '../support/peers/x509-broker.js';
import type { TestCertificate } from '../support/test-pki.js';

const TOKEN = 'le-api-token-0123456789';
let dir: string;
let le: LitmusEdgeStandIn;
let le4: LitmusEdgeStandIn;
let broker: MosquittoPeer;
let brokerCa: TestCertificate;
let client: TestChain;
let caFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'le-stand-in-'));
  // mosquitto_sub reads the client chain, its key and the broker's CA from files in dir.
  ({ broker, brokerCa, client } = await startX509Broker(dir));
  [le, le4] = await Promise.all([
    startLitmusEdge({
      tokens: [TOKEN],
      oauthClients: [{ id: 'ci-client', secret: 'ci-secret-value' }],
      resolve: (host, port) =>
        host === BROKER_HOST && port === 18884 ? { host: broker.host, port: broker.port } : undefined,
      publishIntervalMs: 100,
    }),
    startLitmusEdge({ mode: '4.x', tokens: [TOKEN] }),
  ]);
  caFile = join(dir, 'le.pem');
  writeFileSync(caFile, le.certPem());
});
afterAll(async () => {
  await Promise.all([le?.stop(), le4?.stop(), broker?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** curl against the stand-in, trusting its certificate; returns status and parsed body. */
const curl = (args: string[], o: { base?: string; ca?: string } = {}): Promise<CurlAnswer> =>
  curlJson(o.base ?? le.url, ['--cacert', o.ca ?? caFile], args);

const auth = ['-u', `${TOKEN}:`];

describe('Litmus Edge stand-in, with curl', () => {
  test('HTTPS with a self-signed certificate: refused without trusting it, accepted with it', async () => {
    const refused = await runCommand('curl', ['-sS', `${le.url}/cc/version`]);
    expect(refused.code).toBe(60); // curl: peer certificate cannot be authenticated
    const ok = await curl([...auth, '/cc/version']);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ version: '3.16.2' });
  });

  test('API token as HTTP Basic (token as user, empty password); anything else is 401 with {code, message}', async () => {
    expect((await curl([...auth, '/cc/providers'])).status).toBe(200);
    const wrong = await curl(['-u', 'nope:', '/cc/providers']);
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ code: 401, message: 'Unauthorized' });
    expect((await curl(['-u', `${TOKEN}:x`, '/cc/providers'])).status).toBe(401);
    expect((await curl(['/cc/providers'])).status).toBe(401);
  });

  test('OAuth2 client credentials: a form POST gives a Bearer token; bad credentials are refused', async () => {
    const form = ['-d', 'grant_type=client_credentials', '-d', 'client_id=ci-client'];
    const t = await curl([
      '-X',
      'POST',
      ...form,
      '-d',
      'client_secret=ci-secret-value',
      '/auth/v3/oauth/token',
    ]);
    expect(t.status).toBe(200);
    const token = (t.json as { access_token: string; expires_in: number }).access_token;
    expect(t.json).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect((await curl(['-H', `Authorization: Bearer ${token}`, '/cc/instances'])).status).toBe(200);
    const bad = await curl(['-X', 'POST', ...form, '-d', 'client_secret=wrong', '/auth/v3/oauth/token']);
    expect(bad.status).toBe(401);
    le.expireTokensAfter(0);
    expect((await curl(['-H', `Authorization: Bearer ${token}`, '/cc/instances'])).status).toBe(401);
  });

  test('providers and the SSL provider schema (JSON-Schema-like, _order, integers)', async () => {
    const providers = await curl([...auth, '/cc/providers']);
    expect(providers.json).toContainEqual({
      id: 'generic-mqtt-ssl',
      name: 'MQTT – Generic over SSL',
      hidden: false,
    });
    const schema = (await curl([...auth, '/cc/providers/generic-mqtt-ssl/schema'])).json as {
      properties: Record<string, { type: string }>;
      _order: string[];
    };
    expect(schema._order.slice(0, 3)).toEqual(['name', 'hostname', 'port']);
    expect(schema.properties.port!.type).toBe('integer');
    expect((await curl([...auth, '/cc/providers/nope/schema'])).status).toBe(404);
  });

  test('instance lifecycle: config is a JSON string; topics change only while disabled; an enabled instance publishes to the broker', async () => {
    const config = {
      name: 'curl-test',
      hostname: BROKER_HOST,
      port: 18884,
      clientId: 'le-curl',
      qos: 1,
      topic: 'litmus',
      caCert: brokerCa.cert,
      cert: client.chainPem,
      privateKey: client.leaf.key,
    };
    const json = ['-H', 'Content-Type: application/json'];
    const asObject = await curl([
      ...auth,
      ...json,
      '-d',
      JSON.stringify({ providerId: 'generic-mqtt-ssl', config }),
      '/cc/instances',
    ]);
    expect(asObject.status).toBe(400);
    expect(asObject.json).toEqual({ code: 400, message: 'config must be a JSON string' });
    const badPort = { ...config, port: '18884' };
    expect(
      (
        await curl([
          ...auth,
          ...json,
          '-d',
          JSON.stringify({ providerId: 'generic-mqtt-ssl', config: JSON.stringify(badPort) }),
          '/cc/instances',
        ])
      ).status,
    ).toBe(400);
    const created = await curl([
      ...auth,
      ...json,
      '-d',
      JSON.stringify({ providerId: 'generic-mqtt-ssl', config: JSON.stringify(config) }),
      '/cc/instances',
    ]);
    expect(created.status).toBe(200);
    const id = (created.json as { instanceId: string }).instanceId;
    const read = (await curl([...auth, `/cc/instances/${id}`])).json as { config: string; enabled: boolean };
    expect(typeof read.config).toBe('string');
    expect(JSON.parse(read.config)).toMatchObject({ name: 'curl-test', port: 18884 });

    expect((await curl([...auth, '-X', 'PUT', `/cc/instances/${id}/enable`])).status).toBe(204);
    const sub = [
      {
        localName: 'devicehub.alias.press1.*',
        remoteName: 'litmus/press1',
        isLocalToRemote: true,
        format: 'raw',
        enabled: true,
        topicId: null,
      },
    ];
    expect(
      (await curl([...auth, ...json, '-d', JSON.stringify(sub), `/cc/instances/${id}/createSubs`])).status,
    ).toBe(409);
    expect((await curl([...auth, '-X', 'PUT', `/cc/instances/${id}/disable`])).status).toBe(204);
    expect(
      (await curl([...auth, ...json, '-d', JSON.stringify(sub), `/cc/instances/${id}/createSubs`])).status,
    ).toBe(200);
    const device = le.state.devices.find((d) => d.name === 'sim01')!;
    expect(
      (
        await curl([
          ...auth,
          ...json,
          '-d',
          JSON.stringify({ deviceId: device.id, wildcard: false }),
          `/cc/instances/${id}/import`,
        ])
      ).status,
    ).toBe(200);
    const subs = (await curl([...auth, `/cc/instances/${id}/subs`])).json as Array<{
      topicId: string;
      localName: string;
      enabled: boolean;
    }>;
    expect(subs.map((s) => `${s.localName}:${s.enabled}`)).toEqual([
      'devicehub.alias.press1.*:false',
      'devicehub.alias.sim01.counter:false',
      'devicehub.alias.sim01.state:false',
    ]);
    const enable = await curl([
      ...auth,
      ...json,
      '-X',
      'PUT',
      '-d',
      JSON.stringify([subs[0]!.topicId]),
      `/cc/instances/${id}/enableSubs`,
    ]);
    expect(enable.status).toBe(200);

    // mosquitto_sub, presenting the same client chain, sees what the stand-in's connector publishes (--insecure:
    // the reader connects to 127.0.0.1, not to the broker's name; the connector under test checks the name).
    const sub$ = runCommand(findTool('mosquitto_sub'), [
      '-h',
      broker.host,
      '-p',
      String(broker.port),
      '--cafile',
      join(dir, 'broker-ca.pem'),
      '--cert',
      join(dir, 'chain.pem'),
      '--key',
      join(dir, 'leaf.key'),
      '--insecure',
      '-t',
      'litmus/press1',
      '-C',
      '2',
      '-W',
      '20',
      '-i',
      'curl-test-reader',
    ]);
    await broker.waitForLog(/curl-test-reader/);
    expect((await curl([...auth, '-X', 'PUT', `/cc/instances/${id}/enable`])).status).toBe(204);
    const got = await sub$;
    expect(got.code, got.stderr).toBe(0);
    const messages = got.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { deviceName: string; tagName: string });
    expect(messages).toHaveLength(2);
    expect(messages[0]!.deviceName).toBe('press1');
    expect(le.connectorStatus(id)).toMatchObject({ connected: true, topics: ['litmus/press1'] });
    expect(broker.log()).toContain('le-curl');
    expect((await curl([...auth, '-X', 'DELETE', `/cc/instances/${id}`])).status).toBe(204);
  });

  test('4.x mode: the version answers, the REST integrations API is gone (404)', async () => {
    writeFileSync(join(dir, 'le4.pem'), le4.certPem());
    const o = { base: le4.url, ca: join(dir, 'le4.pem') };
    expect((await curl([...auth, '/cc/version'], o)).json).toMatchObject({ version: '4.0.3' });
    expect((await curl([...auth, '/cc/providers'], o)).status).toBe(404);
    expect((await curl([...auth, '/cc/instances'], o)).status).toBe(404);
  });

  test('faults: 429 with Retry-After, 500, a slow answer, a dropped connection', async () => {
    le.fault({ path: '/cc/version', status: 429, retryAfterS: 2 });
    const limited = await curl(['-i', ...auth, '/cc/version']);
    expect(limited.status).toBe(429);
    expect(limited.stdout.toLowerCase()).toContain('retry-after: 2');
    le.fault({ path: '/cc/version', status: 500 });
    expect((await curl([...auth, '/cc/version'])).status).toBe(500);
    expect((await curl([...auth, '/cc/version'])).status).toBe(200);
    le.fault({ path: '/cc/version', delayMs: 3_000 });
    const slow = await curl(['--max-time', '0.5', ...auth, '/cc/version']);
    expect(slow.code).toBe(28); // curl: operation timed out
    le.fault({ path: '/cc/version', drop: true });
    expect((await curl([...auth, '/cc/version'])).code).toBe(52); // curl: empty reply from server
  });

  test('a rotated certificate: the old one no longer verifies, the SHA-256 changed', async () => {
    const before = le.sha256();
    await le.rotateCertificate();
    expect(le.sha256()).not.toBe(before);
    expect((await curl([...auth, '/cc/version'])).code).toBe(60);
    writeFileSync(caFile, le.certPem());
    expect((await curl([...auth, '/cc/version'])).status).toBe(200);
  });
});
