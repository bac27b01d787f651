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

/** Why the rollout of these (the release's) pods cannot succeed, or undefined while it still might. */
export function hopelessRollout(pods: readonly KubeObject[]): string | undefined {
  for (const p of pods) {
    const status = o(p['status']);
    for (const c of [...arr(status['initContainerStatuses']), ...arr(status['containerStatuses'])]) {
      const why = containerVerdict(p.metadata.name, c);
      if (why) return why;
    }
  }
  return undefined;
}
