// Decoding of Kubernetes protobuf request bodies (application/vnd.kubernetes.protobuf).
//
// client-go's generated typed clients prefer protobuf for built-in kinds since 1.31, so kubectl (`auth can-i`,
// `create secret|configmap|namespace|serviceaccount|role|rolebinding`) and helm (release Secrets,
// --create-namespace, uninstall) send protobuf bodies while
// accepting JSON answers. The envelope is the 4-byte magic "k8s\0" followed by a runtime.Unknown message
// {typeMeta{apiVersion, kind}, raw, contentEncoding, contentType}; `raw` is the object in the kind's protobuf
// schema. Only the kinds those clients write are described here (field numbers from k8s.io/api generated.proto).
import { ApiError } from './status.js';

type FieldType =
  | 'string'
  | 'bytes'
  | 'int'
  | 'bool'
  | 'time'
  | 'map<string,string>'
  | 'map<string,bytes>'
  | 'string[]'
  | { message: string }
  | { repeated: string };

type Schema = Record<number, [name: string, type: FieldType]>;

const SCHEMAS: Record<string, Schema> = {
  ObjectMeta: {
    1: ['name', 'string'],
    2: ['generateName', 'string'],
    3: ['namespace', 'string'],
    5: ['uid', 'string'],
    6: ['resourceVersion', 'string'],
    7: ['generation', 'int'],
    8: ['creationTimestamp', 'time'],
    11: ['labels', 'map<string,string>'],
    12: ['annotations', 'map<string,string>'],
    13: ['ownerReferences', { repeated: 'OwnerReference' }],
    14: ['finalizers', 'string[]'],
  },
  OwnerReference: {
    1: ['kind', 'string'],
    3: ['name', 'string'],
    4: ['uid', 'string'],
    5: ['apiVersion', 'string'],
    6: ['controller', 'bool'],
    7: ['blockOwnerDeletion', 'bool'],
  },
  Secret: {
    1: ['metadata', { message: 'ObjectMeta' }],
    2: ['data', 'map<string,bytes>'],
    3: ['type', 'string'],
    4: ['stringData', 'map<string,string>'],
    5: ['immutable', 'bool'],
  },
  ConfigMap: {
    1: ['metadata', { message: 'ObjectMeta' }],
    2: ['data', 'map<string,string>'],
    3: ['binaryData', 'map<string,bytes>'],
    4: ['immutable', 'bool'],
  },
  Namespace: {
    1: ['metadata', { message: 'ObjectMeta' }],
    2: ['spec', { message: 'NamespaceSpec' }],
  },
  NamespaceSpec: { 1: ['finalizers', 'string[]'] },
  ServiceAccount: {
    1: ['metadata', { message: 'ObjectMeta' }],
    4: ['automountServiceAccountToken', 'bool'],
  },
  Role: { 1: ['metadata', { message: 'ObjectMeta' }], 2: ['rules', { repeated: 'PolicyRule' }] },
  ClusterRole: { 1: ['metadata', { message: 'ObjectMeta' }], 2: ['rules', { repeated: 'PolicyRule' }] },
  PolicyRule: {
    1: ['verbs', 'string[]'],
    2: ['apiGroups', 'string[]'],
    3: ['resources', 'string[]'],
    4: ['resourceNames', 'string[]'],
    5: ['nonResourceURLs', 'string[]'],
  },
  RoleBinding: {
    1: ['metadata', { message: 'ObjectMeta' }],
    2: ['subjects', { repeated: 'Subject' }],
    3: ['roleRef', { message: 'RoleRef' }],
  },
  ClusterRoleBinding: {
    1: ['metadata', { message: 'ObjectMeta' }],
    2: ['subjects', { repeated: 'Subject' }],
    3: ['roleRef', { message: 'RoleRef' }],
  },
  Subject: {
    1: ['kind', 'string'],
    2: ['apiGroup', 'string'],
    3: ['name', 'string'],
    4: ['namespace', 'string'],
  },
  RoleRef: { 1: ['apiGroup', 'string'], 2: ['kind', 'string'], 3: ['name', 'string'] },
  SelfSubjectAccessReview: {
    1: ['metadata', { message: 'ObjectMeta' }],
    2: ['spec', { message: 'SelfSubjectAccessReviewSpec' }],
  },
  SelfSubjectAccessReviewSpec: {
    1: ['resourceAttributes', { message: 'ResourceAttributes' }],
    2: ['nonResourceAttributes', { message: 'NonResourceAttributes' }],
  },
  ResourceAttributes: {
    1: ['namespace', 'string'],
    2: ['verb', 'string'],
    3: ['group', 'string'],
    4: ['version', 'string'],
    5: ['resource', 'string'],
    6: ['subresource', 'string'],
    7: ['name', 'string'],
  },
  NonResourceAttributes: { 1: ['path', 'string'], 2: ['verb', 'string'] },
  SelfSubjectRulesReview: {
    1: ['metadata', { message: 'ObjectMeta' }],
    2: ['spec', { message: 'SelfSubjectRulesReviewSpec' }],
  },
  SelfSubjectRulesReviewSpec: { 1: ['namespace', 'string'] },
  SelfSubjectReview: { 1: ['metadata', { message: 'ObjectMeta' }] },
  DeleteOptions: {
    1: ['gracePeriodSeconds', 'int'],
    2: ['preconditions', { message: 'Preconditions' }],
    3: ['orphanDependents', 'bool'],
    4: ['propagationPolicy', 'string'],
    5: ['dryRun', 'string[]'],
  },
  Preconditions: { 1: ['uid', 'string'], 2: ['resourceVersion', 'string'] },
  TypeMeta: { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] },
  Unknown: {
    1: ['typeMeta', { message: 'TypeMeta' }],
    2: ['raw', 'bytes'],
    3: ['contentEncoding', 'string'],
    4: ['contentType', 'string'],
  },
  Time: { 1: ['seconds', 'int'], 2: ['nanos', 'int'] },
  MapEntry: { 1: ['key', 'bytes'], 2: ['value', 'bytes'] },
};

interface Field {
  no: number;
  value: number | Buffer;
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let off = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = buf[off++];
      if (b === undefined) throw new Error('truncated varint');
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
  };
  while (off < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    switch (key & 7) {
      case 0:
        out.push({ no, value: varint() });
        break;
      case 1:
        out.push({ no, value: buf.subarray(off, off + 8) });
        off += 8;
        break;
      case 2: {
        const len = varint();
        out.push({ no, value: buf.subarray(off, off + len) });
        off += len;
        break;
      }
      case 5:
        out.push({ no, value: buf.subarray(off, off + 4) });
        off += 4;
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${key & 7}`);
    }
  }
  return out;
}

function decode(buf: Buffer, type: string): Record<string, unknown> {
  const schema = SCHEMAS[type];
  if (!schema) throw new Error(`no protobuf schema for ${type}`);
  const out: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    const spec = schema[f.no];
    if (!spec) continue;
    const [name, t] = spec;
    const bytes = () => (Buffer.isBuffer(f.value) ? f.value : Buffer.alloc(0));
    if (t === 'string') out[name] = bytes().toString('utf8');
    else if (t === 'bytes') out[name] = bytes();
    else if (t === 'int') out[name] = typeof f.value === 'number' ? f.value : 0;
    else if (t === 'bool') out[name] = f.value === 1;
    else if (t === 'time') {
      const ts = decode(bytes(), 'Time');
      out[name] = new Date(Number(ts.seconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    } else if (t === 'string[]') ((out[name] ??= []) as string[]).push(bytes().toString('utf8'));
    else if (t === 'map<string,string>' || t === 'map<string,bytes>') {
      const e = decode(bytes(), 'MapEntry');
      const key = (e.key as Buffer | undefined)?.toString('utf8') ?? '';
      const value = (e.value as Buffer | undefined) ?? Buffer.alloc(0);
      (out[name] ??= {} as Record<string, string>) as Record<string, string>;
      (out[name] as Record<string, string>)[key] =
        t === 'map<string,bytes>' ? value.toString('base64') : value.toString('utf8');
    } else if ('message' in t) out[name] = decode(bytes(), t.message);
    else ((out[name] ??= []) as unknown[]).push(decode(bytes(), t.repeated));
  }
  return out;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const SUPPORTED =
  'Secret, ConfigMap, Namespace, ServiceAccount, Role, RoleBinding, ClusterRole, ClusterRoleBinding, ' +
  'SelfSubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview and DeleteOptions';

/** Decodes a protobuf-encoded Kubernetes object into its JSON form. */
export function decodeProtobuf(body: Buffer, contentType: string): Record<string, unknown> {
  const fail = (what = 'this body') =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      `the kube-apiserver stand-in cannot decode ${what} as ${contentType}: protobuf is understood for ${SUPPORTED}; send application/json`,
    );
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw fail();
  let unknown: Record<string, unknown>;
  try {
    unknown = decode(body.subarray(4), 'Unknown');
  } catch {
    throw fail();
  }
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const kind = typeMeta.kind ?? '';
  if (!SCHEMAS[kind] || kind === 'Unknown' || kind === 'TypeMeta') throw fail(`kind ${JSON.stringify(kind)}`);
  const obj = decode((unknown.raw as Buffer | undefined) ?? Buffer.alloc(0), kind);
  return { ...(typeMeta.apiVersion ? { apiVersion: typeMeta.apiVersion } : {}), kind, ...obj };
}
