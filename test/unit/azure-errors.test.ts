// Azure sign-in errors become the fix a user needs, from the AADSTS code wherever the SDK wrapped it.
import { describe, expect, test } from 'vitest';
import { explainAzureError, jwtClaims } from '../../src/azure/azure-credential.js';
import { armScope, CLOUDS } from '../../src/azure/clouds.js';

const claims = {
  iss: 'https://token.actions.githubusercontent.com',
  sub: 'repo:o/r:environment:prod',
  aud: 'api://AzureADTokenExchange',
};

describe('explainAzureError', () => {
  test.each([
    [
      'AADSTS700213',
      /no federated credential matches\): the GitHub ID token had iss 'https:\/\/token\.actions\.githubusercontent\.com', sub 'repo:o\/r:environment:prod'.*subject 'repo:o\/r:environment:prod'/,
    ],
    ['AADSTS7002138', /differs in letter case.*register the subject exactly as 'repo:o\/r:environment:prod'/],
    ['AADSTS700212', /wrong audience.*set azure-audience/],
    ['AADSTS700024', /not within its valid time range.*check the runner's clock/],
    [
      'AADSTS700016',
      /application app-id not found in the tenant\)\. Fix: azure-client-id must be the application \(client\) ID, not the object ID/,
    ],
    ['AADSTS90002', /tenant not found\)\. Fix: check azure-tenant-id and azure-cloud/],
    ['AADSTS7000215', /invalid client secret\)\. Fix: use the secret's value, not its ID/],
  ])('%s', (code, expected) => {
    const wrapped = Object.assign(new Error('ClientAssertionCredential authentication failed.'), {
      cause: new Error(`invalid_client: ${code}: details follow`),
    });
    expect(explainAzureError(wrapped, claims, 'app-id').message).toMatch(expected);
  });

  test('an unknown failure keeps the first line of the original message', () => {
    expect(explainAzureError(new Error('connect ECONNREFUSED\nstack...'), undefined, undefined).message).toBe(
      'Azure sign-in failed: connect ECONNREFUSED',
    );
  });

  test('jwtClaims reads claims without needing a valid signature, and tolerates garbage', () => {
    const token = `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.y`;
    expect(jwtClaims(token)).toEqual(claims);
    expect(jwtClaims('not-a-jwt')).toEqual({});
  });
});

test.each([
  ['public', 'https://login.microsoftonline.com', 'https://management.azure.com/.default'],
  ['usgov', 'https://login.microsoftonline.us', 'https://management.usgovcloudapi.net/.default'],
  ['china', 'https://login.chinacloudapi.cn', 'https://management.chinacloudapi.cn/.default'],
] as const)('azure-cloud %s: authority and Resource Manager scope', (cloud, authority, scope) => {
  expect(CLOUDS[cloud].authorityHost).toBe(authority);
  expect(armScope(CLOUDS[cloud].resourceManager)).toBe(scope);
});
