// The examples users copy must stay valid: every key they use is an input, and the config file validates.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { INPUT_SPECS } from '../../src/config/input-specs.js';
import { actionLayer } from '../../src/config/sources.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';

const names = new Set(INPUT_SPECS.map((s) => s.name));
const workflows = readdirSync('examples/workflows').filter((f) => f.endsWith('.yml'));

describe('examples', () => {
  test.each(workflows)('%s uses only real inputs', (file) => {
    const wf = parse(readFileSync(join('examples/workflows', file), 'utf8')) as {
      jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, unknown> }> }>;
    };
    const steps = Object.values(wf.jobs).flatMap((j) =>
      j.steps.filter((s) => s.uses?.includes('litmus-aio-action')),
    );
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) for (const key of Object.keys(s.with ?? {})) expect(names, key).toContain(key);
  });

  test('examples/litmus-aio.yml validates as a config file', async () => {
    const inputs = await resolveInputs([
      actionLayer((n) => (n === 'config-file' ? 'examples/litmus-aio.yml' : '')),
    ]);
    expect(inputs.stages).toEqual(['certs', 'authpolicy', 'smoke']);
    expect(inputs['authorization-attributes']?.['connector']?.attributes).toEqual({
      group: 'connector_group',
    });
  });
});
