// The clients stages get, built lazily and once per run: nothing heavy loads unless a stage asks for it.
import type { AzureAccess } from '../azure/azure-access.js';
import type { Inputs } from '../config/input-specs.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { KubeconfigSource } from '../kube/kubeconfig-source.js';
import type { StageDeps } from '../stages/stage-deps.js';
import type { EngineDeps } from './run-command.js';

export function buildStageDeps(inputs: Inputs, deps: EngineDeps, source: () => KubeconfigSource): StageDeps {
  let kube: Promise<KubeClient> | undefined;
  let azure: Promise<AzureAccess> | undefined;
  const mask = deps.mask ?? (() => undefined);
  return {
    inputs,
    kube: () =>
      (kube ??= deps.kubeClient
        ? Promise.resolve(deps.kubeClient)
        : import('../kube/node-kube-client.js').then((m) => m.kubeClientFromSource(source()))),
    azure: () =>
      (azure ??= import('../azure/azure-credential.js').then((m) =>
        m.createAzureAccess(
          inputs,
          {
            env: deps.env,
            mask,
            log: { info: () => undefined, debug: () => undefined },
            ...(deps.getIdToken ? { getIdToken: deps.getIdToken } : {}),
          },
          deps.azureEnvironment,
        ),
      )),
    kubeconfig: () =>
      import('../kube/kubeconfig-export.js').then((m) => m.exportKubeconfig(source(), deps.env)),
    env: deps.env,
    mask,
    now: () => new Date(),
  };
}
