import { X509Certificate } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createClientChain, toDistinguishedName } from '../../src/pki/chain.js';
import {
  formatDistinguishedName,
  nodeSubjectText,
  parseDistinguishedName,
  sameDistinguishedName,
} from '../../src/pki/distinguished-name.js';
import { brokerSubject } from '../../src/stages/authpolicy/desired.js';
import { decide } from '../../src/stages/certs/decide.js';

const format = (s: string): string => {
  const p = parseDistinguishedName(s);
  if (!p.ok) throw new Error(p.problem);
  return formatDistinguishedName(p.dn);
};
const problemOf = (s: string, multiValued = false): string => {
  const p = parseDistinguishedName(s, { multiValued });
  if (p.ok) throw new Error(`accepted ${s}`);
  return p.problem;
};

describe('parseDistinguishedName', () => {
  test.each([
    ['aiomqttconnector', 'CN=aiomqttconnector'],
    ['Contoso, Inc', 'CN=Contoso\\, Inc'], // a bare common name is taken whole
    ['CN = Litmus Edge Intermediate CA 1', 'CN=Litmus Edge Intermediate CA 1'],
    ['CN=a, O = Contoso, C=DE', 'CN=a, O=Contoso, C=DE'],
    ['CN=Contoso\\, Inc', 'CN=Contoso\\, Inc'],
    ['cn=x,o=y', 'CN=x, O=y'],
    ['commonName=x, E=a@b.c, street=Main St 1', 'CN=x, emailAddress=a@b.c, street=Main St 1'],
    ['CN=Z\\C3\\BCrich', 'CN=Zürich'], // UTF-8 hex escapes
    ['CN=\\#1, O=a\\+b', 'CN=\\#1, O=a\\+b'],
    ['CN=trailing\\ ', 'CN=trailing\\ '],
    ['CN=a=b', 'CN=a=b'],
    ['2.5.4.3=x, c=de', 'CN=x, C=DE'],
    [
      'DC=example, DC=com, UID=u1, serialNumber=1234, title=t, GN=g, SN=s, L=l, ST=st, OU=ou',
      'DC=example, DC=com, UID=u1, serialNumber=1234, title=t, GN=g, SN=s, L=l, ST=st, OU=ou',
    ],
  ])('%s -> %s', (input, dn) => expect(format(input)).toBe(dn));

  test.each([
    ['FOO=bar', /'FOO' is not a supported attribute type.*; use one of CN, O, OU, C/],
    ['CM=x', /did you mean 'CN'/],
    ['CN=Contoso, Inc', /'Inc' has no '=': .*escaped, e.g. O=Contoso\\, Inc/],
    ['CN="Contoso, Inc"', /quoted values are not accepted/],
    ['CN=#0403', /starts with '#'/],
    ['CN=a+O=b', /multi-valued RDN, which is not supported/],
    ['CN=', /CN has an empty value/],
    ['CN=x,', /ends with ','/],
    ['CN=x,,O=y', /empty part/],
    ['C=Germany', /C must be a two-letter country code/],
    ['C=D1', /C must be a two-letter country code/],
    ['CN=a\nb', /control character U\+000A/],
    ['CN=a\\0Ab', /control character U\+000A/],
    ['CN=\u001b[31mred', /control character U\+001B/],
    ['CN=a;b', /';' in the CN value must be escaped as \\;/],
    ['CN=a\\qb', /'\\q' in the CN value is not an escape/],
    ['CN=a\\', /lone backslash/],
    ['CN=\\C3', /not valid UTF-8/],
    [`CN=${'x'.repeat(65)}`, /65 characters long, more than 64/],
    ['serialNumber=a_b', /may hold only letters, digits/],
    ['E=ü@x', /must be ASCII/],
    ['DC=a.b', /DC must be one DNS label/],
    ['', /is empty/],
  ])('%j is rejected: %s', (input, message) => expect(problemOf(input)).toMatch(message));

  test('every attribute type we accept is one @peculiar/x509 encodes and Node prints back the same', async () => {
    const subject =
      'CN=Contoso\\, Inc \\+ Zürich, O=a\\"b\\\\c, OU=ou, C=de, L=l, ST=st, street=s 1, DC=example, UID=u, serialNumber=12, emailAddress=a@b.c, title=t, GN=g, SN=s';
    const chain = await createClientChain({
      algorithm: 'ec-p256',
      rootSubject: subject,
      intermediateSubject: 'Contoso, Inc',
      leafSubject: 'CN=leaf',
      rootDays: 10,
      intermediateDays: 5,
      leafDays: 2,
    });
    const root = new X509Certificate(chain.root.certPem);
    const inter = new X509Certificate(chain.intermediate.certPem);
    expect(sameDistinguishedName(nodeSubjectText(root.subject), subject)).toBe(true);
    expect(nodeSubjectText(inter.subject)).toBe('CN=Contoso\\, Inc');
    // The issuer is the issuer's subject byte for byte, so strict verifiers chain it.
    expect(inter.checkIssued(root)).toBe(true);
    expect(inter.verify(root.publicKey)).toBe(true);
  });
});

describe('canonical comparison', () => {
  test.each([
    ['CN=Plant  7', 'cn = plant 7'],
    ['Contoso, Inc', 'CN=Contoso\\, Inc'],
    ['CN=x, O=y', 'CN = x,O = y'],
    ['CN=x+O=y', 'O=y + CN=x'],
    ['E=a@b.c', 'emailAddress=A@B.C'],
  ])('%s = %s', (a, b) => expect(sameDistinguishedName(a, b)).toBe(true));

  test.each([
    ['CN=x, O=y', 'O=y, CN=x'],
    ['CN=Contoso', 'CN=Contoso\\, Inc'],
    ['CN=x', 'O=x'],
  ])('%s != %s', (a, b) => expect(sameDistinguishedName(a, b)).toBe(false));
});

describe('the certs stage compares subjects canonically', () => {
  test('a subject with an escaped comma is issued whole and kept on the next run (no rotate-ca demanded)', async () => {
    const s = {
      algorithm: 'ec-p256' as const,
      rootSubject: 'Contoso, Inc',
      intermediateSubject: 'CN = Contoso Intermediate, O = Contoso\\, Inc',
      leafSubject: 'cn=aiomqttconnector',
      renewBeforeDays: 3,
    };
    const chain = await createClientChain({ ...s, rootDays: 100, intermediateDays: 50, leafDays: 10 });
    const d = decide(
      {
        rootCert: chain.root.certPem,
        intermediateCert: chain.intermediate.certPem,
        intermediateKey: chain.intermediate.keyPem,
        leafCert: chain.leaf.certPem,
        leafKey: chain.leaf.keyPem,
      } as Parameters<typeof decide>[0],
      s,
      new Date(),
      'restore ca-key-dir',
    );
    expect(d).toMatchObject({ ca: 'keep', issueLeaf: false, problems: [] });
  });
});

describe('broker subjects come from the same parser', () => {
  test.each([
    ['CN=aiomqttconnector', 'CN = aiomqttconnector'],
    ['aiomqttconnector', 'CN = aiomqttconnector'],
    ['Contoso, Inc', 'CN = Contoso\\, Inc'],
    ['cn=x,o = y', 'CN = x, O = y'],
  ])('%s -> %s', (input, subject) => expect(brokerSubject(input)).toBe(subject));

  test('toDistinguishedName (chain.ts) is the same function', () => {
    expect(toDistinguishedName('Contoso, Inc')).toBe('CN=Contoso\\, Inc');
  });
});
