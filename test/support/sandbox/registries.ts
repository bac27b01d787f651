// The sandbox's container registries (startSandbox({registries: true})): two real distribution registries on
// loopback with TLS from one private CA and htpasswd users — `source` stands for Litmus' Google Artifact Registry
// and holds a small test "Litmus Edge" image tagged `latest` only (as Litmus publishes it), `target` stands for your
// ACR/registry the mirror stage copies it into. The sandbox's kubelet trusts the CA and pulls from `target` for real.
// The image serves HTTPS on its container port named `https` (the kubelet's test-image contract), so the chart's
// probes pass and a Service port-forward reaches it: a plain `ok` server, or, given `litmusEdge`, the Litmus Edge
// stand-in itself (behaviour `litmus-edge`, configured by the image's Env: see litmus-edge.ts).
import { pushTestImage, type PushedImage } from '../kube-apiserver/kubelet/test-images.js';
import { startRegistry, type RegistryPeer } from '../peers/registry.js';
import { createTestCa, issueLoopbackServerCert } from '../test-pki.js';
import { litmusEdgeEnv, type SandboxLitmusEdge } from './litmus-edge.js';

/** The repository of the source image, as in Litmus' registry. */
export const SOURCE_REPOSITORY = 'litmus-sales-enablement/litmusedge/litmusedge-std-docker';

export interface SandboxRegistries {
  /** PEM of the CA both registries' server certificates chain to (what `source-ca`/`registry-ca` take). */
  ca: string;
  source: RegistryPeer;
  target: RegistryPeer;
  /** The test Litmus Edge image in `source`, tagged `latest`. */
  litmusImage: PushedImage;
  stop(): Promise<void>;
}

export async function startSandboxRegistries(
  o: { litmusEdge?: SandboxLitmusEdge } = {},
): Promise<SandboxRegistries> {
  const ca = await createTestCa('Sandbox Registry CA');
  const start = async (user: string): Promise<RegistryPeer> =>
    startRegistry({
      serverCert: await issueLoopbackServerCert(ca),
      username: user,
      password: `${user}-sandbox-pw`,
      caPem: ca.cert,
    });
  const started = await Promise.allSettled([start('litmus-reader'), start('mirror-bot')]);
  const peers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => void (await Promise.all(peers.map((p) => p.stop())));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [source, target] = peers as [RegistryPeer, RegistryPeer];
  try {
    const litmusImage = await pushTestImage({
      registry: source.host,
      ca: ca.cert,
      creds: source.creds,
      repository: SOURCE_REPOSITORY,
      tag: 'latest',
      ...(o.litmusEdge
        ? { behaviour: 'litmus-edge', env: litmusEdgeEnv(o.litmusEdge) }
        : { behaviour: 'serve' }),
    });
    return { ca: ca.cert, source, target, litmusImage, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
