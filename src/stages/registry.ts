// The stages this version implements. Each entry loads its stage module lazily, so heavy clients (Azure SDK,
// Kubernetes client, MQTT.js) are only imported when that stage runs. A stage not listed here is reported
// as unavailable rather than pretended.
import type { StageName } from '../config/catalog.js';
import type { Stage } from '../pipeline/stage.js';
import type { StageDeps } from './stage-deps.js';

export type StageFactory = (deps: StageDeps) => Promise<Stage>;
export type StageRegistry = Partial<Record<StageName, StageFactory>>;

export const STAGE_REGISTRY: StageRegistry = {
  mirror: async (deps) => (await import('./mirror/mirror-stage.js')).createMirrorStage(deps),
  deploy: async (deps) => (await import('./deploy/deploy-stage.js')).createDeployStage(deps),
  certs: async (deps) => (await import('./certs/certs-stage.js')).createCertsStage(deps),
  authpolicy: async (deps) => (await import('./authpolicy/authpolicy-stage.js')).createAuthpolicyStage(deps),
  connector: async (deps) => (await import('./connector/connector-stage.js')).createConnectorStage(deps),
  smoke: async (deps) => (await import('./smoke/smoke-stage.js')).createSmokeStage(deps),
};
