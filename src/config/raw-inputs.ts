// Raw values as they arrive from one source, before validation.

export interface RawValue {
  value: unknown;
  /** Where it came from, for error messages: "action input", "config file x.yml", "--stage", "LITMUS_AIO_STAGES". */
  source: string;
}

/** Keyed by the input's kebab-case name. */
export type RawLayer = Map<string, RawValue>;

/** Later layers override earlier ones. */
export function mergeLayers(layers: readonly RawLayer[]): RawLayer {
  const merged: RawLayer = new Map();
  for (const layer of layers) for (const [k, v] of layer) merged.set(k, v);
  return merged;
}
