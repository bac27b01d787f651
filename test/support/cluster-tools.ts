// The real kubectl and helm for a test file, against a Kubernetes stand-in: a private work dir and HOME (no user
// config leaks in), the stand-in's kubeconfig, and one function per tool.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeSandbox } from './kube-apiserver/index.js';
import { helmPath, kubectlPath, runTool, toolEnv, type ToolResult } from './kube-apiserver/tools.js';

export interface ClusterTools {
  /** A temp dir for the file's kubeconfig and any manifests or values it writes. */
  readonly work: string;
  /** Points the tools at this stand-in (writes its admin kubeconfig into `work`). */
  use(kube: KubeSandbox): void;
  kubectl(args: string[], o?: { input?: string; timeoutMs?: number }): Promise<ToolResult>;
  helm(args: string[]): Promise<ToolResult>;
  remove(): Promise<void>;
}

export async function clusterTools(name: string): Promise<ClusterTools> {
  const kubectl = kubectlPath();
  const helm = helmPath();
  const work = await mkdtemp(join(tmpdir(), `${name}-`));
  const home = join(work, 'home');
  let kubeconfig = '';
  return {
    work,
    use(kube) {
      kubeconfig = kube.writeKubeconfig(work);
    },
    kubectl: (args, o = {}) => runTool(kubectl, args, toolEnv(home, kubeconfig), o),
    helm: (args) => runTool(helm, args, toolEnv(home, kubeconfig)),
    remove: () => rm(work, { recursive: true, force: true }),
  };
}
