// cluster-access: arc, end to end: find az, make sure the connectedk8s extension is there, sign az in with the
// same Azure identity (GitHub OIDC federated token) when needed, start the proxy, and hand its process group
// and kubeconfig to the cleanup registry so the post step stops and removes them.
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Inputs } from '../../config/input-specs.js';
import type { CleanupRegistry } from '../../pipeline/cleanup.js';
import type { KubeconfigSource } from '../kubeconfig-source.js';
import { startArcProxy } from './arc-proxy.js';
import { azLoginWithFederatedToken, ensureConnectedk8sExtension } from './az-cli.js';

export interface ArcAccessContext {
  env: NodeJS.ProcessEnv;
  cleanup: CleanupRegistry;
  mask: (secret: string) => void;
  getIdToken?: (audience: string) => Promise<string>;
  log: { debug(m: string): void; info(m: string): void; warn(m: string): void };
  signal?: AbortSignal;
  /** Where the pod's service-account files are rooted (tests); unset in a real pod. */
  inClusterRoot?: string;
}

export function findAz(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'az');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export async function startArcAccess(i: Inputs, ctx: ArcAccessContext): Promise<KubeconfigSource> {
  const az = findAz(ctx.env);
  if (!az) {
    throw new Error(
      "cluster-access is arc but the Azure CLI ('az') is not on PATH. Fix: install it (GitHub-hosted runners have it; elsewhere see https://learn.microsoft.com/cli/azure/install-azure-cli)",
    );
  }
  await ensureConnectedk8sExtension(az, ctx.env, ctx.log);
  if (i['azure-credential'] === 'github-oidc') {
    if (!ctx.getIdToken || !ctx.env['ACTIONS_ID_TOKEN_REQUEST_URL']) {
      throw new Error(
        'cluster-access is arc with azure-credential github-oidc, but this job cannot request a GitHub ID token. Fix: add `permissions: id-token: write` to the workflow, or sign az in yourself and set azure-credential: azure-cli',
      );
    }
    const federatedToken = await ctx.getIdToken(i['azure-audience']);
    ctx.mask(federatedToken);
    await azLoginWithFederatedToken(az, {
      clientId: i['azure-client-id']!,
      tenantId: i['azure-tenant-id']!,
      ...(i['azure-subscription-id'] ? { subscriptionId: i['azure-subscription-id'] } : {}),
      federatedToken,
      env: ctx.env,
      log: ctx.log,
    });
  }
  if (i['arc-token']) ctx.mask(i['arc-token']);
  const dir = await mkdtemp(join(ctx.env['RUNNER_TEMP'] || tmpdir(), 'litmus-aio-arc-'));
  await chmod(dir, 0o700);
  ctx.cleanup.add({ kind: 'path', path: dir, label: 'Arc proxy kubeconfig and log' });
  const kubeconfigPath = join(dir, 'kubeconfig');
  const proxy = await startArcProxy({
    az,
    cluster: i['arc-cluster']!,
    resourceGroup: i['resource-group']!,
    ...(i['azure-subscription-id'] ? { subscription: i['azure-subscription-id'] } : {}),
    port: i['arc-proxy-port'],
    kubeconfigPath,
    ...(i['arc-token'] ? { token: i['arc-token'] } : {}),
    timeoutMs: i['arc-proxy-timeout'] * 1000,
    env: ctx.env,
    log: ctx.log,
    // A log file rather than pipes: the proxy must outlive the main step until the post step stops it.
    logFile: join(dir, 'az-proxy.log'),
    onSpawn: (pgid) =>
      ctx.cleanup.add({ kind: 'process-group', pid: pgid, label: `Arc proxy for ${i['arc-cluster']}` }),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  proxy.unref();
  ctx.log.info(
    `Arc proxy for ${i['arc-cluster']} ready after ${Math.round(proxy.readyAfterMs)} ms on port ${i['arc-proxy-port']}`,
  );
  return {
    kind: 'file',
    path: kubeconfigPath,
    fromEnv: false,
    label: `Arc cluster connect to ${i['arc-cluster']} (port ${i['arc-proxy-port']})`,
  };
}
