// DeviceHub topics as connector-topics takes them, where each is sent, and what an error answer may show.
import { describe, expect, test } from 'vitest';
import { errorDetail } from '../../src/litmus/http.js';
import { remoteTopicFor, subjectProblem } from '../../src/litmus/topics.js';

describe('connector topics', () => {
  test.each([
    ['devicehub.alias.press1.temperature', 'litmus', 'litmus/devicehub/alias/press1/temperature'],
    ['devicehub.alias.press1.*', 'litmus', 'litmus/devicehub/alias/press1'],
    ['devicehub.alias.*', 'plant7/litmus/', 'plant7/litmus/devicehub/alias'],
    ['devicehub.raw.ABC.>', undefined, 'devicehub/raw/ABC'],
  ])('%s under %s -> %s', (local, prefix, remote) => {
    expect(subjectProblem(local)).toBeUndefined();
    expect(remoteTopicFor(local, prefix)).toBe(remote);
  });

  test.each([
    ['devicehub..alias', /empty token/],
    ['devicehub.>.x', /'>' must be the last token/],
    ['devicehub.al*', /'\*' must be alone in its token/],
    ['devicehub/alias/#', /uses MQTT syntax/],
    ['*.>', /matches everything/],
    ['devicehub.alias press1', /white space/],
  ])('%s is refused', (topic, problem) => {
    expect(subjectProblem(topic)).toMatch(problem);
  });
});

describe('errorDetail', () => {
  test('the message of a JSON error; a PEM block it echoes is never shown', () => {
    expect(errorDetail({ code: 400, message: 'field port must be an integer' })).toBe(
      'field port must be an integer',
    );
    const echoed = {
      message:
        'invalid config {"privateKey":"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----"}',
    };
    expect(errorDetail(echoed)).toBe('invalid config {"privateKey":"(PEM removed)"}');
    expect(errorDetail('-----BEGIN PRIVATE KEY-----\nMIGH')).toBe('(PEM removed)');
    expect(errorDetail(undefined)).toBe('""');
  });
});
