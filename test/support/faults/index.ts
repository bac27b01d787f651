export { applyFault, defaultFaultBody, HTTP_FAULT_KINDS } from './apply.js';
export type { FaultOutcome, FaultResponder } from './apply.js';
export { FaultPlanError, loadFaultPlan, parseFaultRules } from './load.js';
export { createFaultPlan, FAULT_ATTRIBUTES, FaultPlan } from './plan.js';
export type {
  Fault,
  FaultAttribute,
  FaultAttributes,
  FaultHit,
  FaultKind,
  FaultMatch,
  FaultRequest,
  FaultRule,
} from './plan.js';
