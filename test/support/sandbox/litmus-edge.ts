// The sandbox's Litmus Edge API (startSandbox({litmusEdge: true})): the Litmus Edge stand-in (../litmus-edge) with
// its self-signed certificate and one API token, whose integrations reach the sandbox broker when they name its
// in-cluster host and X.509 port (the cluster's DNS, as `resolve`). The connector stage reaches it by
// `litmus-edge-url`; its DeviceHub devices publish through the broker once an integration is enabled.
import { randomBytes } from 'node:crypto';
import type { Resolve } from '../litmus-edge/connector.js';
import { startLitmusEdge, type LitmusEdgeStandIn } from '../litmus-edge/index.js';

export interface SandboxLitmusEdge {
  standIn: LitmusEdgeStandIn;
  /** https://127.0.0.1:<port>, for `litmus-edge-url`. */
  url: string;
  /** The API token it accepts (for `litmus-edge-token`). */
  token: string;
}

export async function startSandboxLitmusEdge(
  resolve: Resolve,
  o: { version?: string } = {},
): Promise<SandboxLitmusEdge> {
  const token = `le-sandbox-${randomBytes(12).toString('hex')}`;
  const standIn = await startLitmusEdge({
    tokens: [token],
    resolve,
    publishIntervalMs: 200,
    ...(o.version ? { version: o.version } : {}),
  });
  return { standIn, url: standIn.url, token };
}
