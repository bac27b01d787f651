// Inputs and outputs of the connector stage: how to reach and authenticate to Litmus Edge's API, and what the
// "MQTT – Generic over SSL" integration should say. The names are part of the public interface (issue 15).
import * as z from 'zod/mini';
import { subjectProblem } from '../litmus/topics.js';
import { defineInputs, quote, splitList, textInput } from './input-spec.js';
import { dnsNameProblem } from './network-values.js';
import type { InputValues } from './input-specs.js';
import { yamlMappingInput } from './yaml-mapping-input.js';

const trimmed = (raw: unknown): unknown => (typeof raw === 'string' ? raw.trim() : raw);

/** https://host[:port][/path]: the token travels in every request, so plain http is refused. */
const litmusUrl = z.pipe(
  z.transform(trimmed),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not a URL` }).check(
    z.superRefine((v, ctx) => {
      let u: URL | undefined;
      try {
        u = new URL(v);
      } catch {
        u = undefined;
      }
      const problem = !u
        ? `${quote(v)} is not a URL such as https://10.0.0.20`
        : u.protocol !== 'https:'
          ? `${quote(v)} is not https: Litmus Edge serves its API over HTTPS and the API token must not travel in the clear`
          : u.username || u.password
            ? `${quote(v)} holds credentials: give them in litmus-edge-token or litmus-edge-client-id/-secret`
            : u.search || u.hash
              ? `${quote(v)} has a query or fragment`
              : undefined;
      if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
    }),
  ),
);

const pem = z.pipe(
  z.transform(trimmed),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not PEM` }).check(
    z.regex(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/, {
      error: 'holds no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)',
    }),
  ),
);

const MAX_CONFIG_TEXT = 64 * 1024;

const providerConfig = yamlMappingInput(MAX_CONFIG_TEXT, 'provider config keys to values');

const MAX_TOPICS = 200;

const topics = z.pipe(
  z.transform(splitList),
  z
    .array(z.string({ error: (iss) => `topic ${quote(iss.input)} is not a string` }), {
      error: (iss) => `got ${quote(iss.input)}, not a list of topics`,
    })
    .check(
      z.maxLength(MAX_TOPICS, {
        error: (iss) => `${(iss.input as unknown[]).length} topics, more than ${MAX_TOPICS}`,
      }),
      z.superRefine((list, ctx) => {
        for (const t of list) {
          const problem = subjectProblem(t);
          if (problem) ctx.addIssue({ code: 'custom', input: t, message: problem });
        }
      }),
    ),
);

const hostName = z.pipe(
  z.transform(trimmed),
  z.string({ error: (iss) => `got ${quote(iss.input)}, not a host name` }).check(
    z.superRefine((v, ctx) => {
      const problem = dnsNameProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
    }),
  ),
);

export const CONNECTOR_INPUTS = defineInputs({
  'litmus-edge-url': {
    description:
      "Litmus Edge's API, `https://host[:port]`. Default: a port-forward through the Kubernetes API to port 443 of the release's Service in `namespace`.",
    expected: 'an https:// URL',
    example: 'litmus-edge-url: https://10.0.0.20',
    schema: z.optional(litmusUrl),
  },
  'litmus-edge-ca': {
    description:
      "PEM to trust for Litmus Edge's own HTTPS certificate (self-signed by default). Without it, the certificate's SHA-256 is pinned on first use, stored in a Secret beside `client-cert-secret` and stated in the result; a later different certificate is refused.",
    expected: 'PEM certificates',
    example: 'litmus-edge-ca: ${{ vars.LITMUS_EDGE_CA_PEM }}',
    schema: z.optional(pem),
  },
  'litmus-edge-token': {
    description:
      'Litmus Edge API token (System > Access Control > Tokens), sent as HTTP Basic with the token as user and an empty password. Or use `litmus-edge-client-id` + `litmus-edge-client-secret`. With either, check-certs also reads (and `rotate` updates) the integration.',
    expected: 'an API token',
    example: 'litmus-edge-token: ${{ secrets.LITMUS_EDGE_TOKEN }}',
    secret: true,
    schema: z.optional(z.string().check(z.minLength(1))),
  },
  'litmus-edge-client-id': {
    description:
      'OAuth2 client id of Litmus Edge API credentials (client credentials grant), with `litmus-edge-client-secret`; the access token is refreshed before it expires.',
    expected: 'a client id',
    example: 'litmus-edge-client-id: ${{ vars.LITMUS_EDGE_CLIENT_ID }}',
    schema: z.optional(textInput('client id', 256)),
  },
  'litmus-edge-client-secret': {
    description: 'OAuth2 client secret for `litmus-edge-client-id`.',
    expected: 'a client secret',
    example: 'litmus-edge-client-secret: ${{ secrets.LITMUS_EDGE_CLIENT_SECRET }}',
    secret: true,
    schema: z.optional(z.string().check(z.minLength(1))),
  },
  'connector-name': {
    description:
      'Name of the Litmus Edge integration instance (found by provider and this name; created when missing).',
    default: 'aio-broker',
    expected: 'a name (one line, at most 100 characters)',
    example: 'connector-name: aio-broker',
    schema: textInput('connector name', 100),
  },
  'connector-provider': {
    description:
      'Id of the integration provider: "MQTT – Generic over SSL" is `generic-mqtt-ssl`. When this id is missing, a single provider named like it is used and the result says so.',
    default: 'generic-mqtt-ssl',
    expected: 'a provider id (GET /cc/providers lists them)',
    example: 'connector-provider: generic-mqtt-ssl',
    schema: textInput('provider id', 100),
  },
  'connector-config': {
    description:
      'YAML mapping of provider config keys to values, overriding what the stage sets (e.g. `{persistentStorage: false}`). A value `{{broker-ca}}`, `{{client-chain}}`, `{{client-key}}`, `{{broker-host}}`, `{{broker-port}}`, `{{client-id}}`, `{{qos}}`, `{{topic}}` or `{{name}}` puts that value in the named key (when the provider schema is ambiguous).',
    expected: 'a YAML mapping',
    example: "connector-config: '{workersCount: 10, queueMode: fifo}'",
    schema: z.optional(providerConfig),
  },
  'connector-topics': {
    description:
      'DeviceHub topics or patterns to send to the broker (`*` one token, `>` the rest), each to a remote topic under `topic-prefix` made of its literal tokens (`devicehub.alias.press1.*` -> `<topic-prefix>/devicehub/alias/press1`).',
    expected: 'DeviceHub topics, comma- or newline-separated',
    example: 'connector-topics: devicehub.alias.*',
    schema: z.optional(topics),
  },
  'broker-host': {
    description:
      "Host name of the broker as Litmus Edge reaches it (in the cluster). Default: `aio-broker.<aio-namespace>.svc.cluster.local`, one of the names in the AIO broker's certificate.",
    expected: 'a DNS name in the broker certificate',
    example: 'broker-host: aio-broker.azure-iot-operations.svc.cluster.local',
    schema: z.optional(hostName),
  },
});

export const CONNECTOR_OUTPUTS = [
  { name: 'connector-id', description: 'connector: id of the Litmus Edge integration instance.' },
  {
    name: 'litmus-edge-version',
    description:
      "connector: Litmus Edge's firmware version (GET /dm/deviceinfo), as the instance reports it.",
  },
  {
    name: 'connector-topics',
    description:
      'connector: JSON object of the DeviceHub topics enabled (local) -> their remote MQTT topics.',
  },
] as const;

/** A Litmus Edge credential is given: the connector can reach its API, and check-certs reads the integration. */
export const litmusCredentialGiven = (
  i: Pick<InputValues, 'litmus-edge-token' | 'litmus-edge-client-id' | 'litmus-edge-client-secret'>,
): boolean => !!(i['litmus-edge-token'] || i['litmus-edge-client-id'] || i['litmus-edge-client-secret']);
