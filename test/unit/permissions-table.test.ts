// The permission table (src/kube/required-permissions.ts) against what ships: deploy/rbac/litmus-aio.yaml grants
// everything the stages ask for, its Role in the release namespace and its ClusterRole nothing more, and the deploy
// and connector rows of docs/permissions.md say what the table says.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { STAGE_NAMES } from '../../src/config/catalog.js';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import type { AccessCheck } from '../../src/kube/kube-client.js';
import { requiredPermissions } from '../../src/kube/required-permissions.js';
import { isAllowed } from '../support/kube-apiserver/rbac.js';
import { repoRoot } from '../support/repo-root.js';
import { shippedRules } from '../support/shipped-rbac.js';

const NS = 'litmus-edge';
const AIO = 'azure-iot-operations';
const key = (a: { verb: string; group: string; resource: string; namespace?: string }) =>
  `${a.verb} ${a.group ? `${a.group}/` : ''}${a.resource} ${a.namespace ?? '(cluster)'}`;

/** Every input variant that changes what a stage asks for. */
async function variants(): Promise<Inputs[]> {
  const d = await resolveInputs([]);
  return [
    d,
    { ...d, 'authpolicy-mode': 'kubernetes', 'topic-prefix': 'litmus' },
    { ...d, 'litmus-edge-url': 'https://10.0.0.7', 'smoke-broker-address': '10.0.0.8:18884' },
  ];
}

/** What the stages (and check-certs, rotate included) ask for, over every variant. */
async function tableChecks(
  stages: readonly string[] = [...STAGE_NAMES, 'check-certs'],
): Promise<AccessCheck[]> {
  const ask = requiredPermissions as (stage: string, i: Inputs) => AccessCheck[];
  return (await variants()).flatMap((i) => stages.flatMap((s) => ask(s, { ...i, rotate: true })));
}

/** The shipped rules as `verb group/resource namespace` keys. */
function shippedKeys(): Set<string> {
  const keys = new Set<string>();
  for (const r of shippedRules())
    for (const ns of r.namespaces ?? [undefined])
      for (const group of r.apiGroups ?? [''])
        for (const resource of r.resources ?? [])
          for (const verb of r.verbs)
            keys.add(key({ verb, group, resource, ...(ns ? { namespace: ns } : {}) }));
  return keys;
}

describe('deploy/rbac/litmus-aio.yaml against the table', () => {
  test('it grants every permission a stage asks for', async () => {
    const rules = shippedRules();
    const missing = (await tableChecks()).filter(
      (c) =>
        !isAllowed(rules, {
          verb: c.verb,
          apiGroup: c.group,
          resource: c.resource,
          ...(c.namespace ? { namespace: c.namespace } : {}),
        }),
    );
    expect(missing.map(key)).toEqual([]);
  });

  test('its Role in the release namespace and its ClusterRole grant nothing the table does not ask for', async () => {
    const asked = new Set((await tableChecks()).map(key));
    const extra = [...shippedKeys()].filter((k) => !k.endsWith(` ${AIO}`) && !asked.has(k));
    expect(extra).toEqual([]);
  });
});

/** docs/permissions.md's table rows of `stage` (any qualifier) as keys. */
function documented(stage: string): string[] {
  const text = readFileSync(join(repoRoot(), 'docs', 'permissions.md'), 'utf8');
  const keys: string[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length !== 6 || !new RegExp(`^${stage}( \\(|$)`).test(cells[1]!)) continue;
    const [, , where, resources, verbs] = cells as [string, string, string, string, string];
    const namespace = where.startsWith('(cluster)')
      ? undefined
      : where.startsWith('`aio-namespace`')
        ? AIO
        : NS;
    const items = resources.replace(/\([^)]*\)/g, '').split(',');
    for (const item of items.map((x) => x.trim().split(/\s+/))) {
      const [group, resource] = item.length === 2 ? (item as [string, string]) : ['', item[0]!];
      for (const verb of verbs.split(',').map((v) => v.trim()))
        keys.push(key({ verb, group, resource, ...(namespace ? { namespace } : {}) }));
    }
  }
  return keys.sort();
}

describe('docs/permissions.md against the table', () => {
  test.each(['deploy', 'connector'])('the %s rows list exactly what the stage asks for', async (stage) => {
    const asked = [...new Set((await tableChecks([stage])).map(key))].sort();
    expect(documented(stage)).toEqual(asked);
  });
});
