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
import type { KubeObject } from '../kube-apiserver/index.js';
import { startLitmusEdge, type LitmusEdgeStandIn } from '../litmus-edge/index.js';
import { until } from '../until.js';
import type { Sandbox } from './index.js';

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

/**
 * An in-process stand-in served as a release's Litmus Edge without helm: the chart's Service and one Pod (made
 * Ready by the kube stand-in), with the pod's port 443 forwarded to the stand-in, so the product's default
 * port-forward to the release's Service reaches it.
 */
export async function serveLitmusEdgeAsRelease(
  sb: Pick<Sandbox, 'kube'>,
  le: LitmusEdgeStandIn,
  o: { namespace?: string; release?: string; image?: string } = {},
): Promise<void> {
  const ns = o.namespace ?? 'litmus-edge';
  const name = o.release ?? 'litmusedge';
  const labels = {
    'app.kubernetes.io/name': 'litmusedge',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/component': 'edge',
  };
  sb.kube.store.put({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, labels },
    spec: {
      type: 'ClusterIP',
      selector: labels,
      ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
    },
  } as KubeObject);
  sb.kube.store.put({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${name}-0`, namespace: ns, labels },
    spec: {
      containers: [
        {
          name: 'litmusedge',
          image: o.image ?? 'litmusedge-std-docker:3.16.2',
          ports: [{ name: 'https', containerPort: 443 }],
        },
      ],
    },
  } as KubeObject);
  sb.kube.portForwardTargets.set(`${ns}/${name}-0:443`, `127.0.0.1:${le.port}`);
  await until('the Litmus Edge pod to be ready', () => {
    const pod = sb.kube.store.get('pods', ns, `${name}-0`) as {
      status?: { conditions?: Array<{ type: string; status: string }> };
    };
    return pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  });
}
