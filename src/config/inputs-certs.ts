// Inputs of the certs stage: the client PKI (root CA -> intermediate CA -> client leaf) and where it is kept.
import * as z from 'zod/mini';
import { homedir } from 'node:os';
import { KEY_ALGORITHMS } from '../pki/algorithms.js';
import { caKeyDirPathProblem } from './ca-key-dir-path.js';
import { DN_FORM } from '../pki/distinguished-name.js';
import {
  dataKeyInput,
  defineInputs,
  integerInput,
  kubeNameInput,
  oneOf,
  subjectInput,
  textInput,
} from './input-spec.js';

export const CERTS_INPUTS = defineInputs({
  'key-algorithm': {
    description:
      'Key algorithm of the whole client chain (the broker requires one algorithm across it). Changing it for an existing CA needs `rotate-ca`.',
    default: 'ec-p256',
    expected: `one of ${KEY_ALGORITHMS.join(', ')}`,
    example: 'key-algorithm: rsa-2048',
    schema: oneOf(KEY_ALGORITHMS, 'a key algorithm'),
  },
  'root-ca-subject': {
    description: 'Subject of the root CA.',
    default: 'CN=Litmus Edge Root CA',
    expected: DN_FORM,
    example: 'root-ca-subject: CN=Contoso Plant 7 Root CA',
    schema: subjectInput(),
  },
  'intermediate-ca-subject': {
    description:
      'Subject of the intermediate CA (the broker matches it for the `manufacturer` attribute by default).',
    default: 'CN=Litmus Edge Intermediate CA 1',
    expected: DN_FORM,
    example: 'intermediate-ca-subject: CN=Litmus Edge Intermediate CA 1',
    schema: subjectInput(),
  },
  'client-subject': {
    description: 'Subject of the client certificate Litmus Edge presents to the broker.',
    default: 'CN=aiomqttconnector',
    expected: DN_FORM,
    example: 'client-subject: CN=aiomqttconnector',
    schema: subjectInput(),
  },
  'root-ca-days': {
    description: 'Validity of a new root CA, in days.',
    default: '3650',
    expected: 'a whole number of days from 1 to 36500',
    example: 'root-ca-days: 7300',
    schema: integerInput(1, 36_500),
  },
  'intermediate-ca-days': {
    description: 'Validity of a new intermediate CA, in days (never beyond the root).',
    default: '1825',
    expected: 'a whole number of days from 1 to 36500',
    example: 'intermediate-ca-days: 1825',
    schema: integerInput(1, 36_500),
  },
  'client-cert-days': {
    description: 'Validity of a new client certificate, in days (never beyond the intermediate).',
    default: '100',
    expected: 'a whole number of days from 1 to 3650',
    example: 'client-cert-days: 90',
    schema: integerInput(1, 3650),
  },
  'renew-before-days': {
    description: 'Re-issue the client certificate when fewer days than this remain.',
    default: '30',
    expected: 'a whole number of days from 0 to 3650',
    example: 'renew-before-days: 21',
    schema: integerInput(0, 3650),
  },
  'rotate-ca': {
    description:
      'Replace the root and intermediate CA. A CA is never regenerated otherwise. The value is a label recorded with the CA (e.g. a date): a run rotates only when it differs from the recorded one, so re-running with the same value changes nothing. The previous root stays trusted by the broker beside the new one until it expires.',
    expected: 'a label such as a date, at most 63 characters on one line',
    example: 'rotate-ca: 2026-11',
    schema: z.optional(textInput('label', 63)),
  },
  'client-cert-secret': {
    description:
      'Secret (in `namespace`, type kubernetes.io/tls) that Litmus Edge and smoke read: the client chain (`tls.crt`), the client key and the CA certificates. Never a CA key.',
    default: 'litmusedge-mqtt-client',
    expected: 'a Kubernetes name',
    example: 'client-cert-secret: litmusedge-mqtt-client',
    schema: kubeNameInput(),
  },
  'ca-secret': {
    description:
      "Secret (in `namespace`) that holds the client CA: its certificates, the rotation label and, unless `ca-key-dir` is set, the intermediate CA key. Only this tool reads it: the workload's RBAC must not (see docs/security.md). Must differ from `client-cert-secret`.",
    default: 'litmusedge-mqtt-ca',
    expected: 'a Kubernetes name',
    example: 'ca-secret: litmusedge-mqtt-ca',
    schema: kubeNameInput(),
  },
  'ca-key-dir': {
    description:
      'Keep the CA private keys in this directory on the runner (files `root-ca.key`, `intermediate-ca.key`, mode 0600) instead of the `ca-secret` Secret; the root key is kept only here (without `ca-key-dir` it is discarded once the intermediate exists). Created with mode 0700 when missing; an existing directory keeps its mode and is refused when other users can write to it or it is not yours; system directories and your home directory itself are refused. Restore it from your own secret store before a run that issues a certificate.',
    expected: 'a directory path',
    example: 'ca-key-dir: ${{ runner.temp }}/litmus-ca',
    schema: z.optional(
      textInput('path', 4096).check(
        z.superRefine((v, ctx) => {
          const problem = caKeyDirPathProblem(v, homedir());
          if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
        }),
      ),
    ),
  },
  'trusted-ca-configmap': {
    description:
      'ConfigMap (in `aio-namespace`) the broker reads the trusted client root CA from (`trustedClientCaCert`).',
    default: 'litmusedge-ca',
    expected: 'a Kubernetes name',
    example: 'trusted-ca-configmap: litmusedge-ca',
    schema: kubeNameInput(),
  },
  'trusted-ca-key': {
    description: 'Key of the root CA in `trusted-ca-configmap`.',
    default: 'client_ca.pem',
    expected: 'a ConfigMap data key',
    example: 'trusted-ca-key: client_ca.pem',
    schema: dataKeyInput(),
  },
  'broker-ca-configmap': {
    description:
      "ConfigMap (in `aio-namespace`) holding the broker's CA bundle, kept by AIO's trust-manager.",
    default: 'azure-iot-operations-aio-ca-trust-bundle',
    expected: 'a Kubernetes name',
    example: 'broker-ca-configmap: azure-iot-operations-aio-ca-trust-bundle',
    schema: kubeNameInput(),
  },
  'broker-ca-key': {
    description: 'Key of the CA bundle in `broker-ca-configmap`.',
    default: 'ca.crt',
    expected: 'a ConfigMap data key',
    example: 'broker-ca-key: ca.crt',
    schema: dataKeyInput(),
  },
});
