// Rolling a release back to a given revision, as a stage of its own: the `upgrade` command runs it when smoke fails
// after a deploy. It takes the same deploy lock as `deploy`, so it never races another run's upgrade.
import type { Stage, StageContext, StageOutcome } from '../../pipeline/stage.js';
import type { StageDeps } from '../stage-deps.js';
import { rollbackRelease } from './deploy-release.js';
import { takeDeployLock } from './lock.js';
import { defaultDeployPorts, type DeployPorts } from './ports.js';
import { deploySettings, type DeploySettings } from './settings.js';

async function rollBack(
  p: DeployPorts,
  s: DeploySettings,
  to: number,
  ctx: StageContext,
): Promise<StageOutcome> {
  const helm = await p.helm(ctx.cleanup, ctx);
  try {
    const lock = await takeDeployLock(await p.kube(), s, p.env, ctx, helm.kubeconfigPath);
    try {
      const signal = AbortSignal.any([ctx.signal, lock.lost]);
      const done = await rollbackRelease(helm, s, to, { log: ctx.log, signal });
      const now = await helm.status(s.release, s.namespace);
      return {
        changed: true,
        changes: [done],
        outputs: { 'release-revision': String(now?.revision ?? '') },
      };
    } finally {
      await lock.release();
    }
  } finally {
    await helm.close();
  }
}

/** A stage named `deploy` (it stands in for it in the rollback pass) that rolls `release` back to `to`. */
export function createRollbackStage(deps: StageDeps, to: number, ports?: DeployPorts): Stage {
  const s = deploySettings(deps.inputs);
  const p = ports ?? defaultDeployPorts(deps, s);
  return {
    name: 'deploy',
    needs: [],
    plan: async () => ({ changed: true, changes: [`roll release ${s.release} back to revision ${to}`] }),
    apply: (ctx) => rollBack(p, s, to, ctx),
  };
}
