// The committed AIO CRDs are what scripts/gen-aio-crds.ts makes of the vendored ARM specification.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generateAioCrds, OUTPUT, renderAioCrds } from '../../scripts/gen-aio-crds.ts';
import { repoRoot } from '../support/repo-root.js';

describe('aio-crds.generated.json', () => {
  const text = readFileSync(join(repoRoot(), OUTPUT), 'utf8');
  const committed = JSON.parse(text) as unknown;
  const generated = generateAioCrds(repoRoot());

  test('regenerating yields the committed file (run node scripts/gen-aio-crds.ts after changing either)', () => {
    expect(generated).toEqual(committed);
  });

  test('byte for byte, as the script writes it (prettier-formatted)', async () => {
    expect(await renderAioCrds(repoRoot())).toBe(text);
  });

  test('spec schemas: ARM property names, enums, bounds, defaults; no ARM read-only fields', () => {
    const spec = (kind: string) => {
      const crd = generated.find((c) => (c.spec as { names: { kind: string } }).names.kind === kind)!;
      const v = (crd.spec as { versions: Array<{ schema: { openAPIV3Schema: Schema } }> }).versions[0]!;
      return v.schema.openAPIV3Schema.properties!.spec!;
    };
    const port = spec('BrokerListener').properties!.ports!.items!;
    expect(port.required).toEqual(['port']);
    expect(port.properties!.port).toMatchObject({ type: 'integer', minimum: 0, maximum: 65535 });
    expect(port.properties!.protocol).toMatchObject({ enum: ['Mqtt', 'WebSockets'], default: 'Mqtt' });
    const method = spec('BrokerAuthentication').properties!.authenticationMethods!.items!;
    expect(method.properties!.x509Settings!.properties!.trustedClientCaCert).toMatchObject({
      type: 'string',
      default: 'client-ca',
    });
    for (const kind of ['Broker', 'BrokerListener', 'BrokerAuthentication', 'BrokerAuthorization']) {
      expect(Object.keys(spec(kind).properties!)).not.toContain('provisioningState');
      expect(Object.keys(spec(kind).properties!)).not.toContain('healthState');
    }
  });
});

interface Schema {
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
}
