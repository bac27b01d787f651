// Entra ID token-endpoint errors in the service's own shape:
//   {error, error_description: "AADSTSnnn: <text> Trace ID: ... Correlation ID: ... Timestamp: ...",
//    error_codes: [nnn], timestamp, trace_id, correlation_id, error_uri}
// Texts follow what Entra returns (quoted in public issue threads, e.g. Azure/login#482, #515, #180).
import { randomUUID } from 'node:crypto';

export interface AadstsError {
  status: number;
  /** OAuth2 error, e.g. invalid_client. */
  error: string;
  code: number;
  /** Text after "AADSTSnnn: ", without the trace suffix. */
  text: string;
}

const WIF_DOC = 'https://learn.microsoft.com/entra/workload-id/workload-identity-federation';
const CHECK_FIC =
  'Check your federated identity credential Subject, Audience and Issuer against the presented assertion.';

/** Entra's timestamp style: `2025-10-13 14:54:34Z`. */
export function aadTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** .NET round-trip style with 7 fraction digits: `2025-08-29T05:47:32.0000000Z`. */
function dotnetTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d+Z$/, '.0000000Z');
}

export const aadsts = {
  tenantNotFound: (tenant: string): AadstsError => ({
    status: 400,
    error: 'invalid_request',
    code: 90002,
    text:
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the ` +
      'correct cloud. Check with your subscription administrator, this may happen if there are no active ' +
      'subscriptions for the tenant.',
  }),
  missingParameter: (name: string): AadstsError => ({
    status: 400,
    error: 'invalid_request',
    code: 900144,
    text: `The request body must contain the following parameter: '${name}'.`,
  }),
  unsupportedGrantType: (grant: string): AadstsError => ({
    status: 400,
    error: 'unsupported_grant_type',
    code: 70003,
    text: `The app requested an unsupported grant type '${grant}'.`,
  }),
  applicationNotFound: (clientId: string, tenantName: string): AadstsError => ({
    status: 400,
    error: 'unauthorized_client',
    code: 700016,
    text:
      `Application with identifier '${clientId}' was not found in the directory '${tenantName}'. This can happen ` +
      'if the application has not been installed by the administrator of the tenant or consented to by any user ' +
      'in the tenant. You may have sent your authentication request to the wrong tenant.',
  }),
  invalidScope: (scope: string): AadstsError => ({
    status: 400,
    error: 'invalid_scope',
    code: 1002012,
    text:
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with ` +
      '/.default suffixed to the resource identifier (application ID URI).',
  }),
  credentialRequired: (): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000218,
    text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  }),
  invalidClientSecret: (clientId: string): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000215,
    text:
      'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, ' +
      `not the client secret ID, for a secret added to app '${clientId}'.`,
  }),
  malformedAssertion: (): AadstsError => ({
    status: 400,
    error: 'invalid_request',
    code: 50027,
    text: 'JWT token is invalid or malformed.',
  }),
  badAssertionSignature: (reason: string): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 50013,
    text: `Assertion failed signature validation. [Reason - ${reason}]`,
  }),
  assertionTimeRange: (nowSeconds: number, nbf: number, exp: number): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 700024,
    text:
      `Client assertion is not within its valid time range. Current time: ${dotnetTime(nowSeconds)}, assertion ` +
      `valid from ${dotnetTime(nbf)}, expiry time of assertion ${dotnetTime(exp)}. Review the documentation at ` +
      'https://learn.microsoft.com/entra/identity-platform/certificate-credentials .',
  }),
  noFicForIssuer: (issuer: string): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 700211,
    text: `No matching federated identity record found for presented assertion issuer '${issuer}'. ${CHECK_FIC} ${WIF_DOC}`,
  }),
  noFicForAudience: (audience: string): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 700212,
    text: `No matching federated identity record found for presented assertion audience '${audience}'. ${CHECK_FIC} ${WIF_DOC}`,
  }),
  noFicForSubject: (subject: string): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 700213,
    text: `No matching federated identity record found for presented assertion subject '${subject}'. ${CHECK_FIC} ${WIF_DOC}`,
  }),
  ficSubjectCaseMismatch: (subject: string): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 7002138,
    text:
      `No matching federated identity record found for presented assertion subject '${subject}'. The subject ` +
      'matches with case-insensitive comparison, but not with case-sensitive comparison. ' +
      `${CHECK_FIC} See documentation at: ${WIF_DOC}.`,
  }),
};

export interface AadstsBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

export function aadstsBody(e: AadstsError, nowMs: number, correlationId: string = randomUUID()): AadstsBody {
  const traceId = randomUUID();
  const timestamp = aadTimestamp(nowMs);
  return {
    error: e.error,
    error_description: `AADSTS${e.code}: ${e.text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [e.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${e.code}`,
  };
}
