// check-certs' input rules, checked before anything is contacted: thresholds, rotate against the leaf's
// lifetime, fleet-cluster without fleet, and — once a Litmus Edge credential is given, so the integration is
// read — the connector's rule of exactly one way to authenticate.
import { beforeAll, describe, expect, test } from 'vitest';
import { checkCertsInputProblems } from '../../src/check-certs/settings.js';
import { litmusCredentialGiven } from '../../src/config/inputs-connector.js';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';

let defaults: Inputs;
const litmusConfigured = (i: Inputs): boolean => litmusCredentialGiven(i);
beforeAll(async () => {
  defaults = await resolveInputs([]);
});

const cases: Array<[string, Partial<Inputs>, string[]]> = [
  ['the defaults', {}, []],
  ['fail-days above warn-days', { 'fail-days': 30, 'warn-days': 20 }, ['fail-days']],
  [
    'rotate with a leaf that would be flagged again at once',
    { rotate: true, 'client-cert-days': 20 },
    ['client-cert-days'],
  ],
  ['fleet-cluster without fleet', { 'fleet-cluster': 'plant7' }, ['fleet-cluster']],
  ['a Litmus Edge token', { 'litmus-edge-token': 'le-token-1' }, []],
  ['OAuth2 client id and secret', { 'litmus-edge-client-id': 'ci', 'litmus-edge-client-secret': 'cs' }, []],
  ['a client id without its secret', { 'litmus-edge-client-id': 'ci' }, ['litmus-edge-client-secret']],
  [
    'a secret without its client id',
    { 'litmus-edge-client-secret': 'cs-secret-1' },
    ['litmus-edge-client-id'],
  ],
  [
    'a token and client credentials',
    {
      'litmus-edge-token': 'le-token-1',
      'litmus-edge-client-id': 'ci',
      'litmus-edge-client-secret': 'cs-secret-1',
    },
    ['litmus-edge-token'],
  ],
];

describe('check-certs input rules', () => {
  test.each(cases)('%s', (_name, over, inputs) => {
    const problems = checkCertsInputProblems({ ...defaults, ...over });
    expect(problems.map((p) => p.input)).toEqual(inputs);
    for (const p of problems) {
      expect(p.problem.length).toBeGreaterThan(10);
      expect(p.example.length).toBeGreaterThan(0);
      // A secret input's value is never quoted back.
      expect(JSON.stringify(p)).not.toMatch(/le-token-1|cs-secret-1/);
    }
  });

  test('the integration is read only when a Litmus Edge credential is given', () => {
    expect(litmusConfigured(defaults)).toBe(false);
    expect(litmusConfigured({ ...defaults, 'litmus-edge-url': 'https://10.0.0.9' })).toBe(false);
    expect(litmusConfigured({ ...defaults, 'litmus-edge-token': 't' })).toBe(true);
    expect(litmusConfigured({ ...defaults, 'litmus-edge-client-id': 'ci' })).toBe(true);
  });
});
