// Inputs of the smoke stage: how to reach the broker and what to prove.
import * as z from 'zod/mini';
import { defineInputs, integerInput, kubeNameInput, oneOf, quote, splitList } from './input-spec.js';
import { dnsNameProblem, hostPortProblem, topicFilterProblem } from './network-values.js';

const address = z.pipe(
  z.transform((raw: unknown) => (typeof raw === 'string' ? raw.trim() : raw)),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not host:port` }).check(
    z.superRefine((v, ctx) => {
      const problem = hostPortProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
    }),
  ),
);

/** More than enough for a smoke test; each topic is a subscription held for smoke-timeout. */
const MAX_EXPECT_TOPICS = 100;

const topics = z.pipe(
  z.transform(splitList),
  z
    .array(z.string({ error: (iss) => `topic ${quote(iss.input)} is not a string` }), {
      error: (iss) => `got ${quote(iss.input)}, not a list of topics`,
    })
    .check(
      z.maxLength(MAX_EXPECT_TOPICS, {
        error: (iss) => `${(iss.input as unknown[]).length} topics, more than ${MAX_EXPECT_TOPICS}`,
      }),
      z.superRefine((filters, ctx) => {
        for (const f of filters) {
          const problem = topicFilterProblem(f);
          if (problem) ctx.addIssue({ code: 'custom', input: f, message: problem });
        }
      }),
    ),
);

const serverName = z.pipe(
  z.transform((raw: unknown) => (typeof raw === 'string' ? raw.trim() : raw)),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not a DNS name` }).check(
    z.superRefine((v, ctx) => {
      const problem = dnsNameProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
    }),
  ),
);

export const SMOKE_INPUTS = defineInputs({
  'smoke-broker-address': {
    description:
      'Reach the broker directly at host:port (a self-hosted runner inside the network). When empty, the stage port-forwards to Service `broker-service` on `broker-port` through the Kubernetes API.',
    expected: 'host:port with a port from 1 to 65535 (an IPv6 address in brackets: [fd00::5]:18884)',
    example: 'smoke-broker-address: 10.0.0.5:18884',
    schema: z.optional(address),
  },
  'broker-service': {
    description: 'The broker Service the smoke stage port-forwards to (in `aio-namespace`).',
    default: 'aio-broker',
    expected: 'a Kubernetes name',
    example: 'broker-service: aio-broker',
    schema: kubeNameInput(),
  },
  'tls-server-name': {
    description:
      "Name checked against the broker certificate's SANs (server name verification is always on).",
    default: 'aio-broker',
    expected: 'a DNS name in the broker certificate',
    example: 'tls-server-name: aio-broker.azure-iot-operations',
    schema: serverName,
  },
  'mqtt-version': {
    description: 'MQTT protocol version of the probe.',
    default: '5',
    expected: '5 or 3.1.1',
    example: 'mqtt-version: 3.1.1',
    schema: oneOf(['5', '3.1.1'], 'an MQTT version'),
  },
  'smoke-messages': {
    description: 'How many QoS 1 probe messages to round-trip.',
    default: '10',
    expected: 'a whole number from 1 to 1000',
    example: 'smoke-messages: 50',
    schema: integerInput(1, 1000),
  },
  'smoke-timeout': {
    description:
      'Deadline for the whole smoke stage, in seconds: connecting, the probe and expect-topics. Until then, refusals that mean the broker has not applied the policy yet (port not open, client CA not trusted yet, not authorized yet: AIO takes seconds, through ARM longer) are retried with backoff; the result says how long it waited, and a refusal that persists is reported by its cause.',
    default: '60',
    expected: 'a whole number of seconds from 1 to 3600',
    example: 'smoke-timeout: 120',
    schema: integerInput(1, 3600),
  },
  'expect-topics': {
    description:
      'Topics (filters allowed) that must each carry at least one message within smoke-timeout, e.g. the Litmus Edge topics the connector publishes.',
    expected:
      "a comma- or newline-separated list of MQTT topic filters ('+' alone in a level, '#' alone in the last level)",
    example: 'expect-topics: devicehub/alias/#',
    schema: z.optional(topics),
  },
});
