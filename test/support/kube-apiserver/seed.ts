// The state of a fresh Azure IoT Operations cluster connected through Azure Arc (DESIGN.md section 2).
import type { KubeApi } from './api.js';
import { crdSchema } from './crd-schema.js';
import { AIO_GROUP, findResource, resolveResource } from './resources.js';

export interface SeedOptions {
  /** PEM of the broker's CA: ConfigMap azure-iot-operations-aio-ca-trust-bundle key ca.crt. */
  brokerCaPem: string;
  /** PKCS#8 PEM key of that CA, when known: lands in Secret cert-manager/azure-iot-operations-aio-ca-certificate. */
  brokerCaKeyPem?: string;
  clusterName: string;
  resourceGroup: string;
  subscriptionId: string;
  tenantId: string;
  region: string;
}

export const AIO_NAMESPACE = 'azure-iot-operations';
export const BROKER_POD = 'aio-broker-frontend-0';
export const BROKER_LABELS = {
  'app.kubernetes.io/name': 'microsoft-iotoperations-mqttbroker',
  'app.kubernetes.io/instance': 'default',
  'app.kubernetes.io/component': 'frontend',
};

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The simulated nodes (round-robin targets of the scheduler in controllers/pods.ts). */
export const NODES = [
  { name: 'node-a', ip: '192.168.49.2', podCIDR: '10.244.0.0/24' },
  { name: 'node-b', ip: '192.168.49.3', podCIDR: '10.244.1.0/24' },
];

/**
 * What any cluster has, AIO or not: Ready Nodes node-a and node-b, and the default StorageClass `standard`
 * (provisioned by the simulated provisioner in controllers/pvc.ts).
 */
export function seedCluster(api: KubeApi): void {
  const opts = { manager: 'sandbox-seed' };
  const nodes = findResource('', 'v1', 'nodes')!;
  for (const n of NODES) {
    if (api.store.get(nodes, undefined, n.name)) continue;
    const node = api.create(
      nodes,
      undefined,
      {
        metadata: {
          name: n.name,
          labels: {
            'kubernetes.io/hostname': n.name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
          },
        },
        spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] },
      },
      opts,
    );
    api.update(
      nodes,
      undefined,
      n.name,
      {
        ...node,
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
            },
          ],
          addresses: [
            { type: 'InternalIP', address: n.ip },
            { type: 'Hostname', address: n.name },
          ],
          capacity: { cpu: '4', memory: '8Gi', pods: '110' },
          allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
          nodeInfo: { kubeletVersion: 'v1.32.4', architecture: 'amd64', operatingSystem: 'linux' },
        },
      },
      { ...opts, subresource: 'status' },
    );
  }
  const classes = findResource('storage.k8s.io', 'v1', 'storageclasses')!;
  if (!api.store.get(classes, undefined, 'standard')) {
    api.create(
      classes,
      undefined,
      {
        metadata: {
          name: 'standard',
          annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
        },
        provisioner: 'rancher.io/local-path',
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'Immediate',
      },
      opts,
    );
  }
}

export function seed(api: KubeApi, o: SeedOptions): void {
  const opts = { manager: 'sandbox-seed' };
  const create = (resource: string, namespace: string | undefined, body: Record<string, unknown>) =>
    api.create(resolveResource(resource), namespace, body, opts);

  for (const ns of ['default', 'kube-system', 'kube-public', AIO_NAMESPACE, 'azure-arc', 'cert-manager']) {
    create('namespaces', undefined, { metadata: { name: ns } });
  }
  seedCluster(api);

  create('configmaps', 'azure-arc', {
    metadata: { name: 'azure-clusterconfig', namespace: 'azure-arc' },
    data: {
      AZURE_RESOURCE_NAME: o.clusterName,
      AZURE_RESOURCE_GROUP: o.resourceGroup,
      AZURE_SUBSCRIPTION_ID: o.subscriptionId,
      AZURE_TENANT_ID: o.tenantId,
      AZURE_REGION: o.region,
      AZURE_ENVIRONMENT: 'AZUREPUBLICCLOUD',
      AZURE_ARC_AGENT_VERSION: '1.24.4',
      AZURE_ARC_HELM_NAMESPACE: 'azure-arc-release',
      AZURE_ARC_RELEASE_TRAIN: 'stable',
      ARC_AGENT_HELM_CHART_NAME: 'azure-arc-k8sagents',
      CLUSTER_TYPE: 'ConnectedClusters',
      CLUSTER_CONNECT_AGENT_ENABLED: 'true',
      EXTENSION_OPERATOR_ENABLED: 'true',
      GITOPS_ENABLED: 'true',
      KUBERNETES_DISTRO: 'k3s',
      KUBERNETES_INFRA: 'generic',
      MANAGED_IDENTITY_AUTH: 'true',
      ONBOARDING_SECRET_NAME: 'azure-arc-connect-privatekey',
      ONBOARDING_SECRET_NAMESPACE: 'azure-arc-release',
      HTTPS_PROXY: '',
      HTTP_PROXY: '',
      NO_PROXY: '',
    },
  });

  create('configmaps', AIO_NAMESPACE, {
    metadata: {
      name: 'azure-iot-operations-aio-ca-trust-bundle',
      namespace: AIO_NAMESPACE,
      labels: { 'trust.cert-manager.io/bundle': 'azure-iot-operations-aio-ca-trust-bundle' },
    },
    data: { 'ca.crt': o.brokerCaPem },
  });
  create('secrets', 'cert-manager', {
    metadata: { name: 'azure-iot-operations-aio-ca-certificate', namespace: 'cert-manager' },
    type: 'kubernetes.io/tls',
    data: {
      'ca.crt': b64(o.brokerCaPem),
      'tls.crt': b64(o.brokerCaPem),
      'tls.key': b64(o.brokerCaKeyPem ?? ''),
    },
  });

  for (const kind of ['Broker', 'BrokerListener', 'BrokerAuthentication', 'BrokerAuthorization']) {
    const plural = `${kind.toLowerCase()}s`;
    const names = { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` };
    const crd = create('customresourcedefinitions', undefined, {
      metadata: { name: `${plural}.${AIO_GROUP}` },
      spec: {
        group: AIO_GROUP,
        names,
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: crdSchema({ group: AIO_GROUP, version: 'v1', kind }) },
            subresources: { status: {} },
          },
        ],
        conversion: { strategy: 'None' },
      },
    });
    api.update(
      resolveResource('customresourcedefinitions'),
      undefined,
      crd.metadata.name!,
      {
        ...crd,
        status: {
          acceptedNames: names,
          storedVersions: ['v1'],
          conditions: [
            { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
            {
              type: 'Established',
              status: 'True',
              reason: 'InitialNamesAccepted',
              message: 'the initial names have been accepted',
            },
          ].map((c) => ({ ...c, lastTransitionTime: crd.metadata.creationTimestamp })),
        },
      },
      { manager: 'kube-apiserver', subresource: 'status' },
    );
  }

  const aio = (kind: string) => `${AIO_GROUP}/v1/${kind}`;
  const aioMeta = (name: string) => ({ name, namespace: AIO_NAMESPACE });
  create(aio('brokers'), AIO_NAMESPACE, {
    metadata: aioMeta('default'),
    spec: {
      cardinality: {
        backendChain: { partitions: 2, redundancyFactor: 2, workers: 2 },
        frontend: { replicas: 2, workers: 2 },
      },
      memoryProfile: 'Medium',
    },
  });
  create(aio('brokerlisteners'), AIO_NAMESPACE, {
    metadata: aioMeta('default'),
    spec: {
      brokerRef: 'default',
      serviceName: 'aio-broker',
      serviceType: 'ClusterIp',
      ports: [
        {
          port: 18883,
          authenticationRef: 'default',
          protocol: 'Mqtt',
          tls: {
            mode: 'Automatic',
            certManagerCertificateSpec: {
              issuerRef: {
                name: 'azure-iot-operations-aio-certificate-issuer',
                kind: 'ClusterIssuer',
                group: 'cert-manager.io',
              },
            },
          },
        },
      ],
    },
  });
  create(aio('brokerauthentications'), AIO_NAMESPACE, {
    metadata: aioMeta('default'),
    spec: {
      authenticationMethods: [
        { method: 'ServiceAccountToken', serviceAccountTokenSettings: { audiences: ['aio-internal'] } },
      ],
    },
  });

  const ports = [18883, 18884].map((port) => ({
    name: `port-${port}`,
    port,
    targetPort: port,
    protocol: 'TCP',
  }));
  create('services', AIO_NAMESPACE, {
    metadata: { name: 'aio-broker', namespace: AIO_NAMESPACE, labels: { ...BROKER_LABELS } },
    spec: { type: 'ClusterIP', selector: { ...BROKER_LABELS }, ports },
  });
  const pod = create('pods', AIO_NAMESPACE, {
    metadata: { name: BROKER_POD, namespace: AIO_NAMESPACE, labels: { ...BROKER_LABELS } },
    spec: {
      nodeName: 'node-a',
      containers: [
        {
          name: 'broker',
          image: 'mcr.microsoft.com/azureiotoperations/mqttbroker:1.1.0',
          ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
        },
      ],
    },
  });
  const started = pod.metadata.creationTimestamp;
  api.update(
    findResource('', 'v1', 'pods')!,
    AIO_NAMESPACE,
    BROKER_POD,
    {
      ...pod,
      status: {
        phase: 'Running',
        conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
          type,
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: started,
        })),
        podIP: '10.244.0.2',
        podIPs: [{ ip: '10.244.0.2' }],
        hostIP: '192.168.49.2',
        startTime: started,
        containerStatuses: [
          {
            name: 'broker',
            image: 'mcr.microsoft.com/azureiotoperations/mqttbroker:1.1.0',
            imageID: 'mcr.microsoft.com/azureiotoperations/mqttbroker@sha256:0',
            ready: true,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: started } },
          },
        ],
        qosClass: 'BestEffort',
      },
    },
    { manager: 'kubelet', subresource: 'status' },
  );
}
