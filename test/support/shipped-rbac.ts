// The least-privilege RBAC the project ships (deploy/rbac/litmus-aio.yaml), read as the Kubernetes stand-in's token
// rules: each bound Role's rules limited to the binding's namespace, a ClusterRole's everywhere.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { PolicyRule } from './kube-apiserver/index.js';
import { repoRoot } from './repo-root.js';

export const SHIPPED_RBAC = join(repoRoot(), 'deploy', 'rbac', 'litmus-aio.yaml');

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
  roleRef?: { kind: string; name: string };
}

/** A rule of the file: resource rules only, so groups and resources are always there. */
export type ShippedRule = PolicyRule & { apiGroups: string[]; resources: string[] };

export function shippedRules(file = SHIPPED_RBAC): ShippedRule[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);
  const rules: ShippedRule[] = [];
  for (const binding of docs.filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding')) {
    const role = docs.find(
      (d) =>
        d.kind === binding.roleRef?.kind &&
        d.metadata.name === binding.roleRef.name &&
        d.metadata.namespace === binding.metadata.namespace,
    );
    if (!role) throw new Error(`${file}: binding ${binding.metadata.name} refers to a role not in the file`);
    for (const r of role.rules ?? []) {
      rules.push({
        ...r,
        ...(binding.kind === 'RoleBinding' ? { namespaces: [binding.metadata.namespace!] } : {}),
      });
    }
  }
  return rules;
}

/** `rules` with `verb` taken off `resource` (group/resource, '' group as 'resource') in `namespace`. */
export function withoutVerb(
  rules: PolicyRule[],
  drop: { verb: string; group: string; resource: string; namespace: string },
): PolicyRule[] {
  let dropped = false;
  const out = rules.flatMap((r): PolicyRule[] => {
    const applies =
      r.namespaces?.includes(drop.namespace) &&
      r.apiGroups?.includes(drop.group) &&
      r.resources?.includes(drop.resource) &&
      r.verbs.includes(drop.verb);
    if (!applies) return [r];
    dropped = true;
    // The other resources of the rule keep the verb; this one keeps the others.
    const others = r.resources!.filter((x) => x !== drop.resource);
    const verbs = r.verbs.filter((v) => v !== drop.verb);
    return [
      ...(others.length ? [{ ...r, resources: others }] : []),
      ...(verbs.length ? [{ ...r, resources: [drop.resource], verbs }] : []),
    ];
  });
  if (!dropped) throw new Error(`no shipped rule grants ${JSON.stringify(drop)}`);
  return out;
}
