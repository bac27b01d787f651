// The catalogue of resource types the stand-in serves: what discovery advertises and what the REST layer accepts.
import type { Gvr } from './types.js';

export interface SubresourceType {
  kind: string;
  verbs: string[];
  /** Group/version of the subresource's kind when it differs from the parent's (e.g. autoscaling/v1 Scale). */
  group?: string;
  version?: string;
}

export interface ResourceType extends Gvr {
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  subresources: Record<string, SubresourceType>;
  /** Built into Kubernetes (typed): lists omit kind/apiVersion per item and strategic merge patch is supported. */
  builtin: boolean;
  /** The object has a status block that only the status subresource (or create) writes. */
  statusSubresource: boolean;
  /** metadata.generation is tracked (bumped on spec changes). */
  generation: boolean;
  /** Only stored through create (e.g. access reviews): never persisted. */
  virtual?: boolean;
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS: SubresourceType = { kind: '', verbs: ['get', 'patch', 'update'] };
const SCALE: SubresourceType = {
  kind: 'Scale',
  verbs: ['get', 'patch', 'update'],
  group: 'autoscaling',
  version: 'v1',
};

interface Def {
  gv: string;
  resource: string;
  kind: string;
  namespaced?: boolean;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: Record<string, SubresourceType>;
  builtin?: boolean;
  generation?: boolean;
  virtual?: boolean;
}

function def(d: Def): ResourceType {
  const slash = d.gv.indexOf('/');
  const group = slash < 0 ? '' : d.gv.slice(0, slash);
  const version = slash < 0 ? d.gv : d.gv.slice(slash + 1);
  const subresources: Record<string, SubresourceType> = {};
  for (const [name, sub] of Object.entries(d.subresources ?? {})) {
    subresources[name] = { ...sub, kind: sub.kind || d.kind };
  }
  return {
    group,
    version,
    resource: d.resource,
    kind: d.kind,
    listKind: `${d.kind}List`,
    singular: d.kind.toLowerCase(),
    namespaced: d.namespaced ?? true,
    verbs: d.verbs ?? CRUD,
    shortNames: d.shortNames ?? [],
    categories: d.categories ?? [],
    subresources,
    builtin: d.builtin ?? true,
    statusSubresource: 'status' in subresources,
    generation: d.generation ?? false,
    ...(d.virtual ? { virtual: true } : {}),
  };
}

export const AIO_GROUP = 'mqttbroker.iotoperations.azure.com';

export const RESOURCES: readonly ResourceType[] = [
  def({
    gv: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: { status: STATUS },
  }),
  def({ gv: 'v1', resource: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] }),
  def({ gv: 'v1', resource: 'secrets', kind: 'Secret' }),
  def({
    gv: 'v1',
    resource: 'services',
    kind: 'Service',
    shortNames: ['svc'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: { status: STATUS },
  }),
  def({
    gv: 'v1',
    resource: 'pods',
    kind: 'Pod',
    shortNames: ['po'],
    categories: ['all'],
    subresources: {
      status: STATUS,
      log: { kind: 'Pod', verbs: ['get'] },
      portforward: { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    },
  }),
  def({ gv: 'v1', resource: 'events', kind: 'Event', shortNames: ['ev'] }),
  def({ gv: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'] }),
  def({
    gv: 'v1',
    resource: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    shortNames: ['pvc'],
    subresources: { status: STATUS },
  }),
  def({
    gv: 'v1',
    resource: 'nodes',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    subresources: { status: STATUS },
  }),
  def({
    gv: 'apps/v1',
    resource: 'deployments',
    kind: 'Deployment',
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: { status: STATUS, scale: SCALE },
    generation: true,
  }),
  def({
    gv: 'apps/v1',
    resource: 'replicasets',
    kind: 'ReplicaSet',
    shortNames: ['rs'],
    categories: ['all'],
    subresources: { status: STATUS, scale: SCALE },
    generation: true,
  }),
  def({
    gv: 'apps/v1',
    resource: 'statefulsets',
    kind: 'StatefulSet',
    shortNames: ['sts'],
    categories: ['all'],
    subresources: { status: STATUS, scale: SCALE },
    generation: true,
  }),
  def({ gv: 'coordination.k8s.io/v1', resource: 'leases', kind: 'Lease' }),
  // Workload and cluster kinds the workload controllers (controllers/) act on or that charts commonly ship.
  def({ gv: 'v1', resource: 'endpoints', kind: 'Endpoints', shortNames: ['ep'] }),
  def({
    gv: 'v1',
    resource: 'persistentvolumes',
    kind: 'PersistentVolume',
    namespaced: false,
    shortNames: ['pv'],
    subresources: { status: STATUS },
  }),
  def({
    gv: 'batch/v1',
    resource: 'jobs',
    kind: 'Job',
    categories: ['all'],
    subresources: { status: STATUS },
    generation: true,
  }),
  def({ gv: 'discovery.k8s.io/v1', resource: 'endpointslices', kind: 'EndpointSlice' }),
  def({ gv: 'events.k8s.io/v1', resource: 'events', kind: 'Event', shortNames: ['ev'] }),
  def({
    gv: 'networking.k8s.io/v1',
    resource: 'ingresses',
    kind: 'Ingress',
    shortNames: ['ing'],
    subresources: { status: STATUS },
    generation: true,
  }),
  def({
    gv: 'autoscaling/v2',
    resource: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: { status: STATUS },
    generation: true,
  }),
  def({
    gv: 'policy/v1',
    resource: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    shortNames: ['pdb'],
    subresources: { status: STATUS },
    generation: true,
  }),
  def({
    gv: 'storage.k8s.io/v1',
    resource: 'storageclasses',
    kind: 'StorageClass',
    namespaced: false,
    shortNames: ['sc'],
  }),
  def({ gv: 'rbac.authorization.k8s.io/v1', resource: 'roles', kind: 'Role' }),
  def({ gv: 'rbac.authorization.k8s.io/v1', resource: 'rolebindings', kind: 'RoleBinding' }),
  def({
    gv: 'rbac.authorization.k8s.io/v1',
    resource: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
  }),
  def({
    gv: 'rbac.authorization.k8s.io/v1',
    resource: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  }),
  def({
    gv: 'apiextensions.k8s.io/v1',
    resource: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: { status: STATUS },
  }),
  def({
    gv: 'authorization.k8s.io/v1',
    resource: 'selfsubjectaccessreviews',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    verbs: ['create'],
    virtual: true,
  }),
  // `kubectl auth can-i --list` and `kubectl auth whoami`: answered by server.ts from rbac.ts, never stored.
  ...[
    { gv: 'authorization.k8s.io/v1', resource: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview' },
    { gv: 'authentication.k8s.io/v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview' },
  ].map((d) => def({ ...d, namespaced: false, verbs: ['create'], virtual: true })),
  ...['Broker', 'BrokerListener', 'BrokerAuthentication', 'BrokerAuthorization'].map((kind) =>
    def({
      gv: `${AIO_GROUP}/v1`,
      resource: `${kind.toLowerCase()}s`,
      kind,
      builtin: false,
      generation: true,
      subresources: { status: STATUS },
    }),
  ),
  // cert-manager's Certificate (a cluster with AIO has cert-manager): schema in cert-manager-crd.ts.
  def({
    gv: 'cert-manager.io/v1',
    resource: 'certificates',
    kind: 'Certificate',
    shortNames: ['cert', 'certs'],
    categories: ['cert-manager'],
    builtin: false,
    generation: true,
    subresources: { status: STATUS },
  }),
];

/** Group → versions served, in discovery order (legacy core group is ''). */
export function groups(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of RESOURCES) {
    const versions = out.get(r.group) ?? [];
    if (!versions.includes(r.version)) versions.push(r.version);
    out.set(r.group, versions);
  }
  return out;
}

export function findResource(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return RESOURCES.find((r) => r.group === group && r.version === version && r.kind === kind);
}

/**
 * Resolves what tests pass to the store: a Gvr, `"configmaps"`, `"apps/v1/deployments"`, `"deployments.apps"`,
 * or `"mqttbroker.iotoperations.azure.com/v1/brokerlisteners"`.
 */
export function resolveResource(ref: Gvr | string): ResourceType {
  let found: ResourceType | undefined;
  if (typeof ref !== 'string') {
    found = findResource(ref.group, ref.version, ref.resource);
  } else {
    const parts = ref.split('/');
    if (parts.length === 3) found = findResource(parts[0]!, parts[1]!, parts[2]!);
    else if (parts.length === 2) found = findResource('', parts[0]!, parts[1]!);
    else {
      const dot = ref.indexOf('.');
      const plural = dot < 0 ? ref : ref.slice(0, dot);
      const group = dot < 0 ? '' : ref.slice(dot + 1);
      found = RESOURCES.find(
        (r) => (r.resource === plural || r.shortNames.includes(plural)) && (dot < 0 || r.group === group),
      );
    }
  }
  if (!found) throw new Error(`kube-apiserver stand-in: unknown resource ${JSON.stringify(ref)}`);
  return found;
}

export function apiVersionOf(r: Gvr): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The resource as the apiserver names it in messages: `configmaps`, `deployments.apps`. */
export function qualifiedName(r: Gvr): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}
