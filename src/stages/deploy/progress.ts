// While helm waits for the rollout: ready/desired pods every few seconds, with what each unready pod waits for, so
// a long wait in a workflow log is never silent. Logged when the picture changes, and at least every 15 s.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeClient, KubeObject } from '../../kube/kube-client.js';
import type { Logger } from '../../pipeline/logger.js';
import { hopelessRollout } from './hopeless.js';
import { looseList, looseObject } from '../../kube/loose-object.js';

const o = looseObject;
const arr = looseList;

const isReady = (p: KubeObject): boolean =>
  arr(o(p['status'])['conditions']).some((c) => c['type'] === 'Ready' && c['status'] === 'True');

/** What an unready pod waits for: a container's waiting reason, else its phase. */
function waitingFor(p: KubeObject): string {
  const statuses = arr(o(p['status'])['containerStatuses']);
  const waiting = statuses
    .map((c) => o(o(c['state'])['waiting'])['reason'])
    .find((r) => typeof r === 'string');
  if (typeof waiting === 'string') return waiting;
  if (statuses.some((c) => o(c['state'])['running'])) return 'running, not ready';
  return String(o(p['status'])['phase'] ?? 'Pending');
}

/** One progress line for the release's Deployments and pods (pure). */
export function progressLine(deployments: KubeObject[], pods: KubeObject[]): string {
  const desired = deployments.reduce((n, d) => n + Number(o(d['spec'])['replicas'] ?? 1), 0);
  const live = pods.filter((p) => !['Succeeded', 'Failed'].includes(String(o(p['status'])['phase'])));
  const ready = live.filter(isReady).length;
  const unready = live.filter((p) => !isReady(p)).map((p) => `${p.metadata.name}: ${waitingFor(p)}`);
  return `rollout: ${ready}/${desired || live.length} pod(s) ready${unready.length ? ` (${unready.join('; ')})` : ''}`;
}

/**
 * Starts reporting; the returned function stops it (and waits for the last poll to end). `onHopeless` is called
 * once when the pods show the rollout cannot succeed (hopeless.ts).
 */
export function watchRollout(
  kube: KubeClient,
  c: { release: string; namespace: string },
  log: Logger,
  opts: { everyMs?: number; onHopeless?: (why: string) => void } = {},
): () => Promise<void> {
  const everyMs = opts.everyMs ?? 3000;
  let hopeless = false;
  const stop = new AbortController();
  const mine = (x: KubeObject) => x.metadata.labels?.['app.kubernetes.io/instance'] === c.release;
  const loop = async (): Promise<void> => {
    let last = '';
    let told = 0;
    while (!stop.signal.aborted) {
      await delay(everyMs, undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted) return;
      try {
        const [deployments, pods] = await Promise.all([
          kube.list({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: c.namespace }),
          kube.list({ apiVersion: 'v1', kind: 'Pod', namespace: c.namespace }),
        ]);
        const line = progressLine(deployments.filter(mine), pods.filter(mine));
        const why = hopeless ? undefined : hopelessRollout(pods.filter(mine));
        if (why) {
          hopeless = true;
          opts.onHopeless?.(why);
        }
        if (line !== last || performance.now() - told > 15_000) {
          log.info(line);
          [last, told] = [line, performance.now()];
        }
      } catch {
        // Progress is a courtesy: helm's own wait decides, and reports what it could not read.
      }
    }
  };
  const running = loop();
  return async () => {
    stop.abort();
    await running;
  };
}
