import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  choosePlatforms,
  copyOrder,
  OCI_INDEX,
  OCI_MANIFEST,
  platformMatches,
} from '../../src/registry/copy-plan.js';
import type { ManifestNode } from '../../src/registry/copy-plan.js';
import { retryDelay } from '../../src/registry/retry.js';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const blob = (name: string) => ({
  mediaType: 'application/octet-stream',
  digest: sha(name),
  size: name.length,
});

function image(name: string, layers: string[]): ManifestNode {
  const bytes = Buffer.from(JSON.stringify({ name }));
  return {
    digest: sha(name),
    mediaType: OCI_MANIFEST,
    bytes,
    children: [],
    blobs: [blob(`${name}-config`), ...layers.map(blob)],
  };
}
const amd = image('amd', ['shared', 'a1']);
const arm = image('arm', ['shared', 'r1']);
const armV7 = image('armv7', ['v7']);
const indexDoc = {
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  manifests: [
    {
      mediaType: OCI_MANIFEST,
      digest: amd.digest,
      size: amd.bytes.length,
      platform: { os: 'linux', architecture: 'amd64' },
    },
    {
      mediaType: OCI_MANIFEST,
      digest: arm.digest,
      size: arm.bytes.length,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    },
    {
      mediaType: OCI_MANIFEST,
      digest: armV7.digest,
      size: armV7.bytes.length,
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
    },
  ],
};
const indexBytes = Buffer.from(JSON.stringify(indexDoc));
const index: ManifestNode = {
  digest: sha(indexBytes.toString()),
  mediaType: OCI_INDEX,
  bytes: indexBytes,
  children: [amd, arm, armV7],
  blobs: [],
};

describe('copyOrder', () => {
  test('blobs once each; manifests children first, the index last', () => {
    const o = copyOrder(index);
    expect(o.manifests.map((m) => m.digest)).toEqual([amd.digest, arm.digest, armV7.digest, index.digest]);
    expect(o.blobs.map((b) => b.digest)).toEqual(
      ['amd-config', 'shared', 'a1', 'arm-config', 'r1', 'armv7-config', 'v7'].map(sha),
    );
  });
});

describe('choosePlatforms', () => {
  test.each([
    [['linux/amd64'], 'amd'],
    [['linux/arm64'], 'arm'], // variant-less matches arm64/v8
    [['linux/arm64/v8'], 'arm'],
    [['linux/arm/v7'], 'armv7'],
  ])('%j → that platform’s own manifest, marked rewritten', (want, name) => {
    const c = choosePlatforms(index, want);
    expect('top' in c && c.top.digest).toBe(sha(name));
    expect('top' in c && c.rewritten?.sourceDigest).toBe(index.digest);
  });

  test('several → an index of just those, same fields otherwise, new digest', () => {
    const c = choosePlatforms(index, ['linux/amd64', 'linux/arm64']);
    if (!('top' in c)) throw new Error(c.problem);
    const doc = JSON.parse(c.top.bytes.toString()) as typeof indexDoc;
    expect(doc).toEqual({ ...indexDoc, manifests: indexDoc.manifests.slice(0, 2) });
    expect(c.top.digest).toBe(sha(c.top.bytes.toString()));
    expect(c.top.digest).not.toBe(index.digest);
    expect(c.top.children).toEqual([amd, arm]);
    expect(c.rewritten?.why).toMatch(/reduced to linux\/amd64, linux\/arm64\/v8/);
  });

  test.each([[['linux/s390x']], [['linux/amd64', 'windows/amd64']], [['linux/arm/v6']]])(
    '%j is a problem naming what there is',
    (want) => {
      expect(choosePlatforms(index, want)).toEqual({
        problem: expect.stringMatching(
          /has no platform .* \(it has linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7\)/,
        ),
      });
    },
  );

  test.each([
    ['linux/arm', 'linux/arm/v7', true],
    ['linux/arm/v6', 'linux/arm/v7', false],
    ['linux/amd64', 'linux/amd64', true],
    ['linux/amd64', 'windows/amd64', false],
  ])('platformMatches(%s, %s) = %s', (w, h, r) => expect(platformMatches(w, h)).toBe(r));
});

describe('retryDelay', () => {
  const p = { retries: 4, baseMs: 500, maxMs: 30_000 };
  test.each([
    [0, undefined, 0, 250],
    [0, undefined, 1, 500],
    [3, undefined, 1, 4000],
    [10, undefined, 1, 30_000],
    [0, 2000, 0.5, 2000], // Retry-After wins
    [0, 120_000, 0.5, 30_000], // but is capped
  ])('attempt %i, Retry-After %s, jitter %s → %i ms', (attempt, after, random, want) => {
    expect(retryDelay(p, attempt, after, random)).toBe(want);
  });
});
