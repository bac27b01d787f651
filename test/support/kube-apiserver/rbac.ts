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
  // system:basic-user: everyone may ask what they may do, and who they are.
  if (
    (a.apiGroup === 'authorization.k8s.io' || a.apiGroup === 'authentication.k8s.io') &&
    a.resource?.startsWith('selfsubject') &&
    a.verb === 'create'
  ) {
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

/** What every authenticated user may do (the apiserver's system:basic-user and system:discovery roles). */
const BASIC_USER_RULES: PolicyRule[] = [
  {
    apiGroups: ['authorization.k8s.io'],
    resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
    verbs: ['create'],
  },
  { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
  {
    nonResourceURLs: [
      '/api',
      '/api/*',
      '/apis',
      '/apis/*',
      '/healthz',
      '/livez',
      '/openapi',
      '/openapi/*',
      '/readyz',
      '/version',
      '/version/',
    ],
    verbs: ['get'],
  },
];

/**
 * SelfSubjectRulesReview status (authorization.k8s.io/v1) for `namespace`: the caller's rules that apply there
 * (rules limited to other namespaces are left out), then the basic-user rules. `rules` undefined is the admin:
 * everything. The stand-in knows every rule, so `incomplete` is always false.
 */
export function rulesReviewStatus(rules: PolicyRule[] | undefined, namespace: string | undefined) {
  const all: PolicyRule[] = rules
    ? [...rules, ...BASIC_USER_RULES]
    : [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
        ...BASIC_USER_RULES,
      ];
  const applies = (r: PolicyRule) =>
    !r.namespaces || (namespace !== undefined && r.namespaces.includes(namespace));
  const resourceRules = all
    .filter((r) => applies(r) && (r.resources?.length ?? 0) > 0)
    .map((r) => ({
      verbs: [...r.verbs],
      apiGroups: [...(r.apiGroups ?? [])],
      resources: [...(r.resources ?? [])],
      ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}),
    }));
  const nonResourceRules = all
    .filter((r) => (r.nonResourceURLs?.length ?? 0) > 0)
    .map((r) => ({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs!] }));
  return { resourceRules, nonResourceRules, incomplete: false };
}

/** SelfSubjectReview status (authentication.k8s.io/v1): who the token is. */
export function selfReviewStatus(user: string, groups: string[] | undefined, uid?: string) {
  const all = [...(groups ?? [])];
  if (!all.includes('system:authenticated')) all.push('system:authenticated');
  return { userInfo: { username: user, ...(uid ? { uid } : {}), groups: all } };
}
