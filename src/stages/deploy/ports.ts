// What the deploy stage reaches, built lazily from its settings: helm (the real binary, with a private home and the
// run's kubeconfig; on a GitHub runner the version helm-version pins is installed when PATH lacks it), the
// Kubernetes API, container logs, and the registry (to pin a tag to its digest).
import type { Helm } from '../../helm/helm.js';
import type { HelmInstaller } from '../../helm/helm-install.js';
import type { KubeClient } from '../../kube/kube-client.js';
import type { PodLogReader } from '../../kube/pod-logs.js';
import type { CleanupRegistry } from '../../pipeline/cleanup.js';
import type { Logger } from '../../pipeline/logger.js';
import type { RegistryAuth } from '../../registry/auth.js';
import type { ImageRef } from '../../registry/types.js';
import type { StageDeps } from '../stage-deps.js';
import type { DigestResolver } from './image.js';
import type { DeploySettings } from './settings.js';

export interface DeployPorts {
  /**
   * A checked helm (version >= 4.1.2, exactly helm-version when set) whose private directory is registered with
   * `cleanup`; close() it. `run` logs which helm (and a download's progress) and can cancel a download.
   */
  helm(cleanup: CleanupRegistry, run?: { log?: Logger; signal?: AbortSignal }): Promise<Helm>;
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

/** On a GitHub runner, what installs the pinned helm (download, checksum, tool cache); undefined elsewhere. */
async function installerFor(deps: StageDeps): Promise<HelmInstaller | undefined> {
  const { helmInstaller } = await import('../../helm/helm-install.js');
  return helmInstaller({
    env: deps.env,
    baseUrl: deps.inputs['helm-download-url'],
    toolCache: async (log) => (await import('../../helm/tool-cache.js')).actionsToolCache(deps.env, log),
  });
}

export function defaultDeployPorts(deps: StageDeps, s: DeploySettings): DeployPorts {
  return {
    env: deps.env,
    async helm(cleanup, run = {}) {
      const { openHelm } = await import('../../helm/helm-cli.js');
      const installer = s.helmVersion ? await installerFor(deps) : undefined;
      return openHelm({
        env: deps.env,
        kubeconfig: await deps.kubeconfig(),
        cleanup,
        ...(s.helmVersion ? { pinned: s.helmVersion } : {}),
        ...(installer ? { installer } : {}),
        ...(run.log ? { log: run.log } : {}),
        ...(run.signal ? { signal: run.signal } : {}),
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
