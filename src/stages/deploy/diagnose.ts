// Why a rollout did not become ready, pure: the evidence (evidence.ts) in, one actionable error out, with the
// evidence as lines beside it. Causes are tried from the most specific to the most general: an image that cannot
// be pulled, a container killed by its liveness/startup probe, a container that exits, a claim that is not bound,
// a pod that cannot be scheduled or cannot attach its volume, a container that runs but is not ready.
import { parseImageRef } from '../../registry/image-ref.js';
import type { ContainerEvidence, EventEvidence, PodEvidence, RolloutEvidence } from './evidence.js';

export interface DiagnoseContext {
  release: string;
  namespace: string;
  /** The pull Secret the pods name (pull-secret), if any. */
  pullSecret?: string;
  deployTimeoutS: number;
  /** What helm said. */
  helmError: string;
}

export interface Diagnosis {
  problem: string;
  fix: string;
  /** Pod and container states, claims, recent events: one line each. */
  evidence: string[];
}

type Verdict = Omit<Diagnosis, 'evidence'>;
type Rule = (e: RolloutEvidence, c: DiagnoseContext) => Verdict | undefined;
type Hit = { pod: PodEvidence; c: ContainerEvidence };

const PULL_REASONS = ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull'];

function findContainer(
  e: RolloutEvidence,
  test: (c: ContainerEvidence, p: PodEvidence) => boolean,
): Hit | undefined {
  for (const pod of e.pods) for (const c of pod.containers) if (test(c, pod)) return { pod, c };
  return undefined;
}

const eventsOf = (e: RolloutEvidence, object: string, reasons?: string[]): EventEvidence[] =>
  e.events.filter((x) => x.object === object && (!reasons || reasons.includes(x.reason)));

const lastMessage = (events: EventEvidence[], match?: RegExp): string | undefined =>
  events.filter((x) => !match || match.test(x.message)).at(-1)?.message;

/** The registry host of an image reference, also of one the strict parser refuses. */
function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return parseImageRef(image)?.registry ?? (/[.:]/.test(first) ? first : 'its registry');
}

const pullFailure: Rule = (e, ctx) => {
  const hit = findContainer(e, (c) => PULL_REASONS.includes(c.waiting?.reason ?? ''));
  if (!hit) return undefined;
  const { pod, c } = hit;
  const podEvents = eventsOf(e, `Pod/${pod.name}`);
  const why =
    lastMessage(podEvents, /^Failed to pull image/) ??
    c.waiting?.message ??
    c.waiting?.reason ??
    'pull failed';
  const host = registryOf(c.image);
  const secret = ctx.pullSecret
    ? `pull Secret ${ctx.namespace}/${ctx.pullSecret}`
    : 'no pull Secret (pull-secret: none)';
  const problem = `pod ${pod.name} cannot pull image ${c.image} (${c.waiting?.reason}) with ${secret}: ${why}`;
  if (podEvents.some((x) => x.reason === 'FailedToRetrieveImagePullSecret'))
    return {
      problem,
      fix: `create the ${secret} (type kubernetes.io/dockerconfigjson, credentials for ${host}): the mirror stage writes it (stages: mirror,deploy); or set pull-secret: none for a registry that needs no credentials`,
    };
  if (/\b(401|403)\b|unauthori[sz]ed|authentication required|denied|forbidden/i.test(why))
    return {
      problem,
      fix: `${host} refuses the credentials in the ${ctx.pullSecret ? secret : 'request (no pull Secret is set)'}: run the mirror stage to rewrite it with registry-username/registry-password of a user that may pull, or correct the Secret${ctx.pullSecret ? '' : ' and set pull-secret'}`,
    };
  if (/\b404\b|not found|manifest unknown|NotFound/i.test(why))
    return {
      problem,
      fix: `the image is not in ${host}: run the mirror stage for this litmus-edge-version (it copies the image there), or set image to one that exists`,
    };
  return {
    problem,
    fix: `check that the cluster's nodes can reach ${host} and that the ${secret} holds credentials for it`,
  };
};

const probeKill: Rule = (e) => {
  for (const pod of e.pods) {
    const kill = lastMessage(eventsOf(e, `Pod/${pod.name}`, ['Killing']), /failed (liveness|startup) probe/);
    if (!kill) continue;
    const why = lastMessage(eventsOf(e, `Pod/${pod.name}`, ['Unhealthy'])) ?? kill;
    return {
      problem: `pod ${pod.name} is restarted by its probe: ${kill} (${why})`,
      fix: 'Litmus Edge may need longer to start on this node (first boot initialises /var): raise probes.startup.failureThreshold in values, or fix what the probe checks (port 443, HTTPS)',
    };
  }
  return undefined;
};

const exited = (c: ContainerEvidence): ContainerEvidence['terminated'] =>
  [c.terminated, c.lastTerminated].find((t) => t && t.exitCode !== 0);

const crashLoop: Rule = (e) => {
  const hit = findContainer(e, (c) => !c.ready && (c.waiting?.reason === 'CrashLoopBackOff' || !!exited(c)));
  if (!hit) return undefined;
  const { pod, c } = hit;
  const exit = exited(c);
  const code = exit ? `exit code ${exit.exitCode}${exit.reason ? ` (${exit.reason})` : ''}` : 'it exits';
  const logs = c.logs?.length
    ? `. Its last log lines:\n    ${c.logs.join('\n    ')}`
    : '. It wrote no log lines';
  const oom = exit?.reason === 'OOMKilled';
  return {
    problem: `container ${c.name} of pod ${pod.name} keeps stopping: ${code}, restarted ${c.restartCount} time(s)${c.waiting?.reason ? `, now ${c.waiting.reason}` : ''} (image ${c.image})${logs}`,
    fix: oom
      ? 'the container ran out of memory: raise resources.limits.memory in values'
      : "the log lines say why it stops; check the values you set (extraEnv, resources) and that the image is a Litmus Edge image for the nodes' platform (kubectl logs --previous shows more)",
  };
};

const unboundClaim: Rule = (e) => {
  const claim = e.claims.find((x) => x.phase !== 'Bound');
  if (!claim) return undefined;
  const why = lastMessage(eventsOf(e, `PersistentVolumeClaim/${claim.name}`));
  return {
    problem: `the data volume claim ${claim.name} is ${claim.phase}${claim.storageClass ? ` (storage class ${claim.storageClass})` : ''}${why ? `: ${why}` : ''}`,
    fix: 'set storage-class to a StorageClass the cluster has (kubectl get storageclass), or mark one as the default; for an existing volume set persistence.existingClaim in values',
  };
};

const unschedulable: Rule = (e) => {
  for (const pod of e.pods) {
    const events = eventsOf(e, `Pod/${pod.name}`);
    const attach = lastMessage(
      events.filter((x) => ['FailedAttachVolume', 'FailedMount'].includes(x.reason)),
    );
    if (attach)
      return {
        problem: `pod ${pod.name} cannot mount its data volume: ${attach}`,
        fix: 'the volume is ReadWriteOnce and still attached to another node (an old pod): wait for that pod to go and run again, or check the storage driver',
      };
    const scheduling =
      pod.unschedulable ?? lastMessage(events.filter((x) => x.reason === 'FailedScheduling'));
    if (scheduling && pod.phase === 'Pending')
      return {
        problem: `pod ${pod.name} cannot be scheduled: ${scheduling}`,
        fix: 'relax nodeSelector, tolerations or affinity in values, or lower resources.requests, so a node fits',
      };
  }
  return undefined;
};

const notReady: Rule = (e, ctx) => {
  const hit = findContainer(e, (c) => !!c.running && !c.ready);
  if (!hit) return undefined;
  const why = lastMessage(eventsOf(e, `Pod/${hit.pod.name}`, ['Unhealthy']));
  return {
    problem: `container ${hit.c.name} of pod ${hit.pod.name} runs but did not become ready within ${ctx.deployTimeoutS} s${why ? `: ${why}` : ' (no probe failure was reported)'}`,
    fix: 'Litmus Edge answers HTTPS on port 443 once started: if it needs longer on this node raise deploy-timeout (and probes.startup.failureThreshold in values); if the probe can never pass, check the port and path it uses',
  };
};

const fallback: Rule = (e, ctx) => ({
  problem: `release ${ctx.release} did not become ready within ${ctx.deployTimeoutS} s: ${ctx.helmError}${e.pods.length === 0 ? ' (no pod of the release exists)' : ''}`,
  fix: 'the pod states and events below say what Kubernetes is waiting for; kubectl describe pod shows more',
});

const RULES: Rule[] = [pullFailure, probeKill, crashLoop, unboundClaim, unschedulable, notReady];

function containerLine(c: ContainerEvidence): string {
  const state = c.waiting
    ? `waiting ${c.waiting.reason}`
    : c.running
      ? 'running'
      : c.terminated
        ? `terminated with exit code ${c.terminated.exitCode}`
        : 'unknown state';
  const last = c.lastTerminated ? `, last exit code ${c.lastTerminated.exitCode}` : '';
  return `container ${c.name}: ${state} (restarts ${c.restartCount}${last}), ${c.ready ? 'ready' : 'not ready'}`;
}

export function evidenceLines(e: RolloutEvidence, maxEvents = 12): string[] {
  return [
    ...e.pods.map(
      (p) =>
        `pod ${p.name}: ${p.phase}${p.containers.length ? `; ${p.containers.map(containerLine).join('; ')}` : ''}`,
    ),
    ...e.claims.map(
      (x) => `claim ${x.name}: ${x.phase}${x.storageClass ? ` (class ${x.storageClass})` : ''}`,
    ),
    ...e.events
      .slice(-maxEvents)
      .map(
        (x) =>
          `${x.time} ${x.type} ${x.reason} ${x.object}: ${x.message}${x.count > 1 ? ` (x${x.count})` : ''}`,
      ),
  ];
}

export function diagnoseRollout(e: RolloutEvidence, c: DiagnoseContext): Diagnosis {
  const verdict = RULES.reduce<Verdict | undefined>((found, rule) => found ?? rule(e, c), undefined);
  return { ...(verdict ?? fallback(e, c)!), evidence: evidenceLines(e) };
}
