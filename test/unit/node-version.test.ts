import { describe, expect, test } from 'vitest';
import { minimumOf, nodeVersionProblem } from '../../src/cli/node-version.js';

describe('nodeVersionProblem', () => {
  test.each([
    ['22.19.0', '>=22.19.0', false],
    ['22.19.1', '>=22.19.0', false],
    ['22.20.0', '>=22.19.0', false],
    ['24.0.0', '>=22.19.0', false],
    ['v24.21.0', '>=22.19.0', false],
    ['22.18.9', '>=22.19.0', true],
    ['20.20.2', '>=22.19.0', true],
    ['18.0.0', '>=22.19.0', true],
    ['22.19.0-nightly2025', '>=22.19.0', false],
  ])('Node %s against %s: refused %s', (running, range, refused) => {
    expect(nodeVersionProblem(running, range) !== undefined).toBe(refused);
  });

  test('the sentence names what was found, what is needed and how to get it', () => {
    expect(nodeVersionProblem('20.20.2', '>=22.19.0')).toBe(
      'litmus-aio needs Node.js 22.19.0 or newer, but this is Node.js 20.20.2: install a current Node.js LTS (e.g. `nvm install 24`, or actions/setup-node with node-version: 24) and run it again.',
    );
  });

  test('engines.node must be a plain lower bound (the check reads it at build time)', () => {
    expect(minimumOf('>= 22.19.0')).toEqual([22, 19, 0]);
    expect(() => minimumOf('^22')).toThrow(/engines\.node must be '>=X\.Y\.Z'/);
  });
});
