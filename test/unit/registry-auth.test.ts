import { describe, expect, test } from 'vitest';
import {
  anonymousAuth,
  basicAuth,
  googleKeyAuth,
  parseChallenge,
  parseChallenges,
} from '../../src/registry/auth.js';
import type { Challenge, TokenGet } from '../../src/registry/auth.js';
import { RegistryError } from '../../src/registry/errors.js';

describe('parseChallenge', () => {
  test.each<[string, Challenge | undefined]>([
    [
      'Basic realm="litmus-sandbox-registry"',
      { scheme: 'basic', params: { realm: 'litmus-sandbox-registry' } },
    ],
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push"',
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/alpine:pull,push',
        },
      },
    ],
    [
      'bearer Realm=https://x/token, Service=reg , scope="a:b:pull"',
      { scheme: 'bearer', params: { realm: 'https://x/token', service: 'reg', scope: 'a:b:pull' } },
    ],
    [
      'Bearer realm="r",error="invalid_token",error_description="the \\"token\\" expired"',
      {
        scheme: 'bearer',
        params: { realm: 'r', error: 'invalid_token', error_description: 'the "token" expired' },
      },
    ],
    // Several challenges: Bearer preferred.
    [
      'Basic realm="b", Bearer realm="t",service="s"',
      { scheme: 'bearer', params: { realm: 't', service: 's' } },
    ],
    ['Basic', { scheme: 'basic', params: {} }],
    ['', undefined],
    ['realm="x"', undefined],
  ])('%s', (h, want) => {
    expect(parseChallenge(h)).toEqual(want);
  });

  test('all challenges, in order', () => {
    expect(parseChallenges('Negotiate, Basic realm="a,b"').map((c) => [c.scheme, c.params])).toEqual([
      ['negotiate', {}],
      ['basic', { realm: 'a,b' }],
    ]);
  });
});

describe('RegistryAuth', () => {
  const bearer: Challenge = {
    scheme: 'bearer',
    params: { realm: 'https://auth.test/token', service: 'reg' },
  };
  function fakeRealm(answers: { status: number; body: string }[]) {
    const calls: { url: URL; headers: Record<string, string> }[] = [];
    const get: TokenGet = async (url, headers) => {
      calls.push({ url, headers });
      return answers.shift() ?? { status: 500, body: '' };
    };
    return { calls, get };
  }

  test('basic challenge: Basic header; anonymous: none', async () => {
    const r = fakeRealm([]);
    const basic = { scheme: 'basic', params: {} };
    expect(await basicAuth('u', 'p:w').authorization(basic, [], { fresh: false, get: r.get })).toBe(
      `Basic ${Buffer.from('u:p:w').toString('base64')}`,
    );
    expect(await anonymousAuth().authorization(basic, [], { fresh: false, get: r.get })).toBeUndefined();
    expect(
      await basicAuth('u', 'p').authorization(undefined, [], { fresh: false, get: r.get }),
    ).toBeUndefined();
    expect(r.calls).toEqual([]);
  });

  test('bearer: token from the realm with service and scopes, basic credentials; cached per scope; fresh refetches', async () => {
    const r = fakeRealm([
      { status: 200, body: '{"token":"t1","expires_in":300}' },
      { status: 200, body: '{"access_token":"t2"}' },
      { status: 200, body: '{"token":"t3"}' },
    ]);
    const a = basicAuth('user', 'secret');
    const scopes = ['repository:a/b:pull,push', 'repository:c:pull'];
    expect(await a.authorization(bearer, scopes, { fresh: false, get: r.get })).toBe('Bearer t1');
    expect(await a.authorization(bearer, scopes, { fresh: false, get: r.get })).toBe('Bearer t1');
    expect(await a.authorization(bearer, ['repository:x:pull'], { fresh: false, get: r.get })).toBe(
      'Bearer t2',
    );
    expect(await a.authorization(bearer, scopes, { fresh: true, get: r.get })).toBe('Bearer t3');
    expect(r.calls).toHaveLength(3);
    const first = r.calls[0]!;
    expect(first.url.origin + first.url.pathname).toBe('https://auth.test/token');
    expect(first.url.searchParams.get('service')).toBe('reg');
    expect(first.url.searchParams.getAll('scope')).toEqual(scopes);
    expect(first.headers['authorization']).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`);
  });

  test('anonymous bearer: no Authorization on the token request', async () => {
    const r = fakeRealm([{ status: 200, body: '{"token":"anon"}' }]);
    expect(
      await anonymousAuth().authorization(bearer, ['repository:a:pull'], { fresh: false, get: r.get }),
    ).toBe('Bearer anon');
    expect(r.calls[0]!.headers['authorization']).toBeUndefined();
  });

  test('an expired token is fetched again', async () => {
    let now = 0;
    const r = fakeRealm([
      { status: 200, body: '{"token":"old","expires_in":60}' },
      { status: 200, body: '{"token":"new","expires_in":60}' },
    ]);
    const a = basicAuth('u', 'p', () => now);
    expect(await a.authorization(bearer, ['s'], { fresh: false, get: r.get })).toBe('Bearer old');
    now = 55_000;
    expect(await a.authorization(bearer, ['s'], { fresh: false, get: r.get })).toBe('Bearer new');
  });

  test('the realm refuses: RegistryError naming the user, never the password or the key', async () => {
    const key = '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----SECRET"}';
    const r = fakeRealm([{ status: 401, body: '{"errors":[{"code":"UNAUTHORIZED"}]}' }]);
    const err = await googleKeyAuth(key)
      .authorization(bearer, ['repository:a:pull'], { fresh: false, get: r.get })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).kind).toBe('unauthorized');
    expect((err as RegistryError).message).toMatch(/auth\.test refused the credentials of user _json_key/);
    expect((err as RegistryError).message).not.toMatch(/SECRET|PRIVATE/);
    expect(r.calls[0]!.headers['authorization']).toBe(
      `Basic ${Buffer.from(`_json_key:${key}`).toString('base64')}`,
    );
  });

  test('an answer without a token is an error', async () => {
    const r = fakeRealm([{ status: 200, body: '{}' }]);
    await expect(
      basicAuth('u', 'p').authorization(bearer, ['s'], { fresh: false, get: r.get }),
    ).rejects.toThrow(/without a token or access_token/);
  });
});
