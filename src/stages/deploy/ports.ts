// What the deploy stage reaches, built lazily from its settings: helm (the real binary, with a private home and the
// run's kubeconfig), the Kubernetes API, container logs, and the registry (to pin a tag to its digest).
import type { Helm } from '../../helm/helm.js';
import type { KubeClient } from '../../kube/kube-client.js';
import type { PodLogReader } from '../../kube/pod-logs.js';
import type { CleanupRegistry } from '../../pipeline/cleanup.js';
import type { RegistryAuth } from '../../registry/auth.js';
import type { ImageRef } from '../../registry/types.js';
import type { StageDeps } from '../stage-deps.js';
import type { DigestResolver } from './image.js';
import type { DeploySettings } from './settings.js';

export interface DeployPorts {
  /** A checked helm (version >= 4.1.2) whose private directory is registered with `cleanup`; close() it. */
  helm(cleanup: CleanupRegistry): Promise<Helm>;
  kube(): Promise<KubeClient>;
  podLogs(): Promise<PodLogReader>;
  digestOf: DigestResolver;
  /** The run's environment: names the workflow run that holds the deploy lock. */
  env: NodeJS.ProcessEnv;
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/** The credentials this run has for `ref`'s registry: the registry inputs when it is `registry`, else none. */
async function authFor(deps: StageDeps, s: DeploySettings, ref: ImageRef): Promise<RegistryAuth> {
  const { anonymousAuth, basicAuth } = await import('../../registry/auth.js');
  const r = s.registry;
  if (!r || r.host !== ref.registry) return anonymousAuth();
  if (r.mode === 'acr') {
    const { acrRegistryAuth } = await import('../../azure/acr-registry-auth.js');
    return acrRegistryAuth(await deps.azure(), r.host);
  }
  return r.credentials ? basicAuth(r.credentials.username, r.credentials.password) : anonymousAuth();
}

export function defaultDeployPorts(deps: StageDeps, s: DeploySettings): DeployPorts {
  return {
    env: deps.env,
    async helm(cleanup) {
      const { openHelm } = await import('../../helm/helm-cli.js');
      return openHelm({
        env: deps.env,
        kubeconfig: await deps.kubeconfig(),
        cleanup,
        ...(s.helmVersion ? { pinned: s.helmVersion } : {}),
      });
    },
    kube: () => deps.kube(),
    podLogs: once(async () => (await import('../../kube/pod-logs.js')).podLogReader(await deps.kubeconfig())),
    async digestOf(ref, signal) {
      const { ociHttpRegistry } = await import('../../registry/oci-http.js');
      const { registryBaseUrl } = await import('../../registry/image-ref.js');
      const same = s.registry?.host === ref.registry ? s.registry : undefined;
      const base = same?.insecureHttp ? new URL(`http://${ref.registry}`) : registryBaseUrl(ref.registry);
      const registry = ociHttpRegistry(base, await authFor(deps, s, ref), same?.ca ? { ca: same.ca } : {});
      return (await registry.resolve(ref, signal))?.digest;
    },
  };
}
