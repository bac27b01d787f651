// The connector decision: create, nothing to do, update on a real difference (shown without secrets), topics
// created or enabled with the instance disabled first, and refusals it cannot resolve.
import { beforeAll, describe, expect, test } from 'vitest';
import type { Instance, Subscription } from '../../src/litmus/client.js';
import { decideConnector, type DesiredIntegration } from '../../src/stages/connector/decide.js';
import { createTestCa, type TestCertificate } from '../support/test-pki.js';

let ca1: TestCertificate;
let ca2: TestCertificate;
const KEY = '-----BEGIN EC PRIVATE KEY-----\nSECRETKEYMATERIAL\n-----END EC PRIVATE KEY-----\n';

const want = (over: Partial<DesiredIntegration> = {}): DesiredIntegration => ({
  providerId: 'generic-mqtt-ssl',
  name: 'aio-broker',
  nameKey: 'name',
  config: { name: 'aio-broker', hostname: 'broker', port: 18884, caCert: ca1.cert, privateKey: KEY },
  secretKeys: ['privateKey'],
  keyProperty: 'privateKey',
  keySha256: 'k1',
  topics: [{ local: 'devicehub.alias.press1.*', remote: 'litmus/devicehub/alias/press1' }],
  ...over,
});

const instance = (config: Record<string, unknown>, enabled: boolean | 'unreported' = true): Instance => ({
  instanceId: 'i-1',
  providerId: 'generic-mqtt-ssl',
  config,
  ...(enabled !== 'unreported' ? { enabled } : {}),
});
const sub = (enabled = true, remote = 'litmus/devicehub/alias/press1'): Subscription => ({
  topicId: 't-1',
  localName: 'devicehub.alias.press1.*',
  remoteName: remote,
  isLocalToRemote: true,
  enabled,
});

beforeAll(async () => {
  [ca1, ca2] = await Promise.all([createTestCa('AIO CA one'), createTestCa('AIO CA two')]);
});

describe('decideConnector', () => {
  test('no instance: create, send the topic, enable; the plan shows no key', () => {
    const d = decideConnector({ instances: [], subs: [] }, want());
    expect(d.create).toBe(true);
    expect(d.newSubs).toHaveLength(1);
    expect(d.enable).toBe(true);
    expect(d.disableFirst).toBe(false);
    expect(d.changes[0]).toMatch(
      /^create integration 'aio-broker' \(provider generic-mqtt-ssl\) with \{name: "aio-broker", hostname: "broker", port: 18884, caCert: CN=AIO CA one, SHA-256 [0-9A-F:]+…, privateKey: \(secret\)\}$/,
    );
    expect(d.changes.join('\n')).not.toContain('SECRETKEYMATERIAL');
  });

  test('an update of an instance holding a masked secret the inputs do not give: said, as it cannot be sent back', () => {
    const live = instance({ ...want().config, caCert: ca2.cert, password: '********', username: 'u' });
    const d = decideConnector({ instances: [live], subs: [sub()] }, want());
    expect(d.configDiff).toHaveLength(1);
    expect(d.notes).toContainEqual(
      'password: Litmus Edge returns it masked and connector-config does not give it, so the update is sent without it (Litmus Edge may clear it); give password in connector-config to keep it',
    );
    expect(d.notes.join('\n')).not.toContain('username');
    // Nothing to update: nothing to say.
    const same = decideConnector(
      { instances: [instance({ ...want().config, password: '********' })], subs: [sub()] },
      want(),
    );
    expect(same.notes.filter((n) => n.startsWith('password'))).toEqual([]);
  });

  test('everything as wanted (a port stored as text counts as the same): nothing to do', () => {
    const live = instance({ ...want().config, port: '18884', extra: 'kept' });
    const d = decideConnector({ instances: [live], subs: [sub()] }, want());
    expect(d.changes).toEqual([]);
    expect(d.enable).toBe(false);
  });

  test('a changed CA: disable, update (shown by subject and fingerprint), enable', () => {
    const live = instance({ ...want().config, caCert: ca2.cert });
    const d = decideConnector({ instances: [live], subs: [sub()] }, want());
    expect(d.changes).toEqual([
      "disable integration 'aio-broker' (provider generic-mqtt-ssl, id i-1) while it changes",
      expect.stringMatching(
        /^update integration .*: caCert: CN=AIO CA two, SHA-256 .* -> CN=AIO CA one, SHA-256 /,
      ),
      "enable integration 'aio-broker' (provider generic-mqtt-ssl, id i-1)",
    ]);
  });

  test('a key Litmus Edge does not return: compared by the hash recorded when it was sent', () => {
    const live = instance({ ...want().config, privateKey: '********' });
    expect(
      decideConnector({ instances: [live], subs: [sub()], recordedKeySha256: 'k1' }, want()).changes,
    ).toEqual([]);
    const d = decideConnector({ instances: [live], subs: [sub()], recordedKeySha256: 'k0' }, want());
    expect(d.configDiff).toEqual([
      'privateKey: (secret; not returned by Litmus Edge, last sent value differs or unknown)',
    ]);
  });

  test('a key that differs is reported without its value', () => {
    const live = instance({ ...want().config, privateKey: KEY.replace('SECRET', 'OTHER') });
    const d = decideConnector({ instances: [live], subs: [sub()] }, want());
    expect(d.configDiff).toEqual(['privateKey: (secret value changed)']);
  });

  test('a new topic on an enabled instance: disable first, create it, enable after', () => {
    const topics = [
      ...want().topics,
      { local: 'devicehub.alias.sim01.*', remote: 'litmus/devicehub/alias/sim01' },
    ];
    const d = decideConnector({ instances: [instance(want().config)], subs: [sub()] }, want({ topics }));
    expect(d.disableFirst).toBe(true);
    expect(d.newSubs.map((t) => t.local)).toEqual(['devicehub.alias.sim01.*']);
    expect(d.enable).toBe(true);
  });

  test('a requested topic that is disabled is enabled; an instance left disabled is enabled', () => {
    const d = decideConnector({ instances: [instance(want().config, false)], subs: [sub(false)] }, want());
    expect(d.enableSubs.map((s) => s.topicId)).toEqual(['t-1']);
    expect(d.disableFirst).toBe(false);
    expect(d.enable).toBe(true);
  });

  test('a topic already sent to another remote name: refused, saying how to fix it', () => {
    const d = decideConnector(
      { instances: [instance(want().config)], subs: [sub(true, 'old/press1')] },
      want(),
    );
    expect(d.problems[0]).toMatch(
      /already goes to remote topic 'old\/press1', not 'litmus\/devicehub\/alias\/press1'.*delete that topic in the Litmus Edge portal/,
    );
  });

  test('two instances with our name: refused, naming both', () => {
    const two = [instance(want().config), { ...instance(want().config), instanceId: 'i-2' }];
    expect(decideConnector({ instances: two, subs: [] }, want()).problems[0]).toMatch(
      /2 integrations .* named 'aio-broker' \(ids i-1, i-2\)/,
    );
  });

  test('an instance whose enabled state is not reported, and nothing to change: left alone, with a note', () => {
    const d = decideConnector({ instances: [instance(want().config, 'unreported')], subs: [sub()] }, want());
    expect(d.changes).toEqual([]);
    expect(d.notes).toContain(
      'Litmus Edge does not say whether the integration is enabled; it was left as it is',
    );
  });
});
