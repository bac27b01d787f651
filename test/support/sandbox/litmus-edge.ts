// The sandbox's Litmus Edge (startSandbox({litmusEdge: true})): the Litmus Edge stand-in (../litmus-edge) with its
// self-signed certificate and one API token, whose integrations reach the sandbox broker when they name its
// in-cluster host and X.509 port (the cluster's DNS). Two ways to run it:
// - with the sandbox's registries: as the process of the test Litmus Edge image (registries.ts pushes it with the
//   `litmus-edge` behaviour and this token and version in its Env), so it is the pod `deploy` installs, and the
//   connector stage reaches it by its default port-forward to the release's Service; nothing runs in-process;
// - without them: in-process (`standIn`), reached by `litmus-edge-url` (`url`).
// Either way its DeviceHub devices publish through the broker once an integration is enabled.
import { randomBytes } from 'node:crypto';
import type { Resolve } from '../litmus-edge/connector.js';
import { startLitmusEdge, type LitmusEdgeStandIn } from '../litmus-edge/index.js';

export interface SandboxLitmusEdge {
  /** The API token it accepts (for `litmus-edge-token`). */
  token: string;
  /** The version it reports, when set. */
  version?: string;
  /** In-process only: the stand-in and its https://127.0.0.1:<port>, for `litmus-edge-url`. */
  standIn?: LitmusEdgeStandIn;
  url?: string;
}

/** The settings of a Litmus Edge the sandbox runs as a pod (the image's Env, see registries.ts). */
export function podLitmusEdge(o: { version?: string } = {}): SandboxLitmusEdge {
  return {
    token: `le-sandbox-${randomBytes(12).toString('hex')}`,
    ...(o.version ? { version: o.version } : {}),
  };
}

/** The image config Env that makes the test image's stand-in accept `le.token` and report `le.version`. */
export function litmusEdgeEnv(le: SandboxLitmusEdge): Record<string, string> {
  return { LITMUS_EDGE_TOKENS: le.token, ...(le.version ? { LITMUS_EDGE_VERSION: le.version } : {}) };
}

export async function startSandboxLitmusEdge(
  resolve: Resolve,
  o: { version?: string } = {},
): Promise<SandboxLitmusEdge> {
  const le = podLitmusEdge(o);
  const standIn = await startLitmusEdge({
    tokens: [le.token],
    resolve,
    publishIntervalMs: 200,
    ...(o.version ? { version: o.version } : {}),
  });
  return { ...le, standIn, url: standIn.url };
}
