export { ARM_AUDIENCES, authenticate } from './auth.js';
export type { ArmAuthOptions, Principal } from './auth.js';
export { ArmError, armErrors } from './errors.js';
export type { ArmErrorBody } from './errors.js';
export { parseArmPath } from './ids.js';
export type { AsyncOperation, LroSettings, OperationError } from './lro.js';
export { ACR_API_VERSION, ACR_NAMESPACE } from './providers/acr.js';
export { EXTENDED_LOCATION_API_VERSION, KUBERNETES_API_VERSION } from './providers/arc.js';
export { IOTOPS_API_VERSION, IOTOPS_NAMESPACE } from './providers/iotops.js';
export { AIO_ISSUER, DEFAULT_SEED, DEFAULT_SUBSCRIPTION_ID, DEFAULT_TENANT_ID } from './seed.js';
export type { SeedInfo, SeedOptions } from './seed.js';
export { standInOperations, startArmStandIn } from './server.js';
export type {
  ArmRequestRecord,
  ArmStandIn,
  ArmStandInOptions,
  ImplementedOperation,
  ResponseIssueRecord,
} from './server.js';
export { defaultSpecsDir, resolveSpecsDir, SPECS_DIR_ENV, SpecsNotFoundError } from './specs.js';
export type { ArmResource } from './store.js';
export type {
  ImportImageHook,
  ImportImageRequest,
  IotOpsChange,
  IotOpsChangeHook,
  IotOpsKind,
} from './types.js';
export { exampleFile, SpecIndex } from './spec-index.js';
export type { SpecOperation } from './spec-index.js';
export { loadSpecValidator } from './validator.js';
export type { SpecIssue, SpecValidator } from './validator.js';
