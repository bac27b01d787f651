// The broker configuration the authpolicy stage wants, computed from the inputs and what exists (pure).
import type {
  AuthenticationSpec,
  AuthorizationSpec,
  ListenerPort,
  ListenerSpec,
  X509Attributes,
} from '../../aio/broker-model.js';
import { formatDistinguishedName, parseDistinguishedName } from '../../pki/distinguished-name.js';

export interface PolicySettings {
  authenticationName: string;
  listenerName: string;
  port: number;
  trustedCaConfigMap: string;
  attributes: Record<string, X509Attributes>;
  topicPrefix?: string;
}

/** AIO writes subjects as "CN = x"; the defaults follow the Jumpstart drop. Same parser as the certificates'. */
export function brokerSubject(dn: string): string {
  const p = parseDistinguishedName(dn);
  if (!p.ok) throw new Error(`invalid subject: ${p.problem}`); // inputs are validated before any stage runs
  return formatDistinguishedName(p.dn, ' = ');
}

export function defaultAttributes(
  intermediateSubject: string,
  clientSubject: string,
): Record<string, X509Attributes> {
  return {
    intermediate: {
      subject: brokerSubject(intermediateSubject),
      attributes: { manufacturer: 'litmus edge' },
    },
    connector: { subject: brokerSubject(clientSubject), attributes: { group: 'connector_group' } },
  };
}

export function desiredAuthentication(s: PolicySettings): AuthenticationSpec {
  return {
    authenticationMethods: [
      {
        method: 'X509',
        x509Settings: { trustedClientCaCert: s.trustedCaConfigMap, authorizationAttributes: s.attributes },
      },
    ],
  };
}

/**
 * Connect, publish and subscribe under the prefix, for whoever carries the connector's attributes. Subscribe is
 * granted so the smoke stage (same client identity) can read its probe and the expected Litmus topics back.
 */
export function desiredAuthorization(s: PolicySettings): AuthorizationSpec | undefined {
  if (!s.topicPrefix) return undefined;
  const prefix = s.topicPrefix.replace(/\/+$/, '');
  const principals = Object.values(s.attributes).map((a) => a.attributes);
  return {
    authorizationPolicies: {
      cache: 'Enabled',
      rules: [
        {
          principals: { attributes: principals },
          brokerResources: [
            { method: 'Connect' },
            { method: 'Publish', topics: [prefix, `${prefix}/#`] },
            { method: 'Subscribe', topics: [prefix, `${prefix}/#`] },
          ],
        },
      ],
    },
  };
}

/** Our TLS port, with the certificate issuer the listener's existing TLS port uses. */
export function desiredPort(s: PolicySettings, listener: ListenerSpec): ListenerPort {
  const template = listener.ports.find(
    (p) => p.tls?.mode === 'Automatic' && p.tls.certManagerCertificateSpec,
  );
  return {
    port: s.port,
    protocol: 'Mqtt',
    authenticationRef: s.authenticationName,
    ...(s.topicPrefix ? { authorizationRef: s.authenticationName } : {}),
    tls: template?.tls
      ? {
          mode: 'Automatic',
          certManagerCertificateSpec: { issuerRef: template.tls.certManagerCertificateSpec!.issuerRef },
        }
      : {
          mode: 'Automatic',
          certManagerCertificateSpec: {
            issuerRef: {
              name: 'azure-iot-operations-aio-certificate-issuer',
              kind: 'ClusterIssuer',
              group: 'cert-manager.io',
            },
          },
        },
  };
}

const isEmptyCollection = (v: unknown): boolean =>
  Array.isArray(v) ? v.length === 0 : !!v && typeof v === 'object' && Object.keys(v).length === 0;

/**
 * A spec as the service means it: keys sorted, without the fields the service adds (provisioningState,
 * healthState) and without empty lists and objects. The service fills in a schema's `default: []` (e.g. a
 * rule's clientIds, usernames, topics) on every write, and an empty list means the same as none.
 */
export function canonicalSpec(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonicalSpec);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => [k, canonicalSpec(x)] as const)
        .filter(
          ([k, x]) =>
            x !== undefined && !isEmptyCollection(x) && k !== 'provisioningState' && k !== 'healthState',
        )
        .sort(([x], [y]) => x.localeCompare(y)),
    );
  }
  return v;
}

/** Same content, as the service means it (see canonicalSpec). */
export function sameSpec(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonicalSpec(a)) === JSON.stringify(canonicalSpec(b));
}
