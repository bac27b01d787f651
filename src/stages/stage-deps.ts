// What every stage factory receives: validated inputs and lazily built clients. Stages never import
// @actions/* or build their own clients, so the CLI, the action and the tests run the same stage code.
import type { Inputs } from '../config/input-specs.js';
import type { AzureAccess } from '../azure/azure-access.js';
import type { KubeClient } from '../kube/kube-client.js';

export interface StageDeps {
  inputs: Inputs;
  /** The Kubernetes client for the selected cluster; built on first use. */
  kube(): Promise<KubeClient>;
  /** Azure credential and Resource Manager endpoint per the azure-* inputs; built (and checked) on first use. */
  azure(): Promise<AzureAccess>;
  /**
   * The run's kubeconfig as a document (JSON text) for tools that need a file (helm), for the same cluster and
   * identity as kube(). It holds credentials: write it mode 0600 and remove it.
   */
  kubeconfig(): Promise<string>;
  /** The run's environment (PATH for tools, GITHUB_* naming the workflow run, RUNNER_TEMP). */
  env: NodeJS.ProcessEnv;
  /** Registers a secret value so no log line can show it (GitHub: core.setSecret). */
  mask(secret: string): void;
  now(): Date;
}
