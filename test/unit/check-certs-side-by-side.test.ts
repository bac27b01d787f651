// What rotate puts into Litmus Edge's broker CA when the AIO CA changed: the AIO bundle, and beside it the CAs the
// integration trusts now only while the broker still needs them (one verifies its live server chain) and they are
// valid; without a live chain, every still-valid one (it cannot tell).
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { sideBySide } from '../../src/check-certs/remediate.js';
import { createAioRoot, DAY } from '../support/sandbox/aio-pki.js';
import { issueTestCert, type TestCertificate } from '../support/test-pki.js';

let oldCa: TestCertificate;
let newCa: TestCertificate;
let otherCa: TestCertificate;
let fromOld: string;
let fromNew: string;

beforeAll(async () => {
  [oldCa, newCa, otherCa] = await Promise.all([
    createAioRoot({ commonName: 'AIO Root 1', days: 30 }),
    createAioRoot({ commonName: 'AIO Root 2', days: 365 }),
    createAioRoot({ commonName: 'Unrelated Root', days: 365 }),
  ]);
  const server = {
    commonName: 'aio-broker',
    dnsNames: ['aio-broker'],
    notAfter: new Date(Date.now() + 20 * DAY),
  };
  fromOld = (await issueTestCert(oldCa, server)).cert;
  fromNew = (await issueTestCert(newCa, server)).cert;
});

const names = (pem: string) =>
  (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? []).map(
    (b) => /CN=([^\n,]+)/.exec(new X509Certificate(b).subject)![1],
  );

describe('the broker CA rotate puts into Litmus Edge', () => {
  const now = () => new Date();
  test.each([
    [
      'the broker still serves a certificate from the old CA: old kept beside the new',
      () => [fromOld],
      ['AIO Root 2', 'AIO Root 1'],
    ],
    ['the broker serves one from the new CA: the old one is dropped', () => [fromNew], ['AIO Root 2']],
    [
      'the live chain was not read: every still-valid CA kept',
      () => undefined,
      ['AIO Root 2', 'AIO Root 1', 'Unrelated Root'],
    ],
  ] as Array<[string, () => string[] | undefined, string[]]>)('%s', (_name, chain, expected) => {
    const current = oldCa.cert + otherCa.cert;
    expect(names(sideBySide(newCa.cert, current, now(), chain()))).toEqual(expected);
  });

  test('an expired CA is never kept, needed or not; nothing twice', () => {
    const later = new Date(Date.now() + 40 * DAY); // Root 1 (30 days) has expired
    expect(names(sideBySide(newCa.cert, oldCa.cert + newCa.cert, later, [fromOld]))).toEqual(['AIO Root 2']);
    expect(names(sideBySide(newCa.cert + oldCa.cert, oldCa.cert, now(), [fromNew]))).toEqual([
      'AIO Root 2',
      'AIO Root 1', // in the AIO bundle itself: kept
    ]);
  });
});
