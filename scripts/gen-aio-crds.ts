// Generates the CustomResourceDefinitions of the AIO MQTT broker kinds (mqttbroker.iotoperations.azure.com/v1) for
// the Kubernetes API server stand-in, from the vendored ARM specification: each kind's `spec` is the structural
// openAPIV3Schema of its ARM `*Properties` definition (the cluster's custom resources use the same camelCase names
// as ARM `properties`). `$ref`s are resolved (also into other files), `allOf` is flattened, polymorphic bases get
// the optional properties of their subtypes, ARM-only read-only fields (provisioningState, healthState) are dropped.
//
// Usage: node scripts/gen-aio-crds.ts [--check]
// Output: test/support/kube-apiserver/aio-crds.generated.json (test/unit/aio-crds-generated.test.ts keeps it in step).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ARM_SPEC =
  'test/contracts/azure/specification/iotoperations/resource-manager/Microsoft.IoTOperations/IoTOperations/stable/2025-10-01/iotoperations.json';
export const OUTPUT = 'test/support/kube-apiserver/aio-crds.generated.json';
export const AIO_GROUP = 'mqttbroker.iotoperations.azure.com';

type Json = Record<string, unknown>;

const KINDS: Array<{ kind: string; definition: string; description: string; extra?: Record<string, Json> }> =
  [
    { kind: 'Broker', definition: 'BrokerProperties', description: 'MQTT broker of Azure IoT Operations.' },
    {
      kind: 'BrokerListener',
      definition: 'BrokerListenerProperties',
      description: 'Ports on which the MQTT broker accepts client connections.',
      // Not in ARM (there the parent resource names the broker): the CR says which Broker it belongs to.
      extra: { brokerRef: { type: 'string', description: 'Name of the Broker this listener belongs to.' } },
    },
    {
      kind: 'BrokerAuthentication',
      definition: 'BrokerAuthenticationProperties',
      description: 'How MQTT broker clients authenticate.',
    },
    {
      kind: 'BrokerAuthorization',
      definition: 'BrokerAuthorizationProperties',
      description: 'What authenticated MQTT broker clients may do.',
    },
  ];

/** The formats a CRD schema knows (apiextensions-apiserver's supported formats); others are dropped. */
const FORMATS = new Set([
  'bsonobjectid',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'uuid3',
  'uuid4',
  'uuid5',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'byte',
  'password',
  'date',
  'duration',
  'datetime',
  'date-time',
  'int32',
  'int64',
  'float',
  'double',
]);

/** Keywords carried over as they are. */
const CARRIED = [
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
] as const;

interface Located {
  file: string;
  node: Json;
}

class Resolver {
  private readonly files = new Map<string, Json>();

  load(file: string): Json {
    let doc = this.files.get(file);
    if (!doc) {
      doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
      this.files.set(file, doc);
    }
    return doc;
  }

  /** `other.json#/definitions/X` or `#/definitions/X`, relative to `from`. */
  resolve(ref: string, from: string): Located & { key: string } {
    const [path, pointer = ''] = ref.split('#');
    const file = path ? resolve(dirname(from), path) : from;
    let node: unknown = this.load(file);
    for (const part of pointer.split('/').filter((p) => p !== '')) {
      node = (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      if (node === undefined) throw new Error(`unresolvable $ref ${ref} (from ${from})`);
    }
    return { file, node: node as Json, key: `${file}#${pointer}` };
  }

  /** The definitions (in `file`) that extend `name` through allOf: the subtypes of a polymorphic base. */
  subtypes(file: string, name: string): Json[] {
    const defs = (this.load(file).definitions ?? {}) as Record<string, Json>;
    return Object.values(defs).filter((d) =>
      ((d.allOf ?? []) as Json[]).some((p) => p.$ref === `#/definitions/${name}`),
    );
  }
}

function convert(r: Resolver, loc: Located, stack: string[]): Json {
  const { file } = loc;
  const node = loc.node;
  const description = node.description as string | undefined;
  const nullable = node['x-nullable'] === true;
  // A $ref with siblings: the siblings (description) win over the referenced definition's.
  if (typeof node.$ref === 'string') {
    const target = r.resolve(node.$ref, file);
    if (stack.includes(target.key)) return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    const name = target.key.split('/').pop()!;
    const inner = convertDefinition(r, { file: target.file, node: target.node }, name, [
      ...stack,
      target.key,
    ]);
    if (description !== undefined) inner.description = description;
    if (nullable) inner.nullable = true;
    return inner;
  }
  return convertDefinition(r, { file, node }, undefined, stack, description, nullable);
}

function convertDefinition(
  r: Resolver,
  loc: Located,
  name: string | undefined,
  stack: string[],
  description = loc.node.description as string | undefined,
  nullable = loc.node['x-nullable'] === true,
): Json {
  const node = loc.node;
  const out: Json = {};
  if (description !== undefined) out.description = description;
  for (const k of CARRIED) {
    if (node[k] === undefined) continue;
    if (k === 'format' && !FORMATS.has(String(node[k]))) continue;
    out[k] = node[k];
  }
  if (nullable) out.nullable = true;

  const properties: Record<string, Json> = {};
  const required = new Set<string>();
  const addProperties = (from: Json, optional: boolean) => {
    for (const [key, prop] of Object.entries((from.properties ?? {}) as Record<string, Json>)) {
      if (isReadOnly(r, prop, loc.file)) continue;
      if (!(key in properties)) properties[key] = convert(r, { file: loc.file, node: prop }, stack);
    }
    if (!optional) for (const key of (from.required ?? []) as string[]) required.add(key);
  };
  for (const part of (node.allOf ?? []) as Json[]) {
    const base = convert(r, { file: loc.file, node: part }, stack);
    for (const [key, prop] of Object.entries((base.properties ?? {}) as Record<string, Json>)) {
      properties[key] = prop;
    }
    for (const key of (base.required ?? []) as string[]) required.add(key);
  }
  addProperties(node, false);
  if (name && node.discriminator) {
    for (const sub of r.subtypes(loc.file, name)) addProperties(sub, true);
  }

  if (Object.keys(properties).length > 0 || node.type === 'object' || node.allOf) {
    out.type = 'object';
    if (Object.keys(properties).length > 0) out.properties = properties;
    const req = [...required].filter((k) => k in properties);
    if (req.length > 0) out.required = req;
  }
  if (node.items) out.items = convert(r, { file: loc.file, node: node.items as Json }, stack);
  const ap = node.additionalProperties;
  if (ap && typeof ap === 'object') {
    out.additionalProperties = convert(r, { file: loc.file, node: ap as Json }, stack);
  } else if (out.type === 'object' && !out.properties) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  return out;
}

function isReadOnly(r: Resolver, prop: Json, file: string): boolean {
  if (prop.readOnly === true) return true;
  if (typeof prop.$ref === 'string') {
    const target = r.resolve(prop.$ref, file);
    return target.node.readOnly === true;
  }
  return false;
}

/** The CRDs, as apiextensions.k8s.io/v1 CustomResourceDefinition objects (without status). */
export function generateAioCrds(root = ROOT): Json[] {
  const r = new Resolver();
  const spec = join(root, ARM_SPEC);
  return KINDS.map(({ kind, definition, description, extra }) => {
    const props = convert(r, { file: spec, node: { $ref: `#/definitions/${definition}` } }, []);
    if (extra) props.properties = { ...extra, ...(props.properties as Json) };
    const plural = `${kind.toLowerCase()}s`;
    const specSchema: Json = { ...props, description: `${kind}Spec: ${String(props.description ?? '')}` };
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${AIO_GROUP}` },
      spec: {
        group: AIO_GROUP,
        names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                description,
                type: 'object',
                properties: {
                  apiVersion: {
                    description:
                      'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
                    type: 'string',
                  },
                  kind: {
                    description:
                      'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
                    type: 'string',
                  },
                  metadata: { type: 'object' },
                  spec: specSchema,
                  status: {
                    description: `${kind}Status: reported by the broker operator.`,
                    type: 'object',
                    'x-kubernetes-preserve-unknown-fields': true,
                  },
                },
              },
            },
            subresources: { status: {} },
          },
        ],
        conversion: { strategy: 'None' },
      },
    };
  });
}

/** The file's text: the CRDs as JSON, formatted as the repository's prettier configuration says. */
export async function renderAioCrds(root = ROOT): Promise<string> {
  const config = (await resolveConfig(join(root, OUTPUT))) ?? {};
  return format(JSON.stringify(generateAioCrds(root), null, 2), { ...config, parser: 'json' });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = join(ROOT, OUTPUT);
  const text = await renderAioCrds();
  if (process.argv.includes('--check')) {
    if (readFileSync(out, 'utf8') !== text) {
      console.error(`${OUTPUT} is stale: run node scripts/gen-aio-crds.ts`);
      process.exit(1);
    }
  } else {
    writeFileSync(out, text);
    console.log(`wrote ${OUTPUT}`);
  }
}
