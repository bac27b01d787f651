// How the run reaches the Kubernetes API: a kubeconfig (input or KUBECONFIG), the pod's service account,
// or Azure Arc cluster connect.
import * as z from 'zod/mini';
import { booleanInput, defineInputs, integerInput, oneOf, textInput } from './input-spec.js';

export const CLUSTER_ACCESS_INPUTS = defineInputs({
  'cluster-access': {
    description:
      '`kubeconfig`: the `kubeconfig` input, else $KUBECONFIG, else ~/.kube/config. `in-cluster`: the service account of a self-hosted runner pod in the edge cluster. `arc`: Azure Arc cluster connect (`az connectedk8s proxy`) with the same Azure identity.',
    default: 'kubeconfig',
    expected: 'kubeconfig, in-cluster or arc',
    example: 'cluster-access: arc',
    schema: oneOf(['kubeconfig', 'in-cluster', 'arc'], 'a cluster access mode'),
  },
  kubeconfig: {
    description:
      'A kubeconfig, as YAML or base64 (e.g. from a secret). Written mode 0600 under RUNNER_TEMP for this run only and removed in the post step.',
    expected: 'kubeconfig YAML, or the same base64-encoded',
    example: 'kubeconfig: ${{ secrets.EDGE_KUBECONFIG }}',
    secret: true,
    schema: z.optional(textInput('kubeconfig')),
  },
  'allow-insecure-kubeconfig': {
    description:
      'Use a kubeconfig whose cluster sets `insecure-skip-tls-verify: true` (the API server is not authenticated, so anyone on the path can read the credentials it is sent). Refused unless this is true; a warning is shown even then.',
    default: 'false',
    expected: 'true or false',
    example: 'allow-insecure-kubeconfig: true',
    schema: booleanInput(),
  },
  'arc-cluster': {
    description: 'Name of the Arc-enabled cluster (cluster-access: arc).',
    expected: 'a connected cluster name',
    example: 'arc-cluster: edge-cluster-01',
    schema: z.optional(textInput('cluster name')),
  },
  'arc-proxy-port': {
    description:
      'Local port of the Arc proxy (fixed, so parallel jobs on one runner can choose distinct ones).',
    default: '47011',
    expected: 'a port number from 1024 to 65535',
    example: 'arc-proxy-port: 47012',
    schema: integerInput(1024, 65_535),
  },
  'arc-proxy-timeout': {
    description: 'How long to wait for the Arc proxy to answer, in seconds.',
    default: '90',
    expected: 'a whole number of seconds from 5 to 900',
    example: 'arc-proxy-timeout: 120',
    schema: integerInput(5, 900),
  },
  'arc-token': {
    description:
      'A Kubernetes service-account token for the Arc proxy (`az connectedk8s proxy --token`), when the cluster does not use Azure RBAC.',
    expected: 'a service-account bearer token',
    example: 'arc-token: ${{ secrets.EDGE_SA_TOKEN }}',
    secret: true,
    schema: z.optional(textInput('token')),
  },
});
