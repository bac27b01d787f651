// The port through which check-certs reads and updates what the Litmus Edge "MQTT - Generic over SSL" integration
// holds. litmus-connector.ts provides it with the connector stage's parts; tests may inject another. Without one
// (no Litmus Edge credential given), the Litmus side is reported as "not configured" and a changed AIO CA needs a
// person.
import type { Inputs } from '../config/input-specs.js';
import type { StageDeps } from '../stages/stage-deps.js';

/** What the integration holds, as PEM text (never the private key: reading it back is neither needed nor wise). */
export interface LitmusIntegrationState {
  /** The client chain it presents (leaf first, then intermediates). */
  clientChainPem?: string;
  /** The CA certificate(s) it trusts for the broker. */
  brokerCaPem?: string;
  /** Whether it is enabled, when Litmus Edge says. */
  enabled?: boolean;
}

/** Only the parts set are written; the rest of the integration's configuration is kept as it is. */
export interface LitmusIntegrationChange {
  clientChainPem?: string;
  /** Secret: the adapter must never log it. */
  clientKeyPem?: string;
  brokerCaPem?: string;
}

export interface LitmusIntegration {
  /** For messages, e.g. "Litmus Edge https://10.0.0.9 integration 'aio-broker'". */
  readonly where: string;
  /** undefined when the integration does not exist (yet). */
  read(signal: AbortSignal): Promise<LitmusIntegrationState | undefined>;
  update(change: LitmusIntegrationChange, signal: AbortSignal): Promise<void>;
}

/**
 * Builds the port for one cluster's inputs, or returns undefined when the inputs configure no Litmus Edge API
 * (then check-certs reports "not configured"). Throws for inputs that configure one wrongly.
 */
export type LitmusIntegrationFactory = (
  inputs: Inputs,
  deps: StageDeps,
) => Promise<LitmusIntegration | undefined>;
