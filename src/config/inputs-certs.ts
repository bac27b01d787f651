// Inputs of the certs stage: the client PKI (root CA -> intermediate CA -> client leaf) and where it is kept.
import * as z from 'zod/mini';
import { KEY_ALGORITHMS } from '../pki/algorithms.js';
import { dataKeyInput, defineInputs, integerInput, kubeNameInput, oneOf, textInput } from './input-spec.js';

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
    expected: 'a distinguished name or a common name',
    example: 'root-ca-subject: CN=Contoso Plant 7 Root CA',
    schema: textInput('subject'),
  },
  'intermediate-ca-subject': {
    description:
      'Subject of the intermediate CA (the broker matches it for the `manufacturer` attribute by default).',
    default: 'CN=Litmus Edge Intermediate CA 1',
    expected: 'a distinguished name or a common name',
    example: 'intermediate-ca-subject: CN=Litmus Edge Intermediate CA 1',
    schema: textInput('subject'),
  },
  'client-subject': {
    description: 'Subject of the client certificate Litmus Edge presents to the broker.',
    default: 'CN=aiomqttconnector',
    expected: 'a distinguished name or a common name',
    example: 'client-subject: CN=aiomqttconnector',
    schema: textInput('subject'),
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
    expected: 'a label such as a date',
    example: 'rotate-ca: 2026-11',
    schema: z.optional(textInput('label')),
  },
  'client-cert-secret': {
    description:
      'Secret (in `namespace`) that holds the chain, the client key and, unless `ca-key-dir` is set, the CA keys.',
    default: 'litmusedge-mqtt-client',
    expected: 'a Kubernetes name',
    example: 'client-cert-secret: litmusedge-mqtt-client',
    schema: kubeNameInput(),
  },
  'ca-key-dir': {
    description:
      'Keep the CA private keys in this directory on the runner (files `root-ca.key`, `intermediate-ca.key`, mode 0600) instead of the cluster Secret. Restore it from your own secret store before a run that issues a certificate.',
    expected: 'a directory path',
    example: 'ca-key-dir: ${{ runner.temp }}/litmus-ca',
    schema: z.optional(textInput('path')),
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
