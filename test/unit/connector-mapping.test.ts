// The connector's schema-driven mapping: our values land on the properties a provider schema names for them, found
// by names, titles and descriptions — never by a hard-coded key — and anything ambiguous or unplaceable is refused
// with the schema's properties listed.
import { describe, expect, test } from 'vitest';
import { mapConfig, type RoleValues } from '../../src/litmus/config-mapping.js';
import { parseProviderSchema, type ProviderSchema } from '../../src/litmus/schema.js';
import { SHAPES, type SchemaShape } from '../support/litmus-edge/schemas.js';

const CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';
const CHAIN =
  '-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nINT\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN EC PRIVATE KEY-----\nKEY\n-----END EC PRIVATE KEY-----\n';
const values: RoleValues = {
  name: 'aio-broker',
  host: 'aio-broker.azure-iot-operations.svc.cluster.local',
  port: 18884,
  brokerCa: CA,
  clientChain: CHAIN,
  clientKey: KEY,
  clientId: 'litmus-edge-aio-broker',
  qos: 1,
  topic: 'litmus',
};

const schemaOf = (raw: unknown): ProviderSchema => parseProviderSchema(raw, 'test');
const shape = (s: SchemaShape): ProviderSchema => schemaOf(SHAPES[s].schema);

describe('mapConfig: each schema shape, placed exactly where the shape says', () => {
  test.each(['a', 'b'] as const)('shape %s', (s) => {
    const r = mapConfig(shape(s), values, {});
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const roles = SHAPES[s].roles;
    expect(r.placed).toMatchObject({
      name: roles.name,
      host: roles.host,
      port: roles.port,
      brokerCa: roles.ca,
      clientChain: roles.cert,
      clientKey: roles.key,
      clientId: roles.clientId,
      qos: roles.qos,
    });
    expect(r.config[roles.ca]).toBe(CA);
    expect(r.config[roles.cert]).toBe(CHAIN);
    expect(r.config[roles.key]).toBe(KEY);
    expect(r.config[roles.port]).toBe(18884); // an integer, not "18884"
    expect(r.secretKeys).toContain(roles.key);
  });

  test('shape a: the Will QoS is not the QoS, schema defaults are kept', () => {
    const r = mapConfig(shape('a'), values, {});
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.placed.qos).toBe('qos');
    expect(r.config).toMatchObject({ willQoS: 1, queueMode: 'lifo', workersCount: 100, topic: 'litmus' });
  });
});

interface Case {
  name: string;
  schema: unknown;
  overrides?: Record<string, unknown>;
  placed?: Record<string, string>;
  config?: Record<string, unknown>;
  problem?: RegExp;
}

const minimal = (props: Record<string, unknown>, required: string[] = []) => ({
  properties: props,
  required,
});
const base = {
  name: { type: 'string' },
  hostname: { type: 'string' },
  port: { type: 'integer' },
  caCert: { type: 'string' },
  clientCert: { type: 'string' },
  clientKey: { type: 'string' },
};

const CASES: Case[] = [
  {
    name: 'two properties read as a CA: refused, listing the schema',
    schema: SHAPES.ambiguous.schema,
    problem:
      /the AIO broker CA fits more than one property: caCert \("CA Certificate"\), serverCa \("Server CA certificate"\); name the property in connector-config, e\.g\. .*The schema's properties: name \(string, "Name"\), hostname/,
  },
  {
    name: 'a placeholder in connector-config settles the ambiguity',
    schema: SHAPES.ambiguous.schema,
    overrides: { caCert: '{{broker-ca}}' },
    placed: { brokerCa: 'caCert', clientChain: 'cert' },
    config: { caCert: CA },
  },
  {
    name: 'no property for the client key: refused',
    schema: minimal({
      name: base.name,
      hostname: base.hostname,
      port: base.port,
      caCert: base.caCert,
      cert: base.clientCert,
    }),
    problem: /the client private key fits no property of the schema/,
  },
  {
    name: 'a connector-config key the schema lacks: refused (a typo would be ignored silently)',
    schema: minimal(base),
    overrides: { workerCount: 5 },
    problem: /connector-config names workerCount, which the provider's schema does not have/,
  },
  {
    name: 'a literal override of a property we would set: the user wins',
    schema: minimal(base),
    overrides: { hostname: '10.0.0.5', port: '18885' },
    config: { hostname: '10.0.0.5', port: 18885 },
  },
  {
    name: 'an enum the value does not fit: refused',
    schema: minimal({ ...base, qos: { type: 'integer', enum: [0] } }),
    problem: /qos must be one of 0/,
  },
  {
    name: 'a required property nothing sets: refused, asking for connector-config',
    schema: minimal({ ...base, region: { type: 'string' } }, ['region']),
    problem: /the schema requires region, which nothing sets; give it in connector-config/,
  },
  {
    name: 'opaque names: titles and descriptions place the values',
    schema: minimal({
      f1: { type: 'string', title: 'Display name' },
      f2: { type: 'string', description: 'Hostname or IP address of the broker' },
      f3: { type: 'integer', title: 'Port' },
      f4: { type: 'string', title: 'Root certificate' },
      f5: { type: 'string', title: 'Public certificate' },
      f6: { type: 'string', title: 'Private key' },
    }),
    placed: { name: 'f1', host: 'f2', port: 'f3', brokerCa: 'f4', clientChain: 'f5', clientKey: 'f6' },
  },
  {
    name: 'a broker username is not the broker host; a key password is not the key',
    schema: minimal({ ...base, brokerUsername: { type: 'string' }, clientKeyPassword: { type: 'string' } }),
    placed: { host: 'hostname', clientKey: 'clientKey' },
  },
  {
    name: 'the schema wrapped in {schema: ...} is read the same',
    schema: { schema: minimal(base) },
    placed: { brokerCa: 'caCert', clientChain: 'clientCert', clientKey: 'clientKey' },
  },
];

describe('mapConfig: cases', () => {
  test.each(CASES)('$name', (c) => {
    const r = mapConfig(schemaOf(c.schema), values, c.overrides ?? {});
    if (c.problem) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problems.join('\n')).toMatch(c.problem);
      return;
    }
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    if (c.placed) expect(r.placed).toMatchObject(c.placed);
    if (c.config) expect(r.config).toMatchObject(c.config);
  });
});
