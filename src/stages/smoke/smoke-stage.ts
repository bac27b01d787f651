// Stage `smoke`: proves the path Litmus Edge uses works, with the exact credentials it uses: the client chain
// from the certs Secret, trusting only the AIO CA bundle, over TLS to the broker's X.509 port. Reports
// latencies; on failure, names the layer, what was expected and presented, and the input or stage to fix.
// Right after authpolicy the broker may not have applied the policy yet (AIO takes seconds, through ARM more):
// refusals that mean "not applied yet" are retried until smoke-timeout (see wait-for-policy.ts).
import { randomBytes } from 'node:crypto';
import { STAGE_CATALOG } from '../../config/catalog.js';
import type { Inputs } from '../../config/input-specs.js';
import type { ConfigMapLike } from '../../kube/kube-objects.js';
import { describeRef, type KubeClient, type LocalForward, type ObjectRef } from '../../kube/kube-client.js';
import { ProbeFailure, type TlsTarget } from '../../mqtt/diagnose.js';
import { latencyStats, runProbe, type ProbeReport } from '../../mqtt/probe.js';
import type { Stage, StageContext, StageOutcome } from '../../pipeline/stage.js';
import { pkiRefs } from '../pki-refs.js';
import type { StageDeps } from '../stage-deps.js';
import { waitForPolicy, type PolicyWait } from './wait-for-policy.js';

export interface SmokeSettings {
  secretRef: ObjectRef;
  caRef: ObjectRef;
  brokerCaKey: string;
  /** host:port when the runner reaches the broker directly; else the Service is port-forwarded. */
  direct?: { host: string; port: number };
  service: { namespace: string; name: string; port: number };
  /** How the broker is reached, for messages. */
  via: string;
  /** The probe publishes under the authorized prefix when authpolicy restricts topics. */
  topicRoot: string;
  serverName: string;
  mqttVersion: '5' | '3.1.1';
  messages: number;
  timeoutS: number;
  expectTopics: string[];
}

export function smokeSettings(i: Inputs): SmokeSettings {
  const { clientSecret, brokerCa } = pkiRefs(i);
  const address = i['smoke-broker-address'];
  const at = address?.lastIndexOf(':') ?? -1;
  const direct = address
    ? { host: address.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(address.slice(at + 1)) }
    : undefined;
  const service = { namespace: i['aio-namespace'], name: i['broker-service'], port: i['broker-port'] };
  return {
    secretRef: clientSecret,
    caRef: brokerCa,
    brokerCaKey: i['broker-ca-key'],
    ...(direct ? { direct } : {}),
    service,
    via: address
      ? `direct ${address}`
      : `port-forward to Service ${service.namespace}/${service.name}:${service.port}`,
    topicRoot: i['topic-prefix']
      ? `${i['topic-prefix'].replace(/\/+$/, '')}/litmus-aio-smoke`
      : 'litmus-aio/smoke',
    serverName: i['tls-server-name'],
    mqttVersion: i['mqtt-version'],
    messages: i['smoke-messages'],
    timeoutS: i['smoke-timeout'],
    expectTopics: i['expect-topics'] ?? [],
  };
}

type Credentials = Pick<TlsTarget, 'caPem' | 'certPem' | 'keyPem'>;

async function readCredentials(kube: KubeClient, s: SmokeSettings): Promise<Credentials> {
  const [secret, ca] = await Promise.all([
    kube.get<ConfigMapLike>(s.secretRef),
    kube.get<ConfigMapLike>(s.caRef),
  ]);
  const decode = (v: string | undefined): string => (v ? Buffer.from(v, 'base64').toString('utf8') : '');
  const certPem = decode(secret?.data?.['tls.crt']);
  const keyPem = decode(secret?.data?.['tls.key']);
  const caPem = ca?.data?.[s.brokerCaKey] ?? '';
  if (!certPem || !keyPem) {
    throw new Error(
      `smoke: ${describeRef(s.secretRef)} has no client certificate (tls.crt/tls.key): run the certs stage first, or set namespace/client-cert-secret`,
    );
  }
  if (!caPem) {
    throw new Error(
      `smoke: ${describeRef(s.caRef)} has no key '${s.brokerCaKey}': the broker's CA is unknown, so the broker cannot be verified; check aio-namespace and broker-ca-configmap`,
    );
  }
  return { caPem, certPem, keyPem };
}

function planDetail(s: SmokeSettings, pending: string): string {
  const topics = s.expectTopics.length ? `, then wait for data on ${s.expectTopics.join(', ')}` : '';
  return `would connect via ${s.via} as the client in ${describeRef(s.secretRef)} and round-trip ${s.messages} QoS 1 messages on ${s.topicRoot}/<id>${topics}${pending}`;
}

async function planSmoke(deps: StageDeps, s: SmokeSettings, ctx: StageContext): Promise<StageOutcome> {
  // Proves what it needs exists, without connecting; when certs runs first it will create the client
  // certificate, so its absence now is expected rather than an error.
  let pending = '';
  try {
    await readCredentials(await deps.kube(), s);
  } catch (e) {
    if (!ctx.upstream.has('certs')) throw e;
    pending = ' (once certs has created the client certificate)';
  }
  return { changed: false, changes: [], details: [planDetail(s, pending)] };
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;

/** The stage's details and outputs for a probe that passed. */
export function passedOutcome(report: ProbeReport, wait: PolicyWait, s: SmokeSettings): StageOutcome {
  const l = latencyStats(report.latencies);
  const details = [
    `${report.latencies.length}/${s.messages} probe messages round-tripped via ${s.via} (MQTT ${s.mqttVersion}, TLS, client chain from ${describeRef(s.secretRef)}): min ${ms(l.min)}, median ${ms(l.median)}, p95 ${ms(l.p95)}; connect ${ms(report.connectMs)}`,
    ...(wait.attempts > 1
      ? [
          `the broker accepted the client after ${(wait.waitedMs / 1000).toFixed(1)} s and ${wait.attempts} attempts (until then: ${wait.until?.problem ?? 'refused'})`,
        ]
      : []),
    ...report.interruptions,
    ...report.topics.map((t) => `${t.topic}: ${t.messages} message(s), first after ${t.firstAfterMs} ms`),
  ];
  const result = {
    ok: true,
    messages: s.messages,
    lost: report.lost,
    duplicates: report.duplicates,
    latencyMs: { min: +l.min.toFixed(2), median: +l.median.toFixed(2), p95: +l.p95.toFixed(2) },
    connectMs: +report.connectMs.toFixed(1),
    waitedForPolicyMs: Math.round(wait.waitedMs),
    attempts: wait.attempts,
    interruptions: report.interruptions,
    topics: report.topics,
    via: s.via,
  };
  return {
    changed: false,
    passed: true,
    changes: [],
    details,
    outputs: { 'smoke-latency-ms': l.median.toFixed(1), 'smoke-result': JSON.stringify(result) },
  };
}

/**
 * A probe that never reached the broker through a tunnel that itself failed (e.g. no ready broker pod) names the
 * tunnel's error. When the broker did answer (a TLS or MQTT refusal), the tunnel's own note is only the echo.
 */
function withTunnelCause(e: unknown, forward: LocalForward | undefined, s: SmokeSettings): unknown {
  const tunnel = forward?.errors().at(-1);
  if (!(e instanceof ProbeFailure) || !tunnel || !['tcp-unreachable', 'timeout'].includes(e.kind)) return e;
  return new ProbeFailure(
    e.kind,
    `${e.problem}; ${tunnel}`,
    `check the broker pods in ${s.service.namespace} and broker-service`,
    e.report,
  );
}

async function applySmoke(deps: StageDeps, s: SmokeSettings, ctx: StageContext): Promise<StageOutcome> {
  const deadline = performance.now() + s.timeoutS * 1000;
  const kube = await deps.kube();
  const creds = await readCredentials(kube, s);
  deps.mask(creds.keyPem);
  const forward = s.direct
    ? undefined
    : await kube.forwardServicePort(s.service.namespace, s.service.name, s.service.port);
  const at = s.direct ?? { host: forward!.host, port: forward!.port };
  const target: TlsTarget = { ...at, servername: s.serverName, via: s.via, ...creds };
  const topic = `${s.topicRoot}/${randomBytes(6).toString('hex')}`;
  try {
    const { value: report, ...wait } = await waitForPolicy(
      () =>
        runProbe(target, {
          protocolVersion: s.mqttVersion === '5' ? 5 : 4,
          messages: s.messages,
          topic,
          expectTopics: s.expectTopics,
          deadline,
          log: ctx.log,
          signal: ctx.signal,
        }),
      { deadline, signal: ctx.signal, log: ctx.log },
    );
    const outcome = passedOutcome(report, wait, s);
    for (const d of outcome.details ?? []) ctx.log.info(d);
    return outcome;
  } catch (e) {
    throw withTunnelCause(e, forward, s);
  } finally {
    await forward?.close();
  }
}

export function createSmokeStage(deps: StageDeps): Stage {
  const s = smokeSettings(deps.inputs);
  return {
    name: 'smoke',
    needs: STAGE_CATALOG.smoke.needs,
    plan: (ctx) => planSmoke(deps, s, ctx),
    apply: (ctx) => applySmoke(deps, s, ctx),
  };
}
