// What a deploy decision means, one line per change (pure): plan mode prints these, apply mode logs and reports
// them. The image change and each changed value are their own lines, so a plan is a readable diff; values under
// secret-looking keys are shown as (secret) or (secret, changed), never as themselves (redact.ts).
import type { DeployDecision, DesiredRelease } from './decide.js';
import { chartLabel } from './decide.js';
import { imageOfValues } from './values.js';

export interface DescribeContext {
  release: string;
  namespace: string;
  namespaceExists: boolean;
}

export function describeDeploy(d: DeployDecision, desired: DesiredRelease, c: DescribeContext): string[] {
  const where = `release ${c.release} in namespace ${c.namespace}`;
  const lines = c.namespaceExists ? [] : [`create namespace ${c.namespace}`];
  switch (d.action) {
    case 'none':
      return lines;
    case 'install':
      return [
        ...lines,
        `install ${where}: chart ${chartLabel(desired.chart)}, image ${imageOfValues(desired.values) ?? '(chart default)'}`,
      ];
    case 'upgrade':
      return [
        `upgrade ${where} from revision ${d.from.revision} (${d.from.status}) to chart ${chartLabel(desired.chart)}`,
        ...d.reasons.map((r) => `  ${r}`),
      ];
    case 'recover':
      return [
        d.to
          ? `recover ${where} from ${d.pending.status} (revision ${d.pending.revision}): roll back to revision ${d.to.revision}, the last deployed one`
          : `recover ${where} from ${d.pending.status} (revision ${d.pending.revision}): uninstall it (no revision was ever deployed; the data volume is kept)`,
      ];
  }
}
