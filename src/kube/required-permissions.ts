// The Kubernetes permissions each stage needs, as SelfSubjectAccessReview checks and as the Role rules to
// grant. docs/permissions.md and deploy/rbac/ are checked against this table by the tests.
import type { StageName } from '../config/catalog.js';
import type { Inputs } from '../config/input-specs.js';
import type { AccessCheck } from './kube-client.js';

const AIO_GROUP = 'mqttbroker.iotoperations.azure.com';

export function requiredPermissions(stage: StageName, i: Inputs): AccessCheck[] {
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
              c('create', '', 'pods/portforward', aio),
            ]),
      ];
    case 'connector':
      // The client Secret (read) and the connector's state Secret beside it (TLS pins, written); the broker's CA
      // bundle; by default a port-forward to the release's Service.
      return [
        ...['get', 'create', 'update'].map((v) => c(v, '', 'secrets', ns)),
        c('get', '', 'configmaps', aio),
        ...(i['litmus-edge-url']
          ? []
          : [
              c('get', '', 'services', ns),
              c('list', '', 'pods', ns),
              c('get', '', 'pods', ns),
              c('create', '', 'pods/portforward', ns),
            ]),
      ];
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
