// The broker CA given to Litmus Edge when the AIO CA changed (check-certs' rotate, the connector stage): the AIO
// bundle, and beside it the CAs the integration trusts now only while they are valid and, when the broker's live
// chain is known, still verify it; without a live chain, every still-valid one (it cannot tell).
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { mergeTrust } from '../../src/pki/trust-merge.js';
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

describe('mergeTrust: the broker CA Litmus Edge is given', () => {
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
    expect(
      names(
        mergeTrust(
          newCa.cert,
          current,
          now(),
          chain()?.map((p) => new X509Certificate(p)),
        ),
      ),
    ).toEqual(expected);
  });

  test('an expired CA is never kept, needed or not; nothing twice', () => {
    const later = new Date(Date.now() + 40 * DAY); // Root 1 (30 days) has expired
    expect(
      names(mergeTrust(newCa.cert, oldCa.cert + newCa.cert, later, [new X509Certificate(fromOld)])),
    ).toEqual(['AIO Root 2']);
    expect(
      names(mergeTrust(newCa.cert + oldCa.cert, oldCa.cert, now(), [new X509Certificate(fromNew)])),
    ).toEqual([
      'AIO Root 2',
      'AIO Root 1', // in the AIO bundle itself: kept
    ]);
  });
});
