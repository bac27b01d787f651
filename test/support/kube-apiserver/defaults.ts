// Defaulting and the few validations the apiserver applies to the kinds we serve.
import type { ResourceType } from './resources.js';
import { badRequest, invalid, type StatusCause } from './status.js';
import { isPlainObject, type KubeObject } from './types.js';

type Obj = Record<string, unknown>;

function obj(parent: Obj, key: string): Obj {
  if (!isPlainObject(parent[key])) parent[key] = {};
  return parent[key] as Obj;
}

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function defaultContainers(list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    if (!isPlainObject(c)) continue;
    const image = typeof c.image === 'string' ? c.image : '';
    const tagged = /:[^/]+$/.test(image) && !image.endsWith(':latest');
    setDefault(c, 'imagePullPolicy', tagged || image.includes('@') ? 'IfNotPresent' : 'Always');
    setDefault(c, 'terminationMessagePath', '/dev/termination-log');
    setDefault(c, 'terminationMessagePolicy', 'File');
    setDefault(c, 'resources', {});
    if (Array.isArray(c.ports))
      for (const p of c.ports) if (isPlainObject(p)) setDefault(p, 'protocol', 'TCP');
  }
}

function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  defaultContainers(spec.containers);
  defaultContainers(spec.initContainers);
}

let nextClusterIp = 10;

/** Applies the defaults kube-apiserver would (the subset that matters to clients and kstatus). */
export function applyDefaults(r: ResourceType, o: KubeObject, existing?: KubeObject): void {
  const spec = (): Obj => obj(o, 'spec');
  switch (`${r.group}/${r.resource}`) {
    case '/namespaces':
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name! };
      setDefault(spec(), 'finalizers', ['kubernetes']);
      o.status = { phase: 'Active' };
      break;
    case '/secrets':
      setDefault(o, 'type', 'Opaque');
      break;
    case '/services': {
      const s = spec();
      setDefault(s, 'type', 'ClusterIP');
      const prevSpec = isPlainObject(existing?.spec) ? existing.spec : {};
      if (!s.clusterIP && s.type !== 'ExternalName') {
        s.clusterIP =
          prevSpec.clusterIP ?? `10.96.${Math.floor(nextClusterIp / 250)}.${(nextClusterIp++ % 250) + 1}`;
      }
      if (s.clusterIP && !s.clusterIPs) s.clusterIPs = [s.clusterIP];
      setDefault(s, 'sessionAffinity', 'None');
      setDefault(s, 'ipFamilies', ['IPv4']);
      setDefault(s, 'ipFamilyPolicy', 'SingleStack');
      setDefault(s, 'internalTrafficPolicy', 'Cluster');
      if (Array.isArray(s.ports)) {
        for (const p of s.ports) {
          if (!isPlainObject(p)) continue;
          setDefault(p, 'protocol', 'TCP');
          setDefault(p, 'targetPort', p.port);
        }
      }
      setDefault(o, 'status', { loadBalancer: {} });
      break;
    }
    case '/pods':
      defaultPodSpec(spec());
      setDefault(o, 'status', { phase: 'Pending', qosClass: 'BestEffort' });
      break;
    case '/persistentvolumeclaims':
      setDefault(spec(), 'volumeMode', 'Filesystem');
      setDefault(o, 'status', { phase: 'Pending' });
      break;
    case 'apps/deployments': {
      const s = spec();
      setDefault(s, 'replicas', 1);
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'progressDeadlineSeconds', 600);
      setDefault(s, 'strategy', {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      });
      defaultPodSpec(obj(obj(s, 'template'), 'spec'));
      break;
    }
    case 'apps/replicasets':
      setDefault(spec(), 'replicas', 1);
      defaultPodSpec(obj(obj(spec(), 'template'), 'spec'));
      break;
    case 'batch/jobs': {
      // The Job's generated selector and the labels it puts on the template (manualSelector unset).
      const s = spec();
      const uid = o.metadata.uid ?? '';
      const name = o.metadata.name ?? '';
      const tmplMeta = obj(obj(s, 'template'), 'metadata');
      setDefault(s, 'selector', { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
      tmplMeta.labels = {
        ...(isPlainObject(tmplMeta.labels) ? tmplMeta.labels : {}),
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': name,
        'controller-uid': uid,
        'job-name': name,
      };
      setDefault(s, 'parallelism', 1);
      setDefault(s, 'completions', 1);
      setDefault(s, 'backoffLimit', 6);
      setDefault(s, 'completionMode', 'NonIndexed');
      setDefault(s, 'suspend', false);
      setDefault(s, 'podReplacementPolicy', 'TerminatingOrFailed');
      defaultPodSpec(obj(obj(s, 'template'), 'spec'));
      break;
    }
    case 'apps/statefulsets': {
      const s = spec();
      setDefault(s, 'replicas', 1);
      setDefault(s, 'podManagementPolicy', 'OrderedReady');
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
      defaultPodSpec(obj(obj(s, 'template'), 'spec'));
      break;
    }
  }
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function nameCause(r: ResourceType, name: string): StatusCause | undefined {
  const value = `Invalid value: ${JSON.stringify(name)}: `;
  if (r.resource === 'namespaces' && (!LABEL.test(name) || name.length > 63)) {
    return {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `${value}a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    };
  }
  if (r.resource === 'services' && r.group === '' && (!DNS1035.test(name) || name.length > 63)) {
    return {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `${value}a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    };
  }
  if (!SUBDOMAIN.test(name) || name.length > 253) {
    return {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `${value}a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    };
  }
  return undefined;
}

function selectorMismatch(spec: Obj): boolean {
  const sel = isPlainObject(spec.selector) ? spec.selector : {};
  const match = isPlainObject(sel.matchLabels) ? (sel.matchLabels as Record<string, string>) : {};
  const tmplMeta =
    isPlainObject(spec.template) && isPlainObject(spec.template.metadata) ? spec.template.metadata : {};
  const labels = isPlainObject(tmplMeta.labels) ? (tmplMeta.labels as Record<string, string>) : {};
  return Object.entries(match).some(([k, v]) => labels[k] !== v);
}

function goLabelSelector(sel: unknown): string {
  const match = isPlainObject(sel) && isPlainObject(sel.matchLabels) ? sel.matchLabels : {};
  const labels = Object.keys(match)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(match[k]))}`)
    .join(', ');
  return `v1.LabelSelector{MatchLabels:map[string]string{${labels}}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`;
}

/** Rejects changes to fields the apiserver treats as immutable (a subset). */
export function validateUpdate(r: ResourceType, old: KubeObject, next: KubeObject): void {
  const name = next.metadata.name ?? '';
  if (r.group === 'apps') {
    const before = isPlainObject(old.spec) ? old.spec.selector : undefined;
    const after = isPlainObject(next.spec) ? next.spec.selector : undefined;
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      throw invalid(r.kind, r.group, name, [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.selector',
          message: `Invalid value: ${goLabelSelector(after)}: field is immutable`,
        },
      ]);
    }
  }
  if ((r.resource === 'configmaps' || r.resource === 'secrets') && r.group === '' && old.immutable === true) {
    const causes: StatusCause[] = [];
    for (const field of r.resource === 'configmaps' ? ['data', 'binaryData'] : ['data']) {
      if (JSON.stringify(old[field] ?? {}) !== JSON.stringify(next[field] ?? {})) {
        causes.push({
          reason: 'FieldValueForbidden',
          field,
          message: 'Forbidden: field is immutable when `immutable` is set',
        });
      }
    }
    if (next.immutable !== true) {
      causes.push({
        reason: 'FieldValueForbidden',
        field: 'immutable',
        message: 'Forbidden: field is immutable when `immutable` is set',
      });
    }
    if (causes.length > 0) throw invalid(r.kind, r.group, name, causes);
  }
}

/** Throws 400/422 for objects the real apiserver would reject (a subset). */
export function validate(r: ResourceType, o: KubeObject): void {
  const name = o.metadata.name ?? '';
  const causes: StatusCause[] = [];
  if (!name) {
    causes.push({
      reason: 'FieldValueRequired',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  } else {
    const c = nameCause(r, name);
    if (c) causes.push(c);
  }
  for (const field of ['data', 'stringData'] as const) {
    if ((r.resource === 'configmaps' || r.resource === 'secrets') && o[field] !== undefined) {
      const d = o[field];
      if (!isPlainObject(d) || Object.values(d).some((v) => typeof v !== 'string')) {
        throw badRequest(`json: cannot unmarshal into Go struct field ${r.kind}.${field} of type string`);
      }
    }
  }
  if (r.resource === 'secrets' && isPlainObject(o.data)) {
    for (const [k, v] of Object.entries(o.data)) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(String(v)) || String(v).length % 4 !== 0) {
        throw badRequest(`illegal base64 data in Secret data key ${JSON.stringify(k)}`);
      }
    }
  }
  const spec = isPlainObject(o.spec) ? o.spec : undefined;
  if (r.group === 'apps' && spec) {
    if (!isPlainObject(spec.selector)) {
      causes.push({ reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });
    } else if (selectorMismatch(spec)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.template.metadata.labels',
        message: 'Invalid value: map[string]string{...}: `selector` does not match template `labels`',
      });
    }
    const podSpec =
      isPlainObject(spec.template) && isPlainObject(spec.template.spec) ? spec.template.spec : {};
    if (!Array.isArray(podSpec.containers) || podSpec.containers.length === 0) {
      causes.push({
        reason: 'FieldValueRequired',
        field: 'spec.template.spec.containers',
        message: 'Required value',
      });
    }
  }
  if (r.resource === 'pods' && r.group === '' && spec) {
    if (!Array.isArray(spec.containers) || spec.containers.length === 0) {
      causes.push({ reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' });
    }
  }
  if (causes.length > 0) throw invalid(r.kind, r.group, name, causes);
}
