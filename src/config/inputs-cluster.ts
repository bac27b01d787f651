// Where things live in the cluster: shared by the certs, authpolicy, deploy, connector and smoke stages.
import { defineInputs, kubeNameInput } from './input-spec.js';

export const CLUSTER_INPUTS = defineInputs({
  namespace: {
    description:
      'Kubernetes namespace of the Litmus Edge release; the client certificate Secret lives here too. Created when missing.',
    default: 'litmus-edge',
    expected: 'a Kubernetes namespace name',
    example: 'namespace: le-prod',
    schema: kubeNameInput(),
  },
  'aio-namespace': {
    description: 'Namespace of Azure IoT Operations (broker, listeners, the trusted-CA ConfigMap).',
    default: 'azure-iot-operations',
    expected: 'a Kubernetes namespace name',
    example: 'aio-namespace: azure-iot-operations',
    schema: kubeNameInput(),
  },
});
