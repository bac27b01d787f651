// The client PKI, checked independently by openssl: chains verify for every algorithm, extensions are right.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../../src/pki/algorithms.js';
import {
  createClientChain,
  createRootCa,
  issueClientLeaf,
  toDistinguishedName,
  type ClientChain,
} from '../../src/pki/chain.js';
import { daysLeft, inspectCertificate, splitPemBundle } from '../../src/pki/inspect.js';

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'pki-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = (algorithm: KeyAlgorithm) => ({
  algorithm,
  rootSubject: 'Litmus Edge Root CA',
  intermediateSubject: 'CN = Litmus Edge Intermediate CA 1',
  leafSubject: 'aiomqttconnector',
  rootDays: 3650,
  intermediateDays: 1825,
  leafDays: 100,
});

function files(name: string, chain: ClientChain): { root: string; inter: string; leaf: string } {
  const p = (f: string, text: string): string => {
    const path = join(dir, `${name}-${f}.pem`);
    writeFileSync(path, text);
    return path;
  };
  return {
    root: p('root', chain.root.certPem),
    inter: p('inter', chain.intermediate.certPem),
    leaf: p('leaf', chain.leaf.certPem),
  };
}
const openssl = (args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8' });

describe.each(KEY_ALGORITHMS)('%s chain', (algorithm) => {
  let chain: ClientChain;
  let f: ReturnType<typeof files>;
  beforeAll(async () => {
    chain = await createClientChain(options(algorithm));
    f = files(algorithm, chain);
  });

  test('openssl verify -CAfile root -untrusted intermediate leaf (purpose sslclient)', () => {
    expect(
      openssl(['verify', '-CAfile', f.root, '-untrusted', f.inter, '-purpose', 'sslclient', f.leaf]),
    ).toBe(`${f.leaf}: OK\n`);
  });

  test('the leaf does not verify without its intermediate', () => {
    const r = spawnSync('openssl', ['verify', '-CAfile', f.root, f.leaf], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/unable to get local issuer certificate/);
  });

  test('extensions: CA constraints with path lengths, key usages, clientAuth, key identifiers', () => {
    const root = openssl(['x509', '-in', f.root, '-noout', '-text']);
    expect(root).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    expect(root).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(root).toContain('Subject Key Identifier');
    const inter = openssl(['x509', '-in', f.inter, '-noout', '-text']);
    expect(inter).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(inter).toContain('Authority Key Identifier');
    expect(inter).toContain('Subject: CN = Litmus Edge Intermediate CA 1');
    const leaf = openssl(['x509', '-in', f.leaf, '-noout', '-text']);
    expect(leaf).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(leaf).toMatch(
      algorithm === 'ec-p256'
        ? /Key Usage: critical\s+Digital Signature\n/
        : /Key Usage: critical\s+Digital Signature, Key Encipherment/,
    );
    expect(leaf).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication/);
    expect(leaf).toContain('Subject: CN = aiomqttconnector');
  });

  test('one key algorithm across the chain, and each key matches its certificate', () => {
    const want = algorithm === 'ec-p256' ? 'ec' : 'rsa';
    for (const c of [chain.root, chain.intermediate, chain.leaf]) {
      expect(inspectCertificate(c.certPem).keyType).toBe(want);
      const certPub = openssl(['x509', '-noout', '-pubkey', '-in', writeTemp(c.certPem)]);
      const keyPub = openssl(['pkey', '-pubout', '-in', writeTemp(c.keyPem)]);
      expect(keyPub).toBe(certPub);
    }
    if (algorithm !== 'ec-p256') {
      expect(openssl(['x509', '-in', f.leaf, '-noout', '-text'])).toContain(
        `Public-Key: (${algorithm.slice(4)} bit)`,
      );
    } else {
      expect(openssl(['x509', '-in', f.leaf, '-noout', '-text'])).toContain('ASN1 OID: prime256v1');
    }
  });
});

let n = 0;
function writeTemp(text: string): string {
  const p = join(dir, `t${n++}.pem`);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
}

describe('chain details', () => {
  test('validities: defaults as asked, leaf clamped to its issuer', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const chain = await createClientChain({
      ...options('ec-p256'),
      now,
      intermediateDays: 30,
      leafDays: 100,
    });
    const inter = inspectCertificate(chain.intermediate.certPem);
    const leaf = inspectCertificate(chain.leaf.certPem);
    const root = inspectCertificate(chain.root.certPem);
    expect(daysLeft(root.notAfter, now)).toBe(3650);
    expect(leaf.notAfter.getTime()).toBe(inter.notAfter.getTime());
    expect(leaf.notBefore.getTime()).toBeLessThan(now.getTime());
  });

  test('serials are random, positive and 128 bits', async () => {
    const serials = new Set<string>();
    const root = await createRootCa({ algorithm: 'ec-p256', rootSubject: 'R', rootDays: 1 });
    const inter = await createClientChain(options('ec-p256'));
    for (let i = 0; i < 8; i++) {
      const leaf = await issueClientLeaf(inter.intermediate, {
        algorithm: 'ec-p256',
        leafSubject: 'x',
        leafDays: 1,
      });
      serials.add(inspectCertificate(leaf.certPem).serial);
    }
    serials.add(inspectCertificate(root.certPem).serial);
    expect(serials.size).toBe(9);
    for (const s of serials) {
      const hex = s.replace(/^00/, '');
      expect(hex.length).toBeGreaterThanOrEqual(30); // 16 random bytes; a leading zero nibble is possible
      expect(hex.length).toBeLessThanOrEqual(32);
    }
  });

  test.each([
    ['aiomqttconnector', 'CN=aiomqttconnector'],
    ['CN = Litmus Edge Intermediate CA 1', 'CN=Litmus Edge Intermediate CA 1'],
    ['CN=a, O = Contoso, C=DE', 'CN=a, O=Contoso, C=DE'],
  ])('subject %s -> %s', (input, dn) => expect(toDistinguishedName(input)).toBe(dn));

  test('splitPemBundle keeps order', async () => {
    const c = await createClientChain(options('ec-p256'));
    const parts = splitPemBundle(c.leaf.certPem + c.intermediate.certPem);
    expect(parts.map((p) => inspectCertificate(p).subject)).toEqual([
      'CN=aiomqttconnector',
      'CN=Litmus Edge Intermediate CA 1',
    ]);
  });
});
