// Stage `smoke`: proves the path Litmus Edge uses works, with the exact credentials it uses: the client chain
// from the certs Secret, trusting only the AIO CA bundle, over TLS to the broker's X.509 port. Reports
// latencies; on failure, names the layer, what was expected and presented, and the input or stage to fix.
import { randomBytes } from 'node:crypto';
import { STAGE_CATALOG } from '../../config/catalog.js';
import type { ConfigMapLike } from '../../kube/kube-objects.js';
import { describeRef, type LocalForward } from '../../kube/kube-client.js';
import { ProbeFailure, type TlsTarget } from '../../mqtt/diagnose.js';
import { latencyStats, runProbe } from '../../mqtt/probe.js';
import type { Stage, StageOutcome } from '../../pipeline/stage.js';
import { pkiRefs } from '../pki-refs.js';
import type { StageDeps } from '../stage-deps.js';

export function createSmokeStage(deps: StageDeps): Stage {
  const i = deps.inputs;
  const { clientSecret: secretRef, brokerCa: caRef } = pkiRefs(i);
  const direct = i['smoke-broker-address'];
  const via = direct
    ? `direct ${direct}`
    : `port-forward to Service ${i['aio-namespace']}/${i['broker-service']}:${i['broker-port']}`;
  // The probe publishes under the authorized prefix when authpolicy restricts topics.
  const topicRoot = i['topic-prefix']
    ? `${i['topic-prefix'].replace(/\/+$/, '')}/litmus-aio-smoke`
    : 'litmus-aio/smoke';

  async function credentials(): Promise<Pick<TlsTarget, 'caPem' | 'certPem' | 'keyPem'>> {
    const kube = await deps.kube();
    const [secret, ca] = await Promise.all([
      kube.get<ConfigMapLike>(secretRef),
      kube.get<ConfigMapLike>(caRef),
    ]);
    const decode = (v: string | undefined): string => (v ? Buffer.from(v, 'base64').toString('utf8') : '');
    const certPem = decode(secret?.data?.['tls.crt']);
    const keyPem = decode(secret?.data?.['tls.key']);
    const caPem = ca?.data?.[i['broker-ca-key']] ?? '';
    if (!certPem || !keyPem) {
      throw new Error(
        `smoke: ${describeRef(secretRef)} has no client certificate (tls.crt/tls.key): run the certs stage first, or set namespace/client-cert-secret`,
      );
    }
    if (!caPem) {
      throw new Error(
        `smoke: ${describeRef(caRef)} has no key '${i['broker-ca-key']}': the broker's CA is unknown, so the broker cannot be verified; check aio-namespace and broker-ca-configmap`,
      );
    }
    deps.mask(keyPem);
    return { caPem, certPem, keyPem };
  }

  return {
    name: 'smoke',
    needs: STAGE_CATALOG.smoke.needs,
    async plan(ctx): Promise<StageOutcome> {
      // Proves what it needs exists, without connecting; when certs runs first it will create the client
      // certificate, so its absence now is expected rather than an error.
      let pending = '';
      try {
        await credentials();
      } catch (e) {
        if (!ctx.upstream.has('certs')) throw e;
        pending = ' (once certs has created the client certificate)';
      }
      const topics = i['expect-topics'] ?? [];
      return {
        changed: false,
        changes: [],
        details: [
          `would connect via ${via} as the client in ${describeRef(secretRef)} and round-trip ${i['smoke-messages']} QoS 1 messages on ${topicRoot}/<id>${topics.length ? `, then wait for data on ${topics.join(', ')}` : ''}${pending}`,
        ],
      };
    },
    async apply(ctx): Promise<StageOutcome> {
      const deadline = performance.now() + i['smoke-timeout'] * 1000;
      const creds = await credentials();
      let forward: LocalForward | undefined;
      try {
        let host: string;
        let port: number;
        if (direct) {
          const at = direct.lastIndexOf(':');
          host = direct.slice(0, at).replace(/^\[|\]$/g, '');
          port = Number(direct.slice(at + 1));
        } else {
          forward = await (
            await deps.kube()
          ).forwardServicePort(i['aio-namespace'], i['broker-service'], i['broker-port']);
          ({ host, port } = forward);
        }
        const target: TlsTarget = { host, port, servername: i['tls-server-name'], via, ...creds };
        const report = await runProbe(target, {
          protocolVersion: i['mqtt-version'] === '5' ? 5 : 4,
          messages: i['smoke-messages'],
          topic: `${topicRoot}/${randomBytes(6).toString('hex')}`,
          expectTopics: i['expect-topics'] ?? [],
          deadline,
          log: ctx.log,
          signal: ctx.signal,
        });
        const s = latencyStats(report.latencies);
        const ms = (x: number): string => `${x.toFixed(1)} ms`;
        const details = [
          `${report.latencies.length}/${i['smoke-messages']} probe messages round-tripped via ${via} (MQTT ${i['mqtt-version']}, TLS, client chain from ${describeRef(secretRef)}): min ${ms(s.min)}, median ${ms(s.median)}, p95 ${ms(s.p95)}; connect ${ms(report.connectMs)}`,
          ...report.interruptions,
          ...report.topics.map(
            (t) => `${t.topic}: ${t.messages} message(s), first after ${t.firstAfterMs} ms`,
          ),
        ];
        for (const d of details) ctx.log.info(d);
        return {
          changed: false,
          changes: [],
          details,
          outputs: {
            'smoke-latency-ms': s.median.toFixed(1),
            'smoke-result': JSON.stringify({
              ok: true,
              messages: i['smoke-messages'],
              lost: report.lost,
              duplicates: report.duplicates,
              latencyMs: { min: +s.min.toFixed(2), median: +s.median.toFixed(2), p95: +s.p95.toFixed(2) },
              connectMs: +report.connectMs.toFixed(1),
              interruptions: report.interruptions,
              topics: report.topics,
              via,
            }),
          },
        };
      } catch (e) {
        if (e instanceof ProbeFailure && forward?.errors().length) {
          // The tunnel itself failed (e.g. no ready broker pod): that is the cause to report.
          throw new Error(
            `${e.message.split('. Fix:')[0]}; ${forward.errors().at(-1)}. Fix: check the broker pods in ${i['aio-namespace']} and broker-service`,
            { cause: e },
          );
        }
        throw e;
      } finally {
        await forward?.close();
      }
    },
  };
}
