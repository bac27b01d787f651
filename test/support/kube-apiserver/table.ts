// Server-side printing (meta.k8s.io/v1 Table), which `kubectl get` asks for in its Accept header.
import type { KubeObject } from './types.js';

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept.split(',')[0] ?? '');
}

function age(created: string | undefined): string {
  if (!created) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(created)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}

type Column = { name: string; type: string; format: string; description: string; priority: number };
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const column = (name: string, description: string, priority = 0, format = ''): Column => ({
  name,
  type: name === 'Restarts' ? 'integer' : 'string',
  format,
  description,
  priority,
});
const NAME = column('Name', 'Name must be unique within a namespace.', 0, 'name');
const AGE = column(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

/**
 * Pods as kubectl prints them from a real API server (Kubernetes' pod printer, simplified): READY containers,
 * STATUS (a waiting or terminated container's reason, else the phase), RESTARTS; IP and NODE with -o wide.
 */
const POD_COLUMNS: Column[] = [
  NAME,
  column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'The aggregate status of the containers in this pod.'),
  column('Restarts', 'The number of times the containers in this pod have been restarted.'),
  AGE,
  column(
    'IP',
    'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
    1,
  ),
  column('Node', 'NodeName is a request to schedule this pod onto a specific node.', 1),
];

function podCells(o: KubeObject): unknown[] {
  const status = (o.status ?? {}) as Obj;
  const containers: Obj[] = Array.isArray(status.containerStatuses) ? status.containerStatuses : [];
  const total = Array.isArray((o.spec as Obj | undefined)?.containers)
    ? (o.spec as Obj).containers.length
    : 0;
  const reason =
    containers.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find((r) => r) ??
    status.reason ??
    status.phase ??
    'Pending';
  return [
    o.metadata.name,
    `${containers.filter((c) => c.ready === true).length}/${total}`,
    o.metadata.deletionTimestamp ? 'Terminating' : reason,
    containers.reduce((n, c) => n + (Number(c.restartCount) || 0), 0),
    age(o.metadata.creationTimestamp),
    status.podIP ?? '<none>',
    (o.spec as Obj | undefined)?.nodeName ?? '<none>',
  ];
}

export function toTable(objects: KubeObject[], resourceVersion: string, includeObject: string | null) {
  const pods = objects.length > 0 && objects.every((o) => o.kind === 'Pod' && o.apiVersion === 'v1');
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: pods ? POD_COLUMNS : [NAME, AGE],
    rows: objects.map((o) => ({
      cells: pods ? podCells(o) : [o.metadata.name, age(o.metadata.creationTimestamp)],
      object:
        includeObject === 'Object'
          ? o
          : includeObject === 'None'
            ? null
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
