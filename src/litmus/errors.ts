// Errors of the Litmus Edge API adapter: each names the Litmus Edge it talked to, the endpoint, what came back and
// the fix. Never the token, the client secret or a request body (the body of a config write holds the client key).

export class LitmusApiError extends Error {
  override name = 'LitmusApiError';
  constructor(
    /** HTTP status; 0 when no answer came (connection refused, reset, timed out). */
    readonly status: number,
    /** "GET /cc/version" */
    readonly endpoint: string,
    /** Where Litmus Edge was reached, for messages (a URL or "Service ns/name:443 (port-forward)"). */
    readonly where: string,
    detail: string,
    readonly fix: string,
    readonly retryAfterMs?: number,
  ) {
    super(
      `Litmus Edge at ${where}: ${endpoint} ${status > 0 ? `answered ${status}` : 'got no answer'}: ${detail}. Fix: ${fix}`,
    );
  }

  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** Litmus Edge's TLS certificate is not the one trusted (pin or CA): nothing was sent to it. Never retried. */
export class LitmusTlsError extends Error {
  override name = 'LitmusTlsError';
}

/** What to do about an HTTP status, for the messages. */
export function fixFor(status: number, auth: { input: string }): string {
  if (status === 0) return 'check litmus-edge-url (or that the Litmus Edge pod is ready) and run again';
  if (status === 401)
    return `check ${auth.input}: create API credentials in the Litmus Edge portal under System > Access Control > Tokens`;
  if (status === 403)
    return `give the API credentials (${auth.input}) a role that may manage Integrations (System > Access Control)`;
  if (status === 429 || status >= 500) return 'Litmus Edge is busy or failing; check its logs and run again';
  return 'see the message; this is a request litmus-aio made, so please report it if it persists';
}
