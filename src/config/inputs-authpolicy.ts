// Inputs of the authpolicy stage: the broker's X.509 authentication policy and the TLS port that uses it.
import * as z from 'zod/mini';
import { parseDistinguishedName } from '../pki/distinguished-name.js';
import { topicNameProblem } from './network-values.js';
import { parseYamlSafely } from './yaml.js';
import { booleanInput, defineInputs, integerInput, kubeNameInput, oneOf, quote } from './input-spec.js';

/** Plenty for dozens of entries; bounds what the YAML parser is handed. */
const MAX_ATTRIBUTES_TEXT = 64 * 1024;

/** YAML or JSON text (action inputs, variables) or a mapping (config file): {key: {subject, attributes}}. */
const attributesSchema = z.pipe(
  z.transform(async (raw: unknown, ctx) => {
    if (typeof raw !== 'string') return raw;
    if (raw.length > MAX_ATTRIBUTES_TEXT) {
      ctx.issues.push({
        code: 'custom',
        input: raw,
        message: `is ${raw.length} characters long, more than ${MAX_ATTRIBUTES_TEXT}`,
      });
      return z.NEVER;
    }
    const parsed = await parseYamlSafely(raw, 'the value', 'YAML or JSON');
    if (parsed.ok) return parsed.value;
    const fix = parsed.fix.startsWith('valid') ? '' : `: ${parsed.fix}`;
    ctx.issues.push({ code: 'custom', input: raw, message: `${parsed.problem}${fix}` });
    return z.NEVER;
  }),
  z.record(
    z.string(),
    z.object(
      {
        subject: z.string({ error: 'each entry needs a subject string, e.g. "CN = aiomqttconnector"' }).check(
          z.superRefine((v, ctx) => {
            const p = parseDistinguishedName(v);
            if (!p.ok) ctx.addIssue({ code: 'custom', input: v, message: `the subject ${p.problem}` });
          }),
        ),
        attributes: z.record(z.string(), z.string({ error: 'attribute values must be strings' }), {
          error: 'each entry needs an attributes mapping of strings, e.g. {group: connector_group}',
        }),
      },
      { error: (iss) => `entry ${quote(iss.input)} is not a mapping with subject and attributes` },
    ),
    { error: (iss) => `got ${quote(iss.input)}, not a mapping of attribute sets` },
  ),
);

export const AUTHPOLICY_INPUTS = defineInputs({
  'authpolicy-mode': {
    description:
      'Where broker resources are changed: `arm` (production: Azure Resource Manager is the source of truth and syncs to the cluster) or `kubernetes` (the custom resources directly, for test clusters).',
    default: 'arm',
    expected: 'arm or kubernetes',
    example: 'authpolicy-mode: kubernetes',
    schema: oneOf(['arm', 'kubernetes'], 'a mode'),
  },
  'broker-authentication': {
    description: 'Name of the BrokerAuthentication (X.509) this tool owns.',
    default: 'litmusedge',
    expected: 'a Kubernetes name',
    example: 'broker-authentication: litmusedge',
    schema: kubeNameInput(),
  },
  'broker-listener': {
    description:
      'The BrokerListener that gets the TLS port. Its existing ports are kept exactly as they are.',
    default: 'default',
    expected: 'a Kubernetes name',
    example: 'broker-listener: default',
    schema: kubeNameInput(),
  },
  'broker-port': {
    description:
      'The TLS port for X.509 clients, added to `broker-listener`. Ports are unique across listeners.',
    default: '18884',
    expected: 'a port number from 1 to 65535',
    example: 'broker-port: 18884',
    schema: integerInput(1, 65_535),
  },
  'authorization-attributes': {
    description:
      'X.509 authorization attributes, as YAML or JSON: `{<name>: {subject, attributes}}`. Matching starts at the leaf and stops at the first match. Default: the intermediate CA subject gets `manufacturer: litmus edge`, the client subject gets `group: connector_group` (as in the Jumpstart drop).',
    expected: 'a YAML/JSON mapping of {subject, attributes}',
    example:
      'authorization-attributes: \'{"connector": {"subject": "CN = aiomqttconnector", "attributes": {"group": "connector_group"}}}\'',
    schema: z.optional(attributesSchema),
  },
  'topic-prefix': {
    description:
      "When set, a BrokerAuthorization (same name as the authentication) lets the connector's group connect and publish only under this prefix; it is referenced from the port.",
    expected: 'an MQTT topic prefix without wildcards',
    example: 'topic-prefix: litmus',
    schema: z.optional(
      z.string().check(
        z.regex(/^[^#+\s]+$/, {
          error: (iss) => `${quote(iss.input)} must not contain wildcards (+, #) or spaces`,
        }),
        z.superRefine((v, ctx) => {
          const problem = /[#+\s]/.test(v) ? undefined : topicNameProblem(v);
          if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
        }),
      ),
    ),
  },
  force: {
    description:
      'Overwrite a broker resource (BrokerAuthentication, BrokerAuthorization, the port entry) that was changed outside litmus-aio since it applied it (drift), or that it never applied and that differs from the inputs. Without it either stops the run before any stage changes anything. Changes the inputs cause to what litmus-aio applied need no force.',
    default: 'false',
    expected: 'true or false',
    example: 'force: true',
    schema: booleanInput(),
  },
});
