// OpenAPI endpoints: schema-less for the built-in kinds, the generated CRD schemas for the AIO custom resources.
//
// kubectl (apply/create/replace with the default --validate=strict) and helm download /openapi/v2 in the gnostic
// protobuf encoding before sending anything, and fail when it cannot be fetched or decoded. With no definitions in
// the document they skip client-side schema validation (unknown kinds are not validated), compute client-side
// apply patches from their compiled-in types (strategic merge) or as JSON merge patches (CRs). An empty protobuf
// message is a valid, empty openapi_v2.Document.
//
// /openapi/v3 lists only the AIO group-version (apis/mqttbroker.iotoperations.azure.com/v1), published as the
// apiextensions-apiserver publishes CRDs: a component schema per kind (with x-kubernetes-group-version-kind, which
// `kubectl explain` looks for) and the resource paths, whose PATCH operations take `fieldValidation`, which is how
// kubectl decides to ask for server-side field validation (?fieldValidation=Strict) instead of validating itself.
// Built-in group-versions are not listed, so kubectl falls back to the (empty) v2 document for them.
import { createHash } from 'node:crypto';
import { AIO_CRDS, type Crd, type Schema } from './crd-schema.js';

const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export interface RawResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';

/** `mqttbroker.iotoperations.azure.com` → `com.azure.iotoperations.mqttbroker`, the CRD schema name prefix. */
function reversedGroup(group: string): string {
  return group.split('.').reverse().join('.');
}

function queryParam(name: string, description: string, type = 'string') {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const WRITE_PARAMS = [
  queryParam('dryRun', 'When present, indicates that modifications should not be persisted.'),
  queryParam(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  queryParam(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict',
  ),
];

function groupVersionDoc(group: string, version: string, crds: Crd[]) {
  const schemas: Record<string, unknown> = {
    [OBJECT_META]: {
      description:
        'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
      type: 'object',
      properties: {
        name: { description: 'Name must be unique within a namespace.', type: 'string' },
        namespace: {
          description: 'Namespace defines the space within which each name must be unique.',
          type: 'string',
        },
        labels: {
          description: 'Map of string keys and values that can be used to organize and categorize objects.',
          type: 'object',
          additionalProperties: { type: 'string', default: '' },
        },
        annotations: {
          description: 'Annotations is an unstructured key value map stored with a resource.',
          type: 'object',
          additionalProperties: { type: 'string', default: '' },
        },
      },
    },
    [LIST_META]: {
      description: 'ListMeta describes metadata that synthetic resources must have.',
      type: 'object',
    },
  };
  const paths: Record<string, unknown> = {};
  for (const crd of crds) {
    const v = crd.spec.versions.find((x) => x.name === version);
    if (!v) continue;
    const { kind, listKind, plural } = crd.spec.names;
    const gvk = { group, version, kind };
    const name = `${reversedGroup(group)}.${version}.${kind}`;
    const root = v.schema.openAPIV3Schema;
    const props = { ...(root.properties ?? {}) } as Record<string, Schema | Record<string, unknown>>;
    props.metadata = {
      description:
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
      allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }],
    };
    schemas[name] = { ...root, properties: props, 'x-kubernetes-group-version-kind': [gvk] };
    schemas[`${name}List`] = {
      description: `${listKind} is a list of ${kind}`,
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: root.properties?.apiVersion,
        kind: root.properties?.kind,
        items: { type: 'array', items: { $ref: `#/components/schemas/${name}` } },
        metadata: { allOf: [{ $ref: `#/components/schemas/${LIST_META}` }] },
      },
      'x-kubernetes-group-version-kind': [{ group, version, kind: listKind }],
    };
    const ok = (schema: string) => ({
      description: 'OK',
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
    });
    const op = (action: string, verb: string, params: unknown[], schema = name, extra = {}) => ({
      tags: [`${reversedGroup(group)}_${version}`],
      description: `${verb} the specified ${kind}`,
      operationId: `${action}${kind}`,
      parameters: params,
      ...extra,
      responses: { '200': ok(schema) },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    const body = (types: string[]) => ({
      requestBody: {
        content: Object.fromEntries(
          types.map((t) => [t, { schema: { $ref: `#/components/schemas/${name}` } }]),
        ),
        required: true,
      },
    });
    const nsParam = {
      name: 'namespace',
      in: 'path',
      description: 'object name and auth scope, such as for teams and projects',
      required: true,
      schema: { type: 'string', uniqueItems: true },
    };
    const nameParam = { ...nsParam, name: 'name', description: `name of the ${kind}` };
    const base = `/apis/${group}/${version}/namespaces/{namespace}/${plural}`;
    paths[base] = {
      get: op('list', 'list', [], `${name}List`),
      post: op('post', 'create', WRITE_PARAMS, name, body(['application/json', 'application/yaml'])),
      parameters: [nsParam],
    };
    const patchTypes = [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/apply-patch+yaml',
    ];
    paths[`${base}/{name}`] = {
      get: op('get', 'read', []),
      put: op('put', 'replace', WRITE_PARAMS, name, body(['application/json', 'application/yaml'])),
      patch: op(
        'patch',
        'partially update',
        [...WRITE_PARAMS, queryParam('force', 'Force is going to "force" Apply requests.', 'boolean')],
        name,
        body(patchTypes),
      ),
      delete: op('delete', 'delete', [
        queryParam('dryRun', 'When present, indicates that modifications should not be persisted.'),
      ]),
      parameters: [nameParam, nsParam],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' },
    paths,
    components: { schemas },
  };
}

/** The published group-versions: `apis/<group>/<version>` → document. */
function v3Documents(): Map<string, Buffer> {
  const byGv = new Map<string, Crd[]>();
  for (const crd of AIO_CRDS) {
    for (const v of crd.spec.versions) {
      const key = `apis/${crd.spec.group}/${v.name}`;
      byGv.set(key, [...(byGv.get(key) ?? []), crd]);
    }
  }
  const docs = new Map<string, Buffer>();
  for (const [key, crds] of byGv) {
    const [, group, version] = key.split('/');
    docs.set(key, Buffer.from(JSON.stringify(groupVersionDoc(group!, version!, crds))));
  }
  return docs;
}

const V3 = v3Documents();

function v3Root(): Buffer {
  const paths: Record<string, unknown> = {};
  for (const [key, doc] of V3) {
    const hash = createHash('sha512').update(doc).digest('hex').toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return Buffer.from(JSON.stringify({ paths }));
}

export function openApi(path: string, accept: string | undefined): RawResponse | undefined {
  if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') {
    if (accept?.includes('protobuf')) return { status: 200, contentType: V2_PROTOBUF, body: Buffer.alloc(0) };
    const doc = {
      swagger: '2.0',
      info: { title: 'Kubernetes', version: 'v1.32.4' },
      paths: {},
      definitions: {},
    };
    return { status: 200, contentType: 'application/json', body: Buffer.from(JSON.stringify(doc)) };
  }
  if (path === '/openapi/v3') {
    return { status: 200, contentType: 'application/json', body: v3Root() };
  }
  const doc = path.startsWith('/openapi/v3/') ? V3.get(path.slice('/openapi/v3/'.length)) : undefined;
  if (doc) return { status: 200, contentType: 'application/json', body: doc };
  return undefined;
}
