// The providers and provider schemas the Litmus Edge stand-in serves.
//
// From public sources: the provider list's shape ({id, name, hidden}), the schema's shape (JSON-Schema-like
// `properties` with type/title/description/default/enum, `_order`, integer types), the id `generic-mqtt-tcp`
// and its config keys (clientId, hostname, name, persistentStorage, port, qos, queueMode, throttlingLimit, topic,
// willPayloadType, willQoS, willRetained, workersCount), and the SSL provider's name "MQTT – Generic over SSL"
// with the id `generic-mqtt-ssl` (the Jumpstart's screenshots).
// Assumed (not public): the SSL provider's property names for the CA, the client certificate and the key, and
// titles/descriptions. That is why it comes in several shapes with different property names: `a` (names close
// to the TCP sibling's), `b` (other names; some only recognisable by title or description), and `ambiguous`
// (two properties that both read as a CA). Each shape names its own ground truth (`roles`), which the stand-in's
// connector uses to connect: the product has to find the same keys from the schema alone.

export type SchemaShape = 'a' | 'b' | 'ambiguous';
export type ProviderList = 'default' | 'no-ssl' | 'renamed';

export interface Roles {
  name: string;
  host: string;
  port: string;
  ca: string;
  cert: string;
  key: string;
  clientId: string;
  qos: string;
}

export interface ProviderSchemaDoc {
  type: 'object';
  _order: string[];
  required: string[];
  properties: Record<string, Record<string, unknown>>;
}

const TCP_COMMON: Record<string, Record<string, unknown>> = {
  persistentStorage: { type: 'boolean', title: 'Persistent storage', default: true },
  queueMode: { type: 'string', title: 'Queue mode', enum: ['lifo', 'fifo'], default: 'lifo' },
  throttlingLimit: { type: 'integer', title: 'Throttling limit', default: 0 },
  willPayloadType: {
    type: 'string',
    title: 'Will payload type',
    enum: ['string', 'json'],
    default: 'string',
  },
  willQoS: { type: 'integer', title: 'Will QoS', enum: [0, 1, 2], default: 1 },
  willRetained: { type: 'boolean', title: 'Will retained', default: false },
  workersCount: { type: 'integer', title: 'Workers count', default: 100 },
};

const TCP_SCHEMA: ProviderSchemaDoc = {
  type: 'object',
  _order: ['name', 'hostname', 'port', 'clientId', 'qos', 'topic', ...Object.keys(TCP_COMMON)],
  required: ['name', 'hostname', 'port'],
  properties: {
    name: { type: 'string', title: 'Name' },
    hostname: { type: 'string', title: 'Hostname', description: 'Broker hostname or IP address' },
    port: { type: 'integer', title: 'Port', default: 1883 },
    clientId: { type: 'string', title: 'Client ID' },
    qos: { type: 'integer', title: 'QoS', enum: [0, 1, 2], default: 1 },
    topic: { type: 'string', title: 'Topic', description: 'Default topic to publish to' },
    ...TCP_COMMON,
  },
};

const SHAPE_A: ProviderSchemaDoc = {
  type: 'object',
  // The Jumpstart's screenshot of this form shows client id, username and password (left empty there).
  _order: [
    ...TCP_SCHEMA._order.slice(0, 4),
    'username',
    'password',
    ...TCP_SCHEMA._order.slice(4, 6),
    'caCert',
    'cert',
    'privateKey',
    ...Object.keys(TCP_COMMON),
  ],
  required: ['name', 'hostname', 'port', 'caCert', 'cert', 'privateKey'],
  properties: {
    ...TCP_SCHEMA.properties,
    port: { type: 'integer', title: 'Port', default: 8883 },
    username: { type: 'string', title: 'Username' },
    password: { type: 'string', title: 'Password', format: 'password' },
    caCert: { type: 'string', title: 'CA Certificate', format: 'textarea' },
    cert: {
      type: 'string',
      title: 'Certificate',
      description: 'Client certificate (PEM); paste the leaf and intermediate certificates together',
      format: 'textarea',
    },
    privateKey: { type: 'string', title: 'Private Key', format: 'password' },
  },
};

const SHAPE_B: ProviderSchemaDoc = {
  type: 'object',
  _order: [
    'connectionName',
    'server',
    'serverPort',
    'mqttClientIdentifier',
    'qualityOfService',
    'publishTopic',
    'field7',
    'field8',
    'field9',
    'keepAlive',
    'cleanSession',
  ],
  required: ['connectionName', 'server', 'serverPort', 'field7', 'field8', 'field9'],
  properties: {
    connectionName: { type: 'string', title: 'Connection name' },
    server: { type: 'string', title: 'Broker address' },
    serverPort: { type: 'integer', title: 'Broker port', default: 8883 },
    mqttClientIdentifier: { type: 'string', title: 'Client identifier' },
    qualityOfService: { type: 'integer', title: 'Quality of service', enum: [0, 1, 2], default: 0 },
    publishTopic: { type: 'string', title: 'Publish topic' },
    field7: {
      type: 'string',
      title: 'Trusted root',
      description: "PEM of the certificate authority that signed the broker's certificate",
    },
    field8: {
      type: 'string',
      title: 'Client certificate chain',
      description: 'Leaf first, then intermediates',
    },
    field9: { type: 'string', title: 'Client private key', description: 'PEM (SEC1 or PKCS#8)' },
    keepAlive: { type: 'integer', title: 'Keep alive (s)', default: 60 },
    cleanSession: { type: 'boolean', title: 'Clean session', default: true },
  },
};

const AMBIGUOUS: ProviderSchemaDoc = {
  ...SHAPE_A,
  _order: [...SHAPE_A._order, 'serverCa'],
  properties: {
    ...SHAPE_A.properties,
    serverCa: { type: 'string', title: 'Server CA certificate', description: 'Alternative CA bundle' },
  },
};

const ROLES_A: Roles = {
  name: 'name',
  host: 'hostname',
  port: 'port',
  ca: 'caCert',
  cert: 'cert',
  key: 'privateKey',
  clientId: 'clientId',
  qos: 'qos',
};

export const SHAPES: Record<SchemaShape, { schema: ProviderSchemaDoc; roles: Roles }> = {
  a: { schema: SHAPE_A, roles: ROLES_A },
  ambiguous: { schema: AMBIGUOUS, roles: ROLES_A },
  b: {
    schema: SHAPE_B,
    roles: {
      name: 'connectionName',
      host: 'server',
      port: 'serverPort',
      ca: 'field7',
      cert: 'field8',
      key: 'field9',
      clientId: 'mqttClientIdentifier',
      qos: 'qualityOfService',
    },
  },
};

export const SSL_PROVIDER = 'generic-mqtt-ssl';

export function providerList(kind: ProviderList): Array<{ id: string; name: string; hidden: boolean }> {
  const others = [
    { id: 'generic-mqtt-tcp', name: 'MQTT - Generic', hidden: false },
    { id: 'azure-iot-hub', name: 'Azure IoT Hub', hidden: false },
    { id: 'mysql', name: 'MySQL', hidden: false },
    { id: 'kafka-ssl', name: 'Kafka over SSL', hidden: false },
  ];
  if (kind === 'no-ssl') return others;
  const id = kind === 'renamed' ? 'mqtt-generic-ssl-v2' : SSL_PROVIDER;
  return [others[0]!, { id, name: 'MQTT – Generic over SSL', hidden: false }, ...others.slice(1)];
}

export function schemaFor(
  providerId: string,
  kind: ProviderList,
  shape: SchemaShape,
): { schema: ProviderSchemaDoc; roles?: Roles } | undefined {
  if (providerId === 'generic-mqtt-tcp') return { schema: TCP_SCHEMA };
  const ssl = providerList(kind).find((p) => p.name.includes('over SSL'));
  if (ssl && providerId === ssl.id) return SHAPES[shape];
  if (providerList(kind).some((p) => p.id === providerId))
    return {
      schema: {
        type: 'object',
        _order: ['name'],
        required: ['name'],
        properties: { name: { type: 'string' } },
      },
    };
  return undefined;
}
