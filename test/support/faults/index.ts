export { applyFault, defaultFaultBody, HTTP_FAULT_KINDS } from './apply.js';
export type { FaultOutcome, FaultResponder } from './apply.js';
export { createFaultPlan, FaultPlan } from './plan.js';
export type { Fault, FaultHit, FaultKind, FaultMatch, FaultRequest, FaultRule } from './plan.js';
