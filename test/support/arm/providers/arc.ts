// Azure Arc: Microsoft.Kubernetes/connectedClusters 2024-01-01 (GET, listClusterUserCredential) and
// Microsoft.ExtendedLocation/customLocations 2021-08-15 (GET, list enabledResourceTypes).
import { randomBytes } from 'node:crypto';
import { handleGet } from '../engine.js';
import type { HandlerResult, RequestContext, ResourceTypeDef } from '../types.js';

export const KUBERNETES_NAMESPACE = 'Microsoft.Kubernetes';
export const KUBERNETES_API_VERSION = '2024-01-01';
export const EXTENDED_LOCATION_NAMESPACE = 'Microsoft.ExtendedLocation';
export const EXTENDED_LOCATION_API_VERSION = '2021-08-15';

function defaultKubeconfig(cluster: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${cluster}`,
    '  cluster:',
    '    server: https://127.0.0.1:47011',
    '    insecure-skip-tls-verify: true',
    'contexts:',
    `- name: ${cluster}`,
    '  context:',
    `    cluster: ${cluster}`,
    '    user: clusterUser',
    `current-context: ${cluster}`,
    'users:',
    '- name: clusterUser',
    '  user:',
    `    token: ${token}`,
    '',
  ].join('\n');
}

function listClusterUserCredential(ctx: RequestContext): HandlerResult {
  handleGet(ctx); // 404 for an unknown cluster
  const body = ctx.body as { authenticationMethod: string; clientProxy: boolean };
  const cluster = ctx.path.pairs[0]!.name;
  const kubeconfig =
    ctx.hooks.clusterKubeconfig ?? defaultKubeconfig(cluster, randomBytes(32).toString('hex'));
  const kubeconfigs = [{ name: 'credentialUser', value: Buffer.from(kubeconfig).toString('base64') }];
  if (!body.clientProxy) return { status: 200, body: { kubeconfigs } };
  return {
    status: 200,
    body: {
      hybridConnectionConfig: {
        expirationTime: Math.floor(Date.now() / 1000) + 3600,
        hybridConnectionName: `microsoft.kubernetes/connectedclusters/${randomBytes(16).toString('hex')}/${cluster}`,
        relay: 'azgnrelay-eastus-l1',
        token: `SharedAccessSignature ${randomBytes(24).toString('base64url')}`,
      },
      kubeconfigs,
    },
  };
}

export function arcTypes(location: string): ResourceTypeDef[] {
  return [
    {
      namespace: KUBERNETES_NAMESPACE,
      apiVersion: KUBERNETES_API_VERSION,
      location,
      types: ['connectedClusters'],
      get: true,
      actions: { listclusterusercredential: listClusterUserCredential },
    },
    {
      namespace: EXTENDED_LOCATION_NAMESPACE,
      apiVersion: EXTENDED_LOCATION_API_VERSION,
      location,
      types: ['customLocations'],
      get: true,
    },
    {
      namespace: EXTENDED_LOCATION_NAMESPACE,
      apiVersion: EXTENDED_LOCATION_API_VERSION,
      location,
      types: ['customLocations', 'enabledResourceTypes'],
      list: true,
    },
  ];
}
