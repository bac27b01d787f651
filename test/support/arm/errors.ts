// ARM's error contract: `{error: {code, message, target?, details?}}` with the platform's real codes and texts.
import type { SpecIssue } from './validator.js';

export interface ArmErrorBody {
  error: {
    code: string;
    message: string;
    target?: string;
    details?: { code: string; message: string; target?: string }[];
  };
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: { code: string; message: string; target?: string }[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ArmError';
  }

  toBody(): ArmErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}

export const armErrors = {
  missingAuthorization: () =>
    new ArmError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
      undefined,
      {
        'www-authenticate':
          'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", ' +
          `error_description="The authentication failed because of missing 'Authorization' header."`,
      },
    ),
  invalidToken: (why: string) =>
    new ArmError(401, 'InvalidAuthenticationToken', `The access token is invalid. ${why}`.trim(), undefined, {
      'www-authenticate':
        'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", ' +
        'error_description="The access token is invalid."',
    }),
  expiredToken: (expiry: Date, now: Date) =>
    new ArmError(
      401,
      'ExpiredAuthenticationToken',
      `The access token expiry UTC time '${usTime(expiry)}' is earlier than current UTC time '${usTime(now)}'.`,
      undefined,
      {
        'www-authenticate':
          'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", ' +
          'error_description="The access token has expired."',
      },
    ),
  wrongAudience: (aud: string, allowed: string[]) =>
    new ArmError(
      401,
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match with one ` +
        `of the allowed audiences ${allowed.map((a) => `'${a}'`).join(',')}.`,
    ),
  wrongTenant: (issuer: string, tenantId: string) =>
    new ArmError(
      401,
      'InvalidAuthenticationTokenTenant',
      `The access token is from the wrong issuer '${issuer}'. It must match the tenant ` +
        `'https://sts.windows.net/${tenantId}/' associated with this subscription. Please use the authority (URL) ` +
        `'https://login.windows.net/${tenantId}' to get the token. Note, if the subscription is transferred to ` +
        'another tenant there is no impact to the services, but information about new tenant could take time to ' +
        'propagate (up to an hour). If you just transferred your subscription and see this error message, please ' +
        'try back later.',
    ),
  authorizationFailed: (objectId: string, action: string, scope: string) =>
    new ArmError(
      403,
      'AuthorizationFailed',
      `The client '${objectId}' with object id '${objectId}' does not have authorization to perform action ` +
        `'${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh ` +
        'your credentials.',
    ),
  missingApiVersion: () =>
    new ArmError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    ),
  noRegisteredProvider: (location: string, apiVersion: string, type: string, supported: string[]) =>
    new ArmError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${location}' and API version '${apiVersion}' for type ` +
        `'${type}'. The supported api-versions are '${supported.join(', ')}'. The supported locations are ` +
        `'${location}'.`,
    ),
  subscriptionNotFound: (sub: string) =>
    new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`),
  resourceGroupNotFound: (rg: string) =>
    new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`),
  resourceNotFound: (typeAndName: string, rg: string) =>
    new ArmError(
      404,
      'ResourceNotFound',
      `The Resource '${typeAndName}' under resource group '${rg}' was not found. For more details please go to ` +
        'https://aka.ms/ARMResourceNotFoundFix',
    ),
  parentResourceNotFound: (parent: string) =>
    new ArmError(
      404,
      'ParentResourceNotFound',
      `Can not perform requested operation on nested resource. Parent resource '${parent}' not found.`,
    ),
  invalidResourceType: (type: string, namespace: string, apiVersion: string) =>
    new ArmError(
      404,
      'InvalidResourceType',
      `The resource type '${type}' could not be found in the namespace '${namespace}' for api version '${apiVersion}'.`,
    ),
  invalidResourceNamespace: (namespace: string) =>
    new ArmError(400, 'InvalidResourceNamespace', `The resource namespace '${namespace}' is invalid.`),
  methodNotAllowed: (method: string) =>
    new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`),
  invalidSkipToken: (token: string) =>
    new ArmError(
      400,
      'InvalidSkipToken',
      `The skip token '${token}' is invalid: use the nextLink of the previous page.`,
    ),
  invalidJson: (why: string) =>
    new ArmError(
      400,
      'InvalidRequestContent',
      `The request content was invalid and could not be deserialized: '${why}'.`,
    ),
  /**
   * What the OpenAPI spec rejects. Body problems are InvalidRequestContent whose message names each offending
   * property; URL problems (a resource name breaking the spec's pattern or length) are InvalidResourceName.
   */
  specViolation: (issues: SpecIssue[]) => {
    const inUrl = (i: SpecIssue) => i.path.startsWith('.path.') || i.path.startsWith('.query.');
    const body = issues.filter((i) => !inUrl(i));
    const details = issues.map((i) => ({ code: i.code, message: i.message, target: targetOf(i.path) }));
    if (body.length === 0) {
      const names = [...new Set(issues.map((i) => targetOf(i.path)))];
      return new ArmError(
        400,
        'InvalidResourceName',
        `The resource name is invalid: ${issues.map((i) => `'${i.message}' for '${targetOf(i.path)}'`).join('; ')}. ` +
          `Check ${names.join(', ')} against the naming rules of the resource type.`,
        details,
      );
    }
    return new ArmError(
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized: ' +
        body.map((i) => `'${i.message}' at '${targetOf(i.path)}'`).join('; ') +
        '.',
      details,
    );
  },
  anotherOperationInProgress: (statusUrl: string) =>
    new ArmError(
      409,
      'AnotherOperationInProgress',
      `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${statusUrl}.`,
    ),
  conflict: (resourceId: string) =>
    new ArmError(
      409,
      'Conflict',
      `The operation on resource '${resourceId}' could not be completed because of a conflicting operation. ` +
        'Retry the request later.',
    ),
  throttled: (status: number) =>
    status === 429
      ? new ArmError(
          429,
          'TooManyRequests',
          'The request is being throttled as the limit has been reached for operation type. For more information, ' +
            'see https://aka.ms/srpthrottlinglimits',
        )
      : new ArmError(
          status,
          status === 503 ? 'ServiceUnavailable' : status === 502 ? 'BadGateway' : 'InternalServerError',
          status === 503
            ? 'The service is temporarily unavailable. Please retry the request later.'
            : 'The server encountered an internal error. Please retry the request.',
        ),
};

/** `properties.ports[1].port`, `(body)` for the whole body, `listenerName` for a URL parameter. */
function targetOf(path: string): string {
  if (path === '') return '(body)';
  return path.replace(/^\.(path|query)\./, '');
}

/** ARM's time format in auth messages: `1/2/2025 3:04:05 PM`. */
function usTime(d: Date): string {
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ` +
    `${h % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`
  );
}
