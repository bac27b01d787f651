// A rollout that cannot succeed however long helm waits: a container that keeps crashing, an image the registry
// definitively refuses or does not have, an image name the runtime rejects. Seen in the pods while helm waits, it
// ends the wait early (diagnosis and rollback follow) instead of after the whole deploy-timeout. A pull failure
// without a definitive answer (ImagePullBackOff alone, a network error) is left to helm's timeout. Pure.
import type { KubeObject } from '../../kube/kube-client.js';
import { looseList, looseObject, type LooseObject } from '../../kube/loose-object.js';

type Obj = LooseObject;
const o = looseObject;
const arr = looseList;

/** Restarts after which a crashing container is taken as crashing for good. */
export const CRASH_RESTARTS = 3;

/** What a registry answers when the image is missing or the pull is refused (containerd's and CRI-O's words). */
const DEFINITIVE_PULL = /not found|manifest unknown|unauthorized|denied|forbidden|\b40[134]\b/i;

function containerVerdict(pod: string, c: Obj): string | undefined {
  const waiting = o(o(c['state'])['waiting']);
  const reason = String(waiting['reason'] ?? '');
  const message = String(waiting['message'] ?? '');
  const restarts = Number(c['restartCount'] ?? 0);
  const name = `container ${String(c['name'] ?? '?')} of pod ${pod}`;
  if (reason === 'CrashLoopBackOff' && restarts >= CRASH_RESTARTS)
    return `${name} crashed ${restarts} times (CrashLoopBackOff)`;
  if (reason === 'ErrImagePull' && DEFINITIVE_PULL.test(message))
    return `${name} cannot pull its image: ${message.slice(0, 300)}`;
  if (reason === 'InvalidImageName' || reason === 'ErrImageNeverPull')
    return `${name}: ${reason}${message ? ` (${message.slice(0, 300)})` : ''}`;
  return undefined;
}

const podKey = (p: KubeObject): string => String(p.metadata.uid ?? p.metadata.name);

/** The keys of the pods that exist before a rollout starts: theirs is the old revision's state, not the new one's. */
export const podKeys = (pods: readonly KubeObject[]): Set<string> => new Set(pods.map(podKey));

/**
 * Why the rollout of these (the release's) pods cannot succeed, or undefined while it still might. Only pods the
 * rollout made count: not those in `before` (an old revision crashing is what an upgrade may be fixing), nor
 * pods being deleted.
 */
export function hopelessRollout(
  pods: readonly KubeObject[],
  before: ReadonlySet<string> = new Set(),
): string | undefined {
  for (const p of pods) {
    if (before.has(podKey(p)) || p.metadata.deletionTimestamp) continue;
    const status = o(p['status']);
    for (const c of [...arr(status['initContainerStatuses']), ...arr(status['containerStatuses'])]) {
      const why = containerVerdict(p.metadata.name, c);
      if (why) return why;
    }
  }
  return undefined;
}
