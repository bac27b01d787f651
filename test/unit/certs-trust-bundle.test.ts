// The shared trusted-client-CA bundle: each owner adds and removes only its own roots; unclaimed certificates
// are never dropped; the same inputs always give the same bundle (no flip-flop between owners).
import { describe, expect, test } from 'vitest';
import { createTestCa } from '../support/test-pki.js';
import {
  bundleText,
  claimsAnnotation,
  fingerprintOf,
  parseTrustBundle,
  withOwnRoots,
} from '../../src/stages/certs/trust-bundle.js';

const pems = await Promise.all(['A1', 'A2', 'B1', 'Foreign'].map((n) => createTestCa(n)));
const [a1, a2, b1, foreign] = pems.map((c) => ({ cert: c.cert.endsWith('\n') ? c.cert : `${c.cert}\n` })) as [
  { cert: string },
  { cert: string },
  { cert: string },
  { cert: string },
];
const fp = (p: string) => fingerprintOf(p)!;
const empty = { blocks: [], claims: {} };

describe('withOwnRoots', () => {
  test('adds an owner’s root and claims it', () => {
    const b = withOwnRoots(empty, 'ns-a/ca', [a1.cert], []);
    expect(b.blocks).toEqual([a1.cert]);
    expect(b.claims[fp(a1.cert)]?.owner).toBe('ns-a/ca');
  });

  test('a second owner keeps the first one’s root; each run is stable whichever runs last', () => {
    const first = withOwnRoots(empty, 'a', [a1.cert], []);
    const second = withOwnRoots(first, 'b', [b1.cert], []);
    expect(second.blocks).toEqual([a1.cert, b1.cert]);
    expect(withOwnRoots(second, 'a', [a1.cert], [])).toEqual(second);
    expect(withOwnRoots(second, 'b', [b1.cert], [])).toEqual(second);
  });

  test('rotation: the new root goes before the previous one; the previous one is dropped once the owner drops it', () => {
    const start = withOwnRoots({ blocks: [foreign.cert], claims: {} }, 'a', [a1.cert], []);
    const rotated = withOwnRoots(start, 'a', [a2.cert, a1.cert], [a1.cert]);
    expect(rotated.blocks).toEqual([foreign.cert, a2.cert, a1.cert]);
    const later = withOwnRoots(rotated, 'a', [a2.cert], [a2.cert]);
    expect(later.blocks).toEqual([foreign.cert, a2.cert]);
    expect(Object.keys(later.claims)).toEqual([fp(a2.cert)]);
  });

  test('unclaimed certificates are kept, unless the owner’s own state names them (adopted from before claims)', () => {
    const legacy = { blocks: [a1.cert, foreign.cert], claims: {} };
    const b = withOwnRoots(legacy, 'a', [a2.cert, a1.cert], [a1.cert]);
    expect(b.blocks).toEqual([a2.cert, a1.cert, foreign.cert]);
    expect(b.claims[fp(a1.cert)]?.owner).toBe('a');
    expect(b.claims[fp(foreign.cert)]).toBeUndefined();
  });

  test('another owner’s claimed root is never removed, even when this owner knows it', () => {
    const shared = withOwnRoots(empty, 'b', [b1.cert], []);
    expect(withOwnRoots(shared, 'a', [a1.cert], [b1.cert]).blocks).toEqual([b1.cert, a1.cert]);
  });

  test('a block that is not a certificate is kept verbatim', () => {
    const junk = '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n';
    const parsed = parseTrustBundle(junk + foreign.cert, undefined, 'ConfigMap x/y');
    expect('bundle' in parsed).toBe(true);
    if (!('bundle' in parsed)) return;
    expect(bundleText(withOwnRoots(parsed.bundle, 'a', [a1.cert], []))).toBe(junk + foreign.cert + a1.cert);
  });
});

describe('parseTrustBundle', () => {
  test('an unreadable claims annotation is a problem naming the object and the fix', () => {
    const r = parseTrustBundle(a1.cert, '{not json', 'ConfigMap azure-iot-operations/litmusedge-ca');
    expect('problem' in r && r.problem).toMatch(
      /^ConfigMap azure-iot-operations\/litmusedge-ca annotation litmus-aio\.io\/roots is not a JSON map .* Fix: /,
    );
  });

  test('claims round-trip through the annotation, keys sorted', () => {
    const b = withOwnRoots(withOwnRoots(empty, 'b', [b1.cert], []), 'a', [a1.cert], []);
    const again = parseTrustBundle(bundleText(b), claimsAnnotation(b), 'x');
    expect('bundle' in again && again.bundle).toEqual(b);
  });
});

test('a root given without a final newline still makes a valid bundle', async () => {
  const raw = (await createTestCa('Raw')).cert.trimEnd();
  const b = withOwnRoots({ blocks: [foreign.cert], claims: {} }, 'a', [raw], []);
  expect(bundleText(b)).toBe(`${foreign.cert}${raw}\n`);
});
