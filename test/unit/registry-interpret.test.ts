import { describe, expect, test } from 'vitest';
import { interpretAnswer, retryAfterMs } from '../../src/registry/interpret.js';
import type { RegistryAnswer } from '../../src/registry/interpret.js';
import { registryErrorBody } from '../../src/registry/errors.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('interpretAnswer', () => {
  test.each<[number, Record<string, string>, RegistryAnswer]>([
    [200, {}, { kind: 'ok' }],
    [201, {}, { kind: 'ok' }],
    [202, {}, { kind: 'ok' }],
    [307, {}, { kind: 'ok' }],
    [404, {}, { kind: 'not-found' }],
    [
      401,
      { 'www-authenticate': 'Basic realm="r"' },
      { kind: 'unauthorized', challenge: { scheme: 'basic', params: { realm: 'r' } } },
    ],
    [
      401,
      { 'www-authenticate': 'Basic realm="r", Bearer realm="t"' },
      { kind: 'unauthorized', challenge: { scheme: 'bearer', params: { realm: 't' } } },
    ],
    [401, {}, { kind: 'unauthorized', challenge: undefined }],
    [403, {}, { kind: 'denied' }],
    [429, { 'retry-after': '7' }, { kind: 'retry-after', afterMs: 7000 }],
    [429, {}, { kind: 'retry-after', afterMs: undefined }],
    [408, {}, { kind: 'retry-after', afterMs: undefined }],
    [503, { 'retry-after': '2' }, { kind: 'retry-after', afterMs: 2000 }],
    [503, { 'retry-after': 'Mon, 30 Nov 2026 12:00:05 GMT' }, { kind: 'retry-after', afterMs: 5000 }],
    [503, { 'retry-after': 'soon' }, { kind: 'server-error', status: 503 }],
    [500, {}, { kind: 'server-error', status: 500 }],
    [502, {}, { kind: 'server-error', status: 502 }],
    [501, {}, { kind: 'rejected', status: 501 }],
    [400, {}, { kind: 'rejected', status: 400 }],
    [405, {}, { kind: 'rejected', status: 405 }],
    [413, {}, { kind: 'rejected', status: 413 }],
  ])('%i %j', (status, headers, want) => {
    expect(interpretAnswer(status, headers, NOW)).toEqual(want);
    expect(interpretAnswer(status, new Headers(headers), NOW)).toEqual(want);
  });

  test('Retry-After in the past is 0', () => {
    expect(retryAfterMs('Mon, 30 Nov 2026 11:00:00 GMT', NOW)).toBe(0);
    expect(retryAfterMs(undefined, NOW)).toBeUndefined();
  });
});

describe('registryErrorBody', () => {
  test.each([
    [
      '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}',
      { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' },
    ],
    ['{"errors":[{"code":"DENIED"}]}', { code: 'DENIED', message: '' }],
    ['{"errors":[]}', undefined],
    ['not json', undefined],
    ['', undefined],
  ])('%s', (body, want) => {
    expect(registryErrorBody(body)).toEqual(want);
  });
});
