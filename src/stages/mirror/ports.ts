// The registries and importer the mirror stage works with, built lazily from its settings: the OCI adapter
// (src/registry) for the source and, in oci mode, the destination; ACR through Azure Resource Manager in acr mode.
import type { RegistryAuth } from '../../registry/auth.js';
import type { OciRegistry } from '../../registry/types.js';
import type { StageDeps } from '../stage-deps.js';
import type { MirrorPorts } from './mirror-stage.js';
import type { Credentials, MirrorSettings } from './settings.js';

/** One instance per run, created on first use. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

async function credentialsAuth(c: Credentials | undefined): Promise<RegistryAuth> {
  const { anonymousAuth, basicAuth } = await import('../../registry/auth.js');
  return c ? basicAuth(c.username, c.password) : anonymousAuth();
}

async function registryAt(
  host: string,
  auth: RegistryAuth,
  o: { ca?: string; http?: boolean },
): Promise<OciRegistry> {
  const { ociHttpRegistry } = await import('../../registry/oci-http.js');
  const { registryBaseUrl } = await import('../../registry/image-ref.js');
  const base = o.http ? new URL(`http://${host}`) : registryBaseUrl(host);
  return ociHttpRegistry(base, auth, { ...(o.ca ? { ca: o.ca } : {}) });
}

function acrCoordinates(s: MirrorSettings, subscriptionId: string) {
  if (!s.acr) throw new Error('mirror: acr mode without a registry resource group (checked with the inputs)');
  return { subscriptionId: s.acr.subscriptionId ?? subscriptionId, ...s.acr };
}

export function defaultMirrorPorts(deps: StageDeps, s: MirrorSettings): MirrorPorts {
  const source = once(async () =>
    registryAt(s.source.registry, await credentialsAuth(s.sourceCredentials), {
      ...(s.sourceCa ? { ca: s.sourceCa } : {}),
    }),
  );
  const target = once(async () => {
    if (s.mode === 'oci') {
      const auth = await credentialsAuth(s.registryCredentials);
      return registryAt(s.registry, auth, {
        ...(s.registryCa ? { ca: s.registryCa } : {}),
        http: s.insecureHttp,
      });
    }
    const { acrRegistryAuth } = await import('../../azure/acr-registry-auth.js');
    return registryAt(s.registry, acrRegistryAuth(await deps.azure(), s.registry), {});
  });
  const importer = once(async () => {
    const { acrImporter } = await import('../../azure/acr-importer.js');
    const azure = await deps.azure();
    return acrImporter(azure, acrCoordinates(s, azure.subscriptionId ?? ''));
  });
  const pullCredential = async (current?: Credentials): Promise<Credentials> => {
    if (s.mode === 'oci') {
      if (!s.registryCredentials)
        throw new Error('mirror: oci mode without registry credentials (checked with the inputs)');
      return s.registryCredentials;
    }
    const { ensureAcrPullToken } = await import('../../azure/acr-pull-token.js');
    const azure = await deps.azure();
    return ensureAcrPullToken(azure, acrCoordinates(s, azure.subscriptionId ?? ''), {
      repository: s.target.repository,
      rotateAfterDays: s.pullTokenDays,
      now: deps.now(),
      ...(current ? { current } : {}),
    });
  };
  return { source, target, importer, pullCredential };
}
