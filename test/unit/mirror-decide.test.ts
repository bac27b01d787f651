import { describe, expect, test } from 'vitest';
import { decideMirror } from '../../src/stages/mirror/decide.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const target = 'registry.example/litmusedge/litmusedge-std-docker:3.16.2';

describe('decideMirror', () => {
  test.each([
    ['tag absent: copy', { expected: A }, false, { action: 'copy' }],
    ['same digest: nothing to do', { expected: A, current: A }, false, { action: 'none', digest: A }],
    ['moved tag, force-retag: retag', { expected: A, current: B }, true, { action: 'retag', from: B }],
  ] as const)('%s', (_what, observed, forceRetag, decision) => {
    expect(decideMirror(observed, { forceRetag, target })).toEqual(decision);
  });

  test('moved tag without force-retag: refused, naming both digests and the fix', () => {
    const d = decideMirror({ expected: A, current: B }, { forceRetag: false, target });
    expect(d).toMatchObject({ action: 'refuse' });
    if (d.action !== 'refuse') return;
    expect(d.problem).toBe(
      `${target} already names ${B}, not the source image ${A}: tagging it again would make the version label lie`,
    );
    expect(d.fix).toContain('force-retag: true');
  });
});
