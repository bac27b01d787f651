// While helm waits for the rollout: ready/desired pods every few seconds, with what each unready pod waits for, so
// a long wait in a workflow log is never silent. Logged when the picture changes, and at least every 15 s.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeClient, KubeObject } from '../../kube/kube-client.js';
import type { Logger } from '../../pipeline/logger.js';
import { hopelessRollout, podKeys } from './hopeless.js';
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

interface WatchOptions {
  everyMs?: number;
  /** Called once when the pods the rollout made show it cannot succeed (hopeless.ts). */
  onHopeless?: (why: string) => void;
}

type Lister = (kind: 'Deployment' | 'Pod') => Promise<KubeObject[]>;

/**
 * Starts reporting once it has seen which of the release's pods exist before the rollout (their state says
 * nothing about it); the returned function stops it (and waits for the last poll to end).
 */
export async function watchRollout(
  kube: KubeClient,
  c: { release: string; namespace: string },
  log: Logger,
  opts: WatchOptions = {},
): Promise<() => Promise<void>> {
  const mine = (x: KubeObject) => x.metadata.labels?.['app.kubernetes.io/instance'] === c.release;
  const list: Lister = async (kind) =>
    (await kube.list({ apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1', kind, namespace: c.namespace })).filter(
      mine,
    );
  // Without that list no pod can be told new from old: progress only, no early end.
  const before = await list('Pod').then(podKeys, () => undefined);
  const stop = new AbortController();
  const running = pollRollout(
    list,
    log,
    stop.signal,
    { ...opts, ...(before ? {} : { onHopeless: undefined }) },
    before,
  );
  return async () => {
    stop.abort();
    await running;
  };
}

async function pollRollout(
  list: Lister,
  log: Logger,
  stop: AbortSignal,
  opts: WatchOptions,
  before: ReadonlySet<string> | undefined,
): Promise<void> {
  let [last, told, hopeless] = ['', 0, false];
  while (!stop.aborted) {
    await delay(opts.everyMs ?? 3000, undefined, { signal: stop }).catch(() => undefined);
    if (stop.aborted) return;
    try {
      const [deployments, pods] = await Promise.all([list('Deployment'), list('Pod')]);
      const why = hopeless || !before ? undefined : hopelessRollout(pods, before);
      if (why) {
        hopeless = true;
        opts.onHopeless?.(why);
      }
      const line = progressLine(deployments, pods);
      if (line !== last || performance.now() - told > 15_000) {
        log.info(line);
        [last, told] = [line, performance.now()];
      }
    } catch {
      // Progress is a courtesy: helm's own wait decides, and reports what it could not read.
    }
  }
}
