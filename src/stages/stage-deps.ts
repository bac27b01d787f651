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
  /** Registers a secret value so no log line can show it (GitHub: core.setSecret). */
  mask(secret: string): void;
  now(): Date;
}
