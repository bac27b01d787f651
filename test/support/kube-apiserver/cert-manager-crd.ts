// cert-manager's Certificate CRD (cert-manager.io/v1), so the stand-in serves Certificates as a cluster with
// cert-manager does (AIO requires it): writes are pruned, defaulted and validated against this schema like the AIO
// kinds (crd-schema.ts). Copied from cert-manager/cert-manager `deploy/crds/cert-manager.io_certificates.yaml` at
// commit 0509c05ab4c8b11acbe28e8c23ca000bfd33676b (Apache-2.0, © The cert-manager Authors), with the
// `description`s and `x-kubernetes-list-*` markers left out (list types are not modelled); every type, enum,
// format and `required` is as published. Not published under /openapi/v3 (only the AIO group-version is).
import type { Crd, Schema } from './crd-schema.js';

const str: Schema = { type: 'string' };
const strings: Schema = { type: 'array', items: str };
const dateTime: Schema = { type: 'string', format: 'date-time' };
const obj = (properties: Record<string, Schema>, required?: string[]): Schema => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
});
const secretKeyRef = obj({ key: str, name: str }, ['name']);
const nameConstraintItem = obj({
  dnsDomains: strings,
  emailAddresses: strings,
  ipRanges: strings,
  uriDomains: strings,
});
const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
];

const spec = obj(
  {
    additionalOutputFormats: {
      type: 'array',
      items: obj({ type: { type: 'string', enum: ['DER', 'CombinedPEM'] } }, ['type']),
    },
    commonName: str,
    dnsNames: strings,
    duration: str,
    emailAddresses: strings,
    encodeUsagesInRequest: { type: 'boolean' },
    ipAddresses: strings,
    isCA: { type: 'boolean' },
    issuerRef: obj({ group: str, kind: str, name: str }, ['name']),
    keystores: obj({
      jks: obj({ alias: str, create: { type: 'boolean' }, password: str, passwordSecretRef: secretKeyRef }, [
        'create',
      ]),
      pkcs12: obj(
        {
          create: { type: 'boolean' },
          password: str,
          passwordSecretRef: secretKeyRef,
          profile: { type: 'string', enum: ['LegacyRC2', 'LegacyDES', 'Modern2023'] },
        },
        ['create'],
      ),
    }),
    literalSubject: str,
    nameConstraints: obj({
      critical: { type: 'boolean' },
      excluded: nameConstraintItem,
      permitted: nameConstraintItem,
    }),
    otherNames: { type: 'array', items: obj({ oid: str, utf8Value: str }) },
    privateKey: obj({
      algorithm: { type: 'string', enum: ['RSA', 'ECDSA', 'Ed25519'] },
      encoding: { type: 'string', enum: ['PKCS1', 'PKCS8'] },
      rotationPolicy: { type: 'string', enum: ['Never', 'Always'] },
      size: { type: 'integer' },
    }),
    renewBefore: str,
    renewBeforePercentage: { type: 'integer', format: 'int32' },
    revisionHistoryLimit: { type: 'integer', format: 'int32' },
    secretName: str,
    secretTemplate: obj({
      annotations: { type: 'object', additionalProperties: str },
      labels: { type: 'object', additionalProperties: str },
    }),
    signatureAlgorithm: {
      type: 'string',
      enum: [
        'SHA256WithRSA',
        'SHA384WithRSA',
        'SHA512WithRSA',
        'ECDSAWithSHA256',
        'ECDSAWithSHA384',
        'ECDSAWithSHA512',
        'PureEd25519',
      ],
    },
    subject: obj({
      countries: strings,
      localities: strings,
      organizationalUnits: strings,
      organizations: strings,
      postalCodes: strings,
      provinces: strings,
      serialNumber: str,
      streetAddresses: strings,
    }),
    uris: strings,
    usages: { type: 'array', items: { type: 'string', enum: KEY_USAGES } },
  },
  ['issuerRef', 'secretName'],
);

const status = obj({
  conditions: {
    type: 'array',
    items: obj(
      {
        lastTransitionTime: dateTime,
        message: str,
        observedGeneration: { type: 'integer', format: 'int64' },
        reason: str,
        status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
        type: str,
      },
      ['status', 'type'],
    ),
  },
  failedIssuanceAttempts: { type: 'integer' },
  lastFailureTime: dateTime,
  nextPrivateKeySecretName: str,
  notAfter: dateTime,
  notBefore: dateTime,
  renewalTime: dateTime,
  revision: { type: 'integer' },
});

export const CERT_MANAGER_GROUP = 'cert-manager.io';

export const CERT_MANAGER_CRDS: readonly Crd[] = [
  {
    metadata: { name: `certificates.${CERT_MANAGER_GROUP}` },
    spec: {
      group: CERT_MANAGER_GROUP,
      names: {
        plural: 'certificates',
        singular: 'certificate',
        kind: 'Certificate',
        listKind: 'CertificateList',
      },
      versions: [
        {
          name: 'v1',
          schema: {
            openAPIV3Schema: obj({
              apiVersion: str,
              kind: str,
              metadata: { type: 'object' },
              spec,
              status,
            }),
          },
        },
      ],
    },
  },
];
