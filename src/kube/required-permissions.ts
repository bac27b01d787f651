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

export function requiredPermissions(stage: StageName | 'check-certs', i: Inputs): AccessCheck[] {
  const ns = i.namespace;
  const aio = i['aio-namespace'];
  const c = (verb: string, group: string, resource: string, namespace?: string): AccessCheck => ({
    verb,
    group,
    resource,
    ...(namespace ? { namespace } : {}),
  });
  switch (stage) {
    case 'mirror':
      // Only the pull Secret touches the cluster.
      if (i['pull-secret'] === 'none') return [];
      return [
        c('get', '', 'namespaces'),
        c('create', '', 'namespaces'),
        ...['get', 'create', 'update'].map((v) => c(v, '', 'secrets', ns)),
      ];
    case 'certs':
      return [
        c('get', '', 'namespaces'),
        c('create', '', 'namespaces'),
        ...['get', 'create', 'update'].map((v) => c(v, '', 'secrets', ns)),
        ...['get', 'create', 'update'].map((v) => c(v, '', 'configmaps', aio)),
      ];
    case 'authpolicy': {
      // The trusted-CA ConfigMap is read; the ownership records (litmus-aio-ownership) are written.
      const records = ['get', 'create', 'update'].map((v) => c(v, '', 'configmaps', aio));
      if (i['authpolicy-mode'] === 'arm') return records;
      return [
        ...records,
        ...['get', 'list', 'update'].map((v) => c(v, AIO_GROUP, 'brokerlisteners', aio)),
        ...['get', 'create', 'update'].map((v) => c(v, AIO_GROUP, 'brokerauthentications', aio)),
        ...(i['topic-prefix']
          ? ['get', 'create', 'update'].map((v) => c(v, AIO_GROUP, 'brokerauthorizations', aio))
          : []),
      ];
    }
    case 'smoke':
      return [
        c('get', '', 'secrets', ns),
        c('get', '', 'configmaps', aio),
        ...(i['smoke-broker-address']
          ? []
          : [
              c('get', '', 'services', aio),
              c('list', '', 'pods', aio),
              c('get', '', 'pods', aio),
              // The tunnel is a WebSocket upgrade (a GET): authorized as get, and from Kubernetes 1.35 as create too.
              c('get', '', 'pods/portforward', aio),
              c('create', '', 'pods/portforward', aio),
            ]),
      ];
    case 'deploy':
      return deployPermissions(ns, c);
    case 'connector':
      // The client Secret (read) and the connector's state Secret beside it (TLS pins, written); the broker's CA
      // bundle; the way to Litmus Edge.
      return dedupe([
        ...['get', 'create', 'update'].map((v) => c(v, '', 'secrets', ns)),
        c('get', '', 'configmaps', aio),
        ...litmusReach(ns, i, c),
      ]);
    case 'check-certs':
      // What smoke reads (the client Secret, the CA ConfigMaps, the port-forward to the broker), cert-manager's
      // Certificates (optional: their status is reported where readable); with rotate also what certs writes.
      // With a Litmus Edge credential, what the connector reads to reach it (its state Secret with the TLS pin is
      // in `namespace`, read like the client Secret; rotate records the key it sent there, an update certs has).
      return dedupe([
        ...requiredPermissions('smoke', i),
        c('get', 'cert-manager.io', 'certificates', aio),
        c('list', 'cert-manager.io', 'certificates', aio),
        ...(litmusCredentialGiven(i) ? litmusReach(ns, i, c) : []),
        ...(i.rotate ? requiredPermissions('certs', i) : []),
      ]);
    default:
      return [];
  }
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
