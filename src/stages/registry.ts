// The stages this version implements. Each entry loads its stage lazily, so heavy clients (Azure SDK,
// Kubernetes client, MQTT.js) are only imported when that stage runs. A stage not listed here is reported
// as unavailable rather than pretended.
import type { StageName } from '../config/catalog.js';
import type { Stage } from '../pipeline/stage.js';

export type StageFactory = () => Promise<Stage>;
export type StageRegistry = Partial<Record<StageName, StageFactory>>;

export const STAGE_REGISTRY: StageRegistry = {};
