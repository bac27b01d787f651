// Reading fields of Kubernetes objects as they come over the wire (status, containerStatuses, ...) without a
// schema: a missing or odd-typed field reads as empty, never as an exception.
export type LooseObject = Record<string, unknown>;

/** `v` as an object; anything else as {}. */
export const looseObject = (v: unknown): LooseObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as LooseObject) : {};

/** `v` as a list of objects; anything else as []. */
export const looseList = (v: unknown): LooseObject[] => (Array.isArray(v) ? v.map(looseObject) : []);
