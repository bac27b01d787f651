// What check-certs works with, taken from the inputs once, and the rules between its inputs.
import type { InputProblem } from '../config/input-error.js';
import type { Inputs } from '../config/input-specs.js';
import { litmusCredentialGiven } from '../config/inputs-connector.js';
import { pkiRefs, type PkiRefs } from '../stages/pki-refs.js';
import { authProblems } from '../stages/connector/settings.js';
import type { Thresholds } from './model.js';

export interface CheckCertsSettings {
  thresholds: Thresholds;
  rotate: boolean;
  refs: PkiRefs;
  trustedKey: string;
  brokerKey: string;
  aioNamespace: string;
  /** The broker's X.509 port: reached directly, or through a port-forward to the Service. */
  broker: {
    direct?: { host: string; port: number };
    service: { namespace: string; name: string; port: number };
  };
  serverName: string;
  /** Who our roots belong to in the shared trusted bundle: `<namespace>/<ca-secret>` (as certs claims them). */
  owner: string;
}

export function checkCertsSettings(i: Inputs): CheckCertsSettings {
  const refs = pkiRefs(i);
  const address = i['smoke-broker-address'];
  const at = address?.lastIndexOf(':') ?? -1;
  return {
    thresholds: { warnDays: i['warn-days'], failDays: i['fail-days'] },
    rotate: i.rotate,
    refs,
    trustedKey: i['trusted-ca-key'],
    brokerKey: i['broker-ca-key'],
    aioNamespace: i['aio-namespace'],
    broker: {
      ...(address
        ? {
            direct: {
              host: address.slice(0, at).replace(/^\[|\]$/g, ''),
              port: Number(address.slice(at + 1)),
            },
          }
        : {}),
      service: { namespace: i['aio-namespace'], name: i['broker-service'], port: i['broker-port'] },
    },
    serverName: i['tls-server-name'],
    owner: `${refs.caSecret.namespace}/${refs.caSecret.name}`,
  };
}

/** Rules between check-certs' inputs (checked before anything is contacted). */
export function checkCertsInputProblems(i: Inputs, source = 'inputs'): InputProblem[] {
  const problems: InputProblem[] = [];
  if (i['fail-days'] > i['warn-days']) {
    problems.push({
      input: 'fail-days',
      source,
      problem: `is ${i['fail-days']}, more than warn-days (${i['warn-days']}): a certificate would fail before it warns`,
      expected: 'fail-days not more than warn-days',
      example: 'warn-days: 28 with fail-days: 14',
    });
  }
  if (i.rotate && i['client-cert-days'] <= i['warn-days']) {
    problems.push({
      input: 'client-cert-days',
      source,
      problem: `is ${i['client-cert-days']}, not more than warn-days (${i['warn-days']}): a client certificate rotate re-issues would be flagged again at once`,
      expected: 'client-cert-days greater than warn-days when rotate is true',
      example: `client-cert-days: ${Math.max(100, i['warn-days'] * 3)}`,
    });
  }
  if (i['fleet-cluster'] !== undefined && i.fleet === undefined) {
    problems.push({
      input: 'fleet-cluster',
      source,
      problem: 'is set but fleet is not: it names a cluster of the fleet file',
      expected: 'fleet set as well',
      example: 'fleet: .github/litmus-fleet.yml with fleet-cluster: plant7',
    });
  }
  // With a Litmus Edge credential the integration is read (and updated by rotate): the same rules as the connector's.
  if (litmusCredentialGiven(i)) problems.push(...authProblems(i, source));
  return problems;
}
