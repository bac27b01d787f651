// OpenAPI endpoints, deliberately schema-less.
//
// kubectl (apply/create/replace with the default --validate=strict) and helm download /openapi/v2 in the gnostic
// protobuf encoding before sending anything, and fail when it cannot be fetched or decoded. With no definitions in
// the document they skip client-side schema validation (unknown kinds are not validated), compute client-side
// apply patches from their compiled-in types (strategic merge) or as JSON merge patches (CRs), and never ask for
// server-side field validation. An empty protobuf message is a valid, empty openapi_v2.Document. /openapi/v3
// lists no group-versions, which makes kubectl fall back to the v2 path for its patch computations.

const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export interface RawResponse {
  status: number;
  contentType: string;
  body: Buffer;
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
    return { status: 200, contentType: 'application/json', body: Buffer.from(JSON.stringify({ paths: {} })) };
  }
  return undefined;
}
