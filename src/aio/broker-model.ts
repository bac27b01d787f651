// The AIO MQTT broker resources this tool manages. The Kubernetes CR `spec` and the ARM `properties` share
// this shape (ARM adds provisioningState/healthState), per Microsoft.IoTOperations 2025-10-01.

export interface TlsCertMethod {
  mode: 'Automatic' | 'Manual';
  certManagerCertificateSpec?: {
    issuerRef: { name: string; kind: string; group: string };
    [field: string]: unknown;
  };
  manual?: { secretRef: string };
}

export interface ListenerPort {
  port: number;
  nodePort?: number;
  protocol?: 'Mqtt' | 'WebSockets';
  authenticationRef?: string;
  authorizationRef?: string;
  tls?: TlsCertMethod;
}

export interface ListenerSpec {
  serviceName?: string;
  serviceType?: string;
  ports: ListenerPort[];
  [field: string]: unknown;
}

export interface X509Attributes {
  subject: string;
  attributes: Record<string, string>;
}

export interface AuthenticationMethod {
  method: 'X509' | 'ServiceAccountToken' | 'Custom';
  x509Settings?: { trustedClientCaCert?: string; authorizationAttributes?: Record<string, X509Attributes> };
  [field: string]: unknown;
}

export interface AuthenticationSpec {
  authenticationMethods: AuthenticationMethod[];
}

export interface AuthorizationSpec {
  authorizationPolicies: {
    cache?: 'Enabled' | 'Disabled';
    rules: Array<{
      principals: { attributes?: Array<Record<string, string>>; clientIds?: string[]; usernames?: string[] };
      brokerResources: Array<{
        method: 'Connect' | 'Publish' | 'Subscribe';
        topics?: string[];
        clientIds?: string[];
      }>;
    }>;
  };
}

/** A resource as read, with whatever the store needs to write it back safely (resourceVersion, ETag). */
export interface Stored<S> {
  name: string;
  spec: S;
  /** Opaque: passed back on write for optimistic concurrency. */
  version?: string;
  /** Carried through a write unchanged (e.g. ARM extendedLocation, CR metadata). */
  raw?: unknown;
}

export type BrokerResourceKind = 'listener' | 'authentication' | 'authorization';

/** Where broker resources are read and written: the cluster's CRs, or Azure Resource Manager. */
export interface BrokerStore {
  /** For messages: "Kubernetes CRs in azure-iot-operations" or "ARM instance aio-x". */
  readonly where: string;
  get<S>(kind: BrokerResourceKind, name: string): Promise<Stored<S> | undefined>;
  list<S>(kind: BrokerResourceKind): Promise<Array<Stored<S>>>;
  put<S>(kind: BrokerResourceKind, name: string, spec: S, previous?: Stored<S>): Promise<void>;
}
