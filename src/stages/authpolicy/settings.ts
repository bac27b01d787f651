// The authpolicy stage's settings from the inputs, and the inputs ARM mode cannot do without (checked when the
// pipeline is built, before any stage runs).
import { InputError } from '../../config/input-error.js';
import type { Inputs } from '../../config/input-specs.js';
import { defaultAttributes, type PolicySettings } from './desired.js';

export interface AuthpolicySettings extends PolicySettings {
  namespace: string;
  force: boolean;
}

const ARM_INPUTS = ['azure-subscription-id', 'resource-group', 'aio-instance'] as const;

const armExample = (k: (typeof ARM_INPUTS)[number]): string =>
  k === 'azure-subscription-id'
    ? '${{ vars.AZURE_SUBSCRIPTION_ID }}'
    : k === 'resource-group'
      ? 'rg-plant7'
      : 'aio-plant7';

export function requireArmInputs(i: Inputs): void {
  if (i['authpolicy-mode'] !== 'arm') return;
  const missing = ARM_INPUTS.filter((k) => !i[k]);
  if (missing.length === 0) return;
  throw new InputError(
    missing.map((k) => ({
      input: k,
      source: 'authpolicy-mode arm',
      problem: 'is required to find the IoT Operations instance in Azure Resource Manager',
      expected: k === 'azure-subscription-id' ? 'a subscription GUID' : 'a name',
      example: `${k}: ${armExample(k)} (or authpolicy-mode: kubernetes for test clusters)`,
    })),
  );
}

export function authpolicySettings(i: Inputs): AuthpolicySettings {
  return {
    namespace: i['aio-namespace'],
    force: i.force,
    authenticationName: i['broker-authentication'],
    listenerName: i['broker-listener'],
    port: i['broker-port'],
    trustedCaConfigMap: i['trusted-ca-configmap'],
    attributes:
      i['authorization-attributes'] ?? defaultAttributes(i['intermediate-ca-subject'], i['client-subject']),
    ...(i['topic-prefix'] ? { topicPrefix: i['topic-prefix'] } : {}),
  };
}
