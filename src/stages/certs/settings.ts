// What the certs stage works with, taken from the inputs once (no casts) and checked across inputs before
// anything is contacted.
import type { InputProblem } from '../../config/input-error.js';
import type { Inputs } from '../../config/input-specs.js';
import { pkiRefs, type PkiRefs } from '../pki-refs.js';
import type { CertsSettings } from './decide.js';

export interface CertsStageSettings {
  decide: CertsSettings;
  namespace: string;
  aioNamespace: string;
  rootDays: number;
  intermediateDays: number;
  leafDays: number;
  caKeyDir?: string;
  refs: PkiRefs;
  trustedKey: string;
  brokerKey: string;
  /** Who the roots this run publishes belong to, in the shared trusted bundle: `<namespace>/<ca-secret>`. */
  owner: string;
}

export function certsSettings(i: Inputs): CertsStageSettings {
  const refs = pkiRefs(i);
  return {
    decide: {
      algorithm: i['key-algorithm'],
      rootSubject: i['root-ca-subject'],
      intermediateSubject: i['intermediate-ca-subject'],
      leafSubject: i['client-subject'],
      renewBeforeDays: i['renew-before-days'],
      ...(i['rotate-ca'] !== undefined ? { rotation: i['rotate-ca'] } : {}),
    },
    namespace: i.namespace,
    aioNamespace: i['aio-namespace'],
    rootDays: i['root-ca-days'],
    intermediateDays: i['intermediate-ca-days'],
    leafDays: i['client-cert-days'],
    ...(i['ca-key-dir'] !== undefined ? { caKeyDir: i['ca-key-dir'] } : {}),
    refs,
    trustedKey: i['trusted-ca-key'],
    brokerKey: i['broker-ca-key'],
    owner: `${refs.caSecret.namespace}/${refs.caSecret.name}`,
  };
}

/** Rules between inputs of this stage (an InputError when the stage is built). */
export function certsInputProblems(i: Inputs): InputProblem[] {
  if (i['ca-secret'] !== i['client-cert-secret']) return [];
  return [
    {
      input: 'ca-secret',
      source: 'inputs',
      problem: `'${i['ca-secret']}' must differ from client-cert-secret: the CA key must never sit in the Secret Litmus Edge reads`,
      expected: 'a Secret name other than client-cert-secret',
      example: 'ca-secret: litmusedge-mqtt-ca',
    },
  ];
}
