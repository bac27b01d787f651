// A Litmus Edge stand-in: an HTTPS server (self-signed certificate by default, as Litmus Edge's) speaking the REST
// API the connector stage uses (routes.ts), with both ways to authenticate — an API token as HTTP Basic (token as
// user, empty password) and OAuth2 client credentials (POST /auth/v3/oauth/token -> Bearer) — Litmus Edge's
// error shape ({code, message}; assumed), a 4.x mode without the REST integrations API, and faults (429 with
// Retry-After, 5xx, slow answers, dropped connections, tokens expiring mid-run, a replaced certificate). An enabled
// instance really connects to the configured broker and publishes (connector.ts). GET / answers without
// authentication (the web portal's page), as the chart's probes expect. container.ts runs it as a sandbox pod.
import { randomBytes, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedLitmusCert, type ServerCert } from './certs.js';
import type { ConnectorStatus, Resolve } from './connector.js';
import { defaultDevices, type SimDevice } from './devices.js';
import { route, type ApiState, type Reply } from './routes.js';
import type { ProviderList, SchemaShape } from './schemas.js';
import type { StoredInstance } from './state.js';

export { SHAPES, SSL_PROVIDER } from './schemas.js';
export type { SchemaShape, ProviderList } from './schemas.js';

export interface LitmusEdgeOptions {
  mode?: '3.x' | '4.x';
  /** The integration service's version (GET /cc/version); default 3.16.2 (4.0.3 in 4.x mode). */
  version?: string;
  /** GET /dm/deviceinfo firmwareVersion; default `version`. */
  firmwareVersion?: string;
  /** Accepted API tokens (HTTP Basic, token as user, empty password). */
  tokens?: string[];
  /** OAuth2 clients (client credentials grant); tokens live `ttlS` seconds (default 3600). */
  oauthClients?: Array<{ id: string; secret: string; ttlS?: number }>;
  providers?: ProviderList;
  schema?: SchemaShape;
  /** Default: a new self-signed certificate. */
  serverCert?: ServerCert;
  /** Where a configured broker host really is (the cluster's DNS). */
  resolve?: Resolve;
  /** GET returns the client key masked, as a Litmus Edge that keeps secrets would. */
  redactSecrets?: boolean;
  publishIntervalMs?: number;
  devices?: SimDevice[];
  /** Called with every API request once answered (a container logs them). */
  onRequest?: (r: RequestRecord) => void;
}

export interface Fault {
  method?: string;
  path?: RegExp | string;
  /** Answer with this status ({code, message}); without it the request is only delayed or dropped. */
  status?: number;
  retryAfterS?: number;
  delayMs?: number;
  /** Destroy the connection without an answer. */
  drop?: boolean;
  /** How many requests it applies to (default 1). */
  times?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  auth: 'basic' | 'bearer' | 'none';
  body?: unknown;
}

export interface LitmusEdgeStandIn {
  /** https://127.0.0.1:<port> */
  url: string;
  host: string;
  port: number;
  /** The current server certificate and its SHA-256 (AB:CD:... form). */
  certPem(): string;
  sha256(): string;
  requests: RequestRecord[];
  state: ApiState;
  instances(): StoredInstance[];
  connectorStatus(instanceId: string): ConnectorStatus | undefined;
  fault(f: Fault): void;
  /** OAuth access tokens issued so far. */
  tokensIssued(): number;
  /** Every issued OAuth token expires after `n` more Bearer-authenticated requests (0: now). */
  expireTokensAfter(n: number): void;
  /** A new self-signed certificate for new connections (as after a reinstall or an uploaded device cert). */
  rotateCertificate(cert?: ServerCert): Promise<void>;
  stop(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

function parseBody(req: IncomingMessage, text: string): unknown {
  if (!text) return undefined;
  if (String(req.headers['content-type'] ?? '').includes('x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function send(res: ServerResponse, r: Reply, extra: Record<string, string> = {}): void {
  const body = r.body === undefined ? '' : JSON.stringify(r.body);
  res.writeHead(r.status, { ...(body ? { 'content-type': 'application/json' } : {}), ...extra });
  res.end(body);
}

export async function startLitmusEdge(o: LitmusEdgeOptions = {}): Promise<LitmusEdgeStandIn> {
  let cert = o.serverCert ?? (await selfSignedLitmusCert());
  const mode = o.mode ?? '3.x';
  const version = o.version ?? (mode === '4.x' ? '4.0.3' : '3.16.2');
  const state: ApiState = {
    mode,
    version,
    firmwareVersion: o.firmwareVersion ?? version,
    providers: o.providers ?? 'default',
    shape: o.schema ?? 'a',
    redactSecrets: o.redactSecrets ?? false,
    instances: new Map(),
    devices: o.devices ?? defaultDevices(),
    ...(o.resolve ? { resolve: o.resolve } : {}),
    publishIntervalMs: o.publishIntervalMs ?? 200,
  };
  const requests: RequestRecord[] = [];
  const faults: Array<Fault & { left: number }> = [];
  const bearer = new Map<string, number>(); // access token -> expiry (ms)
  let expireAfter: number | undefined;

  const authOf = (req: IncomingMessage): RequestRecord['auth'] | 'denied' => {
    const h = String(req.headers.authorization ?? '');
    if (h.startsWith('Basic ')) {
      const [user, pass] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(/:(.*)/s);
      return (o.tokens ?? []).includes(user ?? '') && !pass ? 'basic' : 'denied';
    }
    if (h.startsWith('Bearer ')) {
      if (expireAfter !== undefined && expireAfter <= 0) {
        bearer.clear(); // every token issued so far expires now (once)
        expireAfter = undefined;
      } else if (expireAfter !== undefined) expireAfter--;
      const until = bearer.get(h.slice(7));
      return until !== undefined && until > Date.now() ? 'bearer' : 'denied';
    }
    return 'denied';
  };

  const oauth = (body: unknown): Reply => {
    const f = (body ?? {}) as Record<string, string>;
    const client = (o.oauthClients ?? []).find((c) => c.id === f.client_id && c.secret === f.client_secret);
    if (f.grant_type !== 'client_credentials')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (!client)
      return {
        status: 401,
        body: { error: 'invalid_client', error_description: 'invalid client credentials' },
      };
    const token = randomBytes(24).toString('base64url');
    const ttl = client.ttlS ?? 3600;
    bearer.set(token, Date.now() + ttl * 1000);
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: ttl } };
  };

  const takeFault = (method: string, path: string): Fault | undefined => {
    const f = faults.find(
      (x) =>
        x.left > 0 &&
        (!x.method || x.method === method) &&
        (!x.path || (typeof x.path === 'string' ? x.path === path : x.path.test(path))),
    );
    if (f) f.left--;
    return f;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const body = parseBody(req, await readBody(req));
    const record = (status: number, auth: RequestRecord['auth']) => {
      const r: RequestRecord = {
        method,
        path,
        status,
        auth,
        ...(method !== 'GET' && path !== '/auth/v3/oauth/token' ? { body } : {}),
      };
      requests.push(r);
      o.onRequest?.(r);
    };
    if (method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>Litmus Edge</title>\n');
      return;
    }
    const fault = takeFault(method, path);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.drop) {
      record(0, 'none');
      req.socket.destroy();
      return;
    }
    if (fault?.status) {
      record(fault.status, 'none');
      send(
        res,
        { status: fault.status, body: { code: fault.status, message: 'injected fault' } },
        fault.retryAfterS !== undefined ? { 'retry-after': String(fault.retryAfterS) } : {},
      );
      return;
    }
    if (method === 'POST' && path === '/auth/v3/oauth/token') {
      const r = oauth(body);
      record(r.status, 'none');
      return send(res, r);
    }
    const auth = authOf(req);
    if (auth === 'denied') {
      record(401, 'none');
      return send(
        res,
        { status: 401, body: { code: 401, message: 'Unauthorized' } },
        { 'www-authenticate': 'Basic realm="litmusedge"' },
      );
    }
    const r = await route(state, method, path, body);
    record(r.status, auth);
    send(res, r);
  };

  const server = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    handle(req, res).catch((e: unknown) =>
      send(res, { status: 500, body: { code: 500, message: String(e) } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    certPem: () => cert.cert,
    sha256: () => new X509Certificate(cert.cert).fingerprint256,
    requests,
    state,
    instances: () => [...state.instances.values()],
    connectorStatus: (id) => state.instances.get(id)?.runtime?.status(),
    fault: (f) => faults.push({ ...f, left: f.times ?? 1 }),
    tokensIssued: () => requests.filter((r) => r.path === '/auth/v3/oauth/token' && r.status === 200).length,
    expireTokensAfter: (n) => (expireAfter = n),
    async rotateCertificate(next) {
      cert = next ?? (await selfSignedLitmusCert());
      server.setSecureContext({ cert: cert.cert, key: cert.key });
    },
    async stop() {
      await Promise.all([...state.instances.values()].map((i) => i.runtime?.stop()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
