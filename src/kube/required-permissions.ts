// The Kubernetes permissions each stage needs, as SelfSubjectAccessReview checks and as the Role rules to
// grant. docs/permissions.md and deploy/rbac/ are checked against this table by the tests.
import type { StageName } from '../config/catalog.js';
import type { Inputs } from '../config/input-specs.js';
import { litmusCredentialGiven } from '../config/inputs-connector.js';
import type { AccessCheck } from './kube-client.js';

const AIO_GROUP = 'mqttbroker.iotoperations.azure.com';

type Check = (verb: string, group: string, resource: string, namespace?: string) => AccessCheck;

/**
 * deploy, all in the release namespace but the namespace itself. Ours: the pull Secret (read), the deploy lock (a
 * Lease, released by an update, never deleted), and the rollout's progress and evidence (Deployments, pods and
 * their logs, claims, events). helm's: its release storage (Secrets: history is a list, each revision one Secret,
 * deleted past the history limit and on uninstall), the chart's objects (read first; server-side apply is a patch,
 * authorized as create too when the object is new; deleted when a revision drops one, on rollback or uninstall),
 * and its kstatus watcher (a watch per kind, with a list where the cluster has no streaming lists; a Deployment's
 * ReplicaSets and pods are listed). The data claim is never deleted (helm.sh/resource-policy: keep). The chart's
 * `helm test` pod is not run by the stage.
 */
function deployPermissions(ns: string, c: Check): AccessCheck[] {
  const chartObject = (group: string, resource: string, deletable = true) =>
    ['get', 'list', 'watch', 'create', 'patch', ...(deletable ? ['delete'] : [])].map((v) =>
      c(v, group, resource, ns),
    );
  return [
    c('get', '', 'namespaces'),
    c('create', '', 'namespaces'),
    ...['get', 'list', 'create', 'update', 'delete'].map((v) => c(v, '', 'secrets', ns)),
    ...['get', 'create', 'update'].map((v) => c(v, 'coordination.k8s.io', 'leases', ns)),
    ...chartObject('apps', 'deployments'),
    ...chartObject('', 'services'),
    ...chartObject('', 'serviceaccounts'),
    ...chartObject('', 'persistentvolumeclaims', false),
    c('list', 'apps', 'replicasets', ns),
    c('list', '', 'pods', ns),
    c('get', '', 'pods/log', ns),
    c('list', '', 'events', ns),
  ];
}

/**
 * Litmus Edge's API, by default through a port-forward to the release's Service: the Service read, its ready pod
 * found by a list, and the tunnel, a WebSocket upgrade: a GET, so authorized as `get` (and also as `create` since
 * Kubernetes 1.35, AuthorizePodWebsocketUpgradeCreatePermission). Nothing with litmus-edge-url.
 */
function litmusReach(ns: string, i: Inputs, c: Check): AccessCheck[] {
  if (i['litmus-edge-url']) return [];
  return [
    c('get', '', 'secrets', ns),
    c('get', '', 'services', ns),
    c('list', '', 'pods', ns),
    c('get', '', 'pods/portforward', ns),
    c('create', '', 'pods/portforward', ns),
  ];
}

const check: Check = (verb, group, resource, namespace) => ({
  verb,
  group,
  resource,
  ...(namespace ? { namespace } : {}),
});
const each = (verbs: string[], group: string, resource: string, namespace?: string): AccessCheck[] =>
  verbs.map((v) => check(v, group, resource, namespace));
const namespaceCreate = (): AccessCheck[] => each(['get', 'create'], '', 'namespaces');

/** Only the pull Secret touches the cluster. */
const mirrorPermissions = (i: Inputs): AccessCheck[] =>
  i['pull-secret'] === 'none'
    ? []
    : [...namespaceCreate(), ...each(['get', 'create', 'update'], '', 'secrets', i.namespace)];

const certsPermissions = (i: Inputs): AccessCheck[] => [
  ...namespaceCreate(),
  ...each(['get', 'create', 'update'], '', 'secrets', i.namespace),
  ...each(['get', 'create', 'update'], '', 'configmaps', i['aio-namespace']),
];

/** The trusted-CA ConfigMap is read; the ownership records (litmus-aio-ownership) are written. */
function authpolicyPermissions(i: Inputs): AccessCheck[] {
  const aio = i['aio-namespace'];
  const records = each(['get', 'create', 'update'], '', 'configmaps', aio);
  if (i['authpolicy-mode'] === 'arm') return records;
  return [
    ...records,
    ...each(['get', 'list', 'update'], AIO_GROUP, 'brokerlisteners', aio),
    ...each(['get', 'create', 'update'], AIO_GROUP, 'brokerauthentications', aio),
    ...(i['topic-prefix'] ? each(['get', 'create', 'update'], AIO_GROUP, 'brokerauthorizations', aio) : []),
  ];
}

function smokePermissions(i: Inputs): AccessCheck[] {
  const aio = i['aio-namespace'];
  return [
    check('get', '', 'secrets', i.namespace),
    check('get', '', 'configmaps', aio),
    ...(i['smoke-broker-address']
      ? []
      : [
          check('get', '', 'services', aio),
          ...each(['list', 'get'], '', 'pods', aio),
          // The tunnel is a WebSocket upgrade (a GET): authorized as get, and from Kubernetes 1.35 as create too.
          ...each(['get', 'create'], '', 'pods/portforward', aio),
        ]),
  ];
}

/**
 * The client Secret (read) and the connector's state Secret beside it (TLS pins, written); the broker's CA
 * bundle; the way to Litmus Edge.
 */
const connectorPermissions = (i: Inputs): AccessCheck[] =>
  dedupe([
    ...each(['get', 'create', 'update'], '', 'secrets', i.namespace),
    check('get', '', 'configmaps', i['aio-namespace']),
    ...litmusReach(i.namespace, i, check),
  ]);

/**
 * What smoke reads (the client Secret, the CA ConfigMaps, the port-forward to the broker), cert-manager's
 * Certificates (optional: their status is reported where readable); with rotate also what certs writes. With a
 * Litmus Edge credential, what the connector reads to reach it (its state Secret with the TLS pin is in
 * `namespace`, read like the client Secret; rotate records the key it sent there, an update certs has).
 */
const checkCertsPermissions = (i: Inputs): AccessCheck[] =>
  dedupe([
    ...smokePermissions(i),
    ...each(['get', 'list'], 'cert-manager.io', 'certificates', i['aio-namespace']),
    ...(litmusCredentialGiven(i) ? litmusReach(i.namespace, i, check) : []),
    ...(i.rotate ? certsPermissions(i) : []),
  ]);

const PERMISSIONS: Record<StageName | 'check-certs', (i: Inputs) => AccessCheck[]> = {
  mirror: mirrorPermissions,
  deploy: (i) => deployPermissions(i.namespace, check),
  certs: certsPermissions,
  authpolicy: authpolicyPermissions,
  connector: connectorPermissions,
  smoke: smokePermissions,
  'check-certs': checkCertsPermissions,
};

export function requiredPermissions(stage: StageName | 'check-certs', i: Inputs): AccessCheck[] {
  return PERMISSIONS[stage]?.(i) ?? [];
}

const key = (a: AccessCheck): string => `${a.verb} ${a.group}/${a.resource} ${a.namespace ?? '*'}`;

export function dedupe(checks: AccessCheck[]): AccessCheck[] {
  return [...new Map(checks.map((a) => [key(a), a])).values()];
}

/** Role (or ClusterRole for cluster-scoped resources) rules granting exactly the denied checks. */
export function rulesFor(denied: AccessCheck[]): string {
  const byScope = new Map<string, AccessCheck[]>();
  for (const d of denied) {
    const scope = d.namespace ? `Role in namespace ${d.namespace}` : 'ClusterRole';
    byScope.set(scope, [...(byScope.get(scope) ?? []), d]);
  }
  const out: string[] = [];
  for (const [scope, checks] of byScope) {
    out.push(`${scope}:`);
    const byResource = new Map<string, Set<string>>();
    for (const c of checks) {
      const k = `${c.group}|${c.resource}`;
      byResource.set(k, (byResource.get(k) ?? new Set()).add(c.verb));
    }
    for (const [k, verbs] of byResource) {
      const [group, resource] = k.split('|');
      out.push(
        `  - apiGroups: ["${group}"]\n    resources: ["${resource}"]\n    verbs: [${[...verbs].map((v) => `"${v}"`).join(', ')}]`,
      );
    }
  }
  return out.join('\n');
}
