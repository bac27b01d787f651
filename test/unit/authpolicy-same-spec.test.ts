// What the broker service adds to a stored spec must not read as someone else's change.
import { describe, expect, test } from 'vitest';
import { sameSpec } from '../../src/stages/authpolicy/desired.js';

const rule = {
  principals: { attributes: [{ group: 'connector_group' }] },
  brokerResources: [{ method: 'Connect' }, { method: 'Publish', topics: ['litmus/#'] }],
};

describe('sameSpec', () => {
  test.each([
    [
      'the schema defaults the service fills in (empty lists)',
      {
        principals: { attributes: [{ group: 'connector_group' }], clientIds: [], usernames: [] },
        brokerResources: [
          { method: 'Connect', clientIds: [], topics: [] },
          { method: 'Publish', topics: ['litmus/#'], clientIds: [] },
        ],
      },
      true,
    ],
    [
      'status fields the service adds',
      { ...rule, provisioningState: 'Succeeded', healthState: 'Available' },
      true,
    ],
    ['another key order', { brokerResources: rule.brokerResources, principals: rule.principals }, true],
    [
      'a username someone added',
      { ...rule, principals: { ...rule.principals, usernames: ['intruder'] } },
      false,
    ],
    [
      'another topic',
      { ...rule, brokerResources: [{ method: 'Connect' }, { method: 'Publish', topics: ['#'] }] },
      false,
    ],
    ['a resource dropped', { ...rule, brokerResources: [{ method: 'Connect' }] }, false],
  ])('%s: same = %s', (_what, live, same) => {
    expect(sameSpec(live, rule)).toBe(same);
  });
});
