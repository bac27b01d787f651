// Token → user → PolicyRule[] authorization, and the apiserver's Forbidden wording.
import { ApiError } from './status.js';

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  /** Stand-in extension: limit the rule to these namespaces, as a RoleBinding would. Absent = everywhere. */
  namespaces?: string[];
}

export interface RbacSubject {
  user: string;
  groups?: string[];
  rules: PolicyRule[];
}

export interface Attributes {
  verb: string;
  /** Resource requests */
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  namespace?: string;
  /** Non-resource requests (e.g. /healthz) */
  path?: string;
}

const ALWAYS_ALLOWED_PATHS = [
  /^\/(api|apis)(\/.*)?$/,
  /^\/version\/?$/,
  /^\/openapi(\/.*)?$/,
  /^\/healthz|\/livez|\/readyz/,
];

function has(list: string[] | undefined, value: string): boolean {
  return !!list && (list.includes('*') || list.includes(value));
}

function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.path !== undefined) {
    return (rule.nonResourceURLs ?? []).some(
      (u) => u === '*' || u === a.path || (u.endsWith('*') && a.path!.startsWith(u.slice(0, -1))),
    );
  }
  if (!has(rule.apiGroups, a.apiGroup ?? '')) return false;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource!;
  const resources = rule.resources ?? [];
  const resOk =
    resources.includes('*') ||
    resources.includes(res) ||
    (a.subresource !== undefined &&
      (resources.includes(`${a.resource}/*`) || resources.includes(`*/${a.subresource}`)));
  if (!resOk) return false;
  if (
    rule.resourceNames &&
    rule.resourceNames.length > 0 &&
    !(a.name && rule.resourceNames.includes(a.name))
  ) {
    return false;
  }
  if (rule.namespaces && !(a.namespace && rule.namespaces.includes(a.namespace))) return false;
  return true;
}

export function isAllowed(rules: PolicyRule[], a: Attributes): boolean {
  if (a.path !== undefined && ALWAYS_ALLOWED_PATHS.some((re) => re.test(a.path!))) return true;
  // system:basic-user: everyone may ask what they may do.
  if (a.apiGroup === 'authorization.k8s.io' && a.resource?.startsWith('selfsubject') && a.verb === 'create') {
    return true;
  }
  return rules.some((r) => ruleAllows(r, a));
}

export function forbidden(user: string, a: Attributes): ApiError {
  if (a.path !== undefined) {
    return new ApiError(403, 'Forbidden', `forbidden: User "${user}" cannot ${a.verb} path "${a.path}"`, {});
  }
  const group = a.apiGroup ?? '';
  const resource = a.resource ?? '';
  const qualified = group ? `${resource}.${group}` : resource;
  const what = a.subresource ? `${resource}/${a.subresource}` : resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return new ApiError(
    403,
    'Forbidden',
    `${qualified}${a.name ? ` "${a.name}"` : ''} is forbidden: User "${user}" cannot ${a.verb} resource "${what}" in API group "${group}" ${scope}`,
    { ...(a.name ? { name: a.name } : {}), group, kind: resource },
  );
}
