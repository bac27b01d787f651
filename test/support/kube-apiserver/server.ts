// HTTPS front end: bearer-token authentication, RBAC, routing of discovery/OpenAPI/resource paths, watch streams,
// and the hand-off of upgrade requests (port-forward) to portforward.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import { applyFault, type FaultPlan } from '../faults/index.js';
import { parseBody, type KubeApi } from './api.js';
import {
  aggregatedDiscovery,
  AGGREGATED_V2,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  SERVER_VERSION,
  wantsAggregated,
} from './discovery.js';
import { kubeFaultResponder } from './faults.js';
import { openApi } from './openapi.js';
import { SANDBOX_ADMIN_PREFIX, sandboxAdmin } from './sandbox-admin.js';
import {
  forbidden,
  isAllowed,
  rulesReviewStatus,
  selfReviewStatus,
  type Attributes,
  type PolicyRule,
} from './rbac.js';
import { apiVersionOf, findResource, type ResourceType } from './resources.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import {
  ApiError,
  badRequest,
  gone,
  internalError,
  methodNotAllowed,
  notFoundPath,
  unauthorized,
} from './status.js';
import type { Store, StoreEvent } from './store.js';
import { toTable, wantsTable } from './table.js';
import type { KubeObject } from './types.js';

export interface Identity {
  user: string;
  /** undefined = unrestricted (the admin token). */
  rules?: PolicyRule[];
  /** Groups reported by SelfSubjectReview (system:authenticated is added). */
  groups?: string[];
}

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
  user: string;
  /** Kubernetes verb for resource requests (get, list, watch, create, update, patch, delete, ...). */
  verb?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  contentType?: string;
  accept?: string;
  userAgent?: string;
}

/** A parsed resource path. */
export interface ResourceRequest {
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface UpgradeContext {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  target: ResourceRequest;
  identity: Identity;
  query: URLSearchParams;
}

export interface ServerDeps {
  api: KubeApi;
  store: Store;
  key: string;
  cert: string;
  identify(token: string | undefined): Identity | undefined;
  onUpgrade(ctx: UpgradeContext): void;
  log(record: RequestRecord): void;
  /** The fault plan consulted before every authenticated HTTP request (rules may match verb/resource/namespace/name). */
  faults: FaultPlan;
  /** pods/log: the kubelet's container output, or undefined for a pod no kubelet runs (answered empty). */
  podLogs?(namespace: string, name: string, query: URLSearchParams): string | undefined;
}

/** Splits `/api/v1/...` or `/apis/g/v/...` into a resource request (undefined for discovery paths). */
export function parseResourcePath(path: string): ResourceRequest | 'discovery' | undefined {
  const segs = path.split('/').filter((s) => s !== '');
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 2) {
    group = '';
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 3) {
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else return undefined;
  if (rest.length === 0) return 'discovery';
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !['status', 'finalize'].includes(rest[2]!)) {
    namespace = decodeURIComponent(rest[1]!);
    rest = rest.slice(2);
  }
  const resource = findResource(group, version, rest[0]!);
  if (!resource || rest.length > 3) return undefined;
  if (namespace !== undefined && !resource.namespaced) return undefined;
  const name = rest[1] !== undefined ? decodeURIComponent(rest[1]) : undefined;
  const subresource = rest[2];
  if (subresource !== undefined && !(subresource in resource.subresources)) return undefined;
  if (resource.resource === 'namespaces' && name !== undefined) namespace = undefined;
  return {
    resource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

export function verbOf(method: string, rr: ResourceRequest, query: URLSearchParams): string {
  const watch = query.get('watch');
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watch === 'true' || watch === '1') return 'watch';
      return rr.name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return rr.name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(.+)$/i.exec(h) : null;
  return m ? m[1]!.trim() : undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': data.length,
    'Cache-Control': 'no-cache, private',
  });
  res.end(data);
}

function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof ApiError ? err : internalError(String((err as Error)?.stack ?? err));
  const retry = e.details?.retryAfterSeconds;
  if (retry !== undefined) res.setHeader('Retry-After', String(retry));
  sendJson(res, e.code, e.toStatus());
}

function managerFrom(query: URLSearchParams, userAgent: string | undefined): string {
  return query.get('fieldManager') || userAgent?.split('/')[0]?.trim() || 'unknown';
}

/** SelfSubjectRulesReview / SelfSubjectReview: answered from the caller's identity, never stored. */
function selfReview(r: ResourceType, body: unknown, identity: Identity): Record<string, unknown> {
  const o = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const spec = typeof o.spec === 'object' && o.spec !== null ? (o.spec as Record<string, unknown>) : {};
  const head = { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { creationTimestamp: null } };
  if (r.resource === 'selfsubjectreviews') {
    return { ...head, status: selfReviewStatus(identity.user, identity.groups) };
  }
  const namespace = typeof spec.namespace === 'string' && spec.namespace ? spec.namespace : undefined;
  return { ...head, spec, status: rulesReviewStatus(identity.rules, namespace) };
}

export class ApiServer {
  readonly server: Server;
  private readonly watches = new Set<ServerResponse>();

  constructor(private readonly deps: ServerDeps) {
    this.server = createServer({ key: deps.key, cert: deps.cert }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, err);
        else res.destroy();
      });
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : 0);
      });
    });
  }

  async close(): Promise<void> {
    for (const w of this.watches) w.end();
    this.watches.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private authorize(identity: Identity, a: Attributes): void {
    if (identity.rules === undefined) return;
    if (!isAllowed(identity.rules, a)) throw forbidden(identity.user, a);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const query = url.searchParams;
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path,
      query: url.search,
      status: 0,
      user: '',
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
    };
    res.on('close', () => {
      record.status = res.statusCode;
      this.deps.log(record);
    });
    const identity = this.deps.identify(bearer(req));
    if (!identity) return sendError(res, unauthorized());
    record.user = identity.user;
    if (path.startsWith(SANDBOX_ADMIN_PREFIX)) {
      return sandboxAdmin(req, res, path, identity.rules === undefined, this.deps.faults);
    }
    const accept = req.headers.accept;
    const method = req.method ?? 'GET';
    const parsed = parseResourcePath(path);
    const rr = typeof parsed === 'object' ? parsed : undefined;
    const verb = rr ? verbOf(method, rr, query) : undefined;
    if (rr) {
      Object.assign(record, {
        verb,
        resource: rr.resource.resource,
        ...(rr.subresource ? { subresource: rr.subresource } : {}),
        ...(rr.namespace ? { namespace: rr.namespace } : {}),
        ...(rr.name ? { name: rr.name } : {}),
      });
    }
    const faultAttributes = rr
      ? {
          verb: verb!,
          resource: rr.resource.resource,
          ...(rr.namespace ? { namespace: rr.namespace } : {}),
          ...(rr.name ? { name: rr.name } : {}),
        }
      : undefined;
    if ((await applyFault(this.deps.faults, req, res, kubeFaultResponder(rr), faultAttributes)).handled)
      return;
    if (!rr || !verb) {
      this.authorize(identity, { verb: method === 'GET' || method === 'HEAD' ? 'get' : 'post', path });
      return this.nonResource(req, res, path, accept);
    }
    const attrs: Attributes = {
      verb,
      apiGroup: rr.resource.group,
      resource: rr.resource.resource,
      ...(rr.subresource ? { subresource: rr.subresource } : {}),
      ...(rr.name ? { name: rr.name } : {}),
      ...(rr.namespace ? { namespace: rr.namespace } : {}),
    };
    this.authorize(identity, attrs);
    const allowedVerbs = rr.subresource ? rr.resource.subresources[rr.subresource]!.verbs : rr.resource.verbs;
    if (!allowedVerbs.includes(verb)) throw methodNotAllowed();
    const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method ?? '')
      ? await readBody(req)
      : undefined;
    await this.resource(req, res, rr, verb, query, body, identity);
  }

  private nonResource(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    accept: string | undefined,
  ): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
    if (path === '/version') return sendJson(res, 200, SERVER_VERSION);
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (path === '/api' || path === '/apis') {
      if (wantsAggregated(accept))
        return sendJson(res, 200, aggregatedDiscovery(path === '/api'), AGGREGATED_V2);
      const addr = this.server.address();
      const host = typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : '127.0.0.1';
      return sendJson(res, 200, path === '/api' ? apiVersions(host) : apiGroupList());
    }
    const segs = path.split('/').filter((s) => s !== '');
    if (segs[0] === 'apis' && segs.length === 2) {
      const g = apiGroup(segs[1]!);
      if (g) return sendJson(res, 200, g);
    }
    if ((segs[0] === 'api' && segs.length === 2) || (segs[0] === 'apis' && segs.length === 3)) {
      const list = segs[0] === 'api' ? apiResourceList('', segs[1]!) : apiResourceList(segs[1]!, segs[2]!);
      if (list) return sendJson(res, 200, list);
    }
    const oa = openApi(path, accept);
    if (oa) {
      res.writeHead(oa.status, { 'Content-Type': oa.contentType, 'Content-Length': oa.body.length });
      res.end(oa.body);
      return;
    }
    throw notFoundPath();
  }

  private async resource(
    req: IncomingMessage,
    res: ServerResponse,
    rr: ResourceRequest,
    verb: string,
    query: URLSearchParams,
    body: Buffer | undefined,
    identity: Identity,
  ): Promise<void> {
    const { api } = this.deps;
    const r = rr.resource;
    const dryRun = query.getAll('dryRun').includes('All');
    const manager = managerFrom(query, req.headers['user-agent']);
    const contentType = req.headers['content-type'] ?? 'application/json';
    const accept = req.headers.accept;
    const sub = rr.subresource;
    const validation = {
      ...(query.has('fieldValidation') ? { fieldValidation: query.get('fieldValidation')! } : {}),
      warn: (w: string) => res.appendHeader('Warning', `299 - ${JSON.stringify(w)}`),
    };
    if (sub === 'portforward') throw badRequest('Upgrade request required');
    if (sub === 'log') {
      api.get(r, rr.namespace, rr.name!);
      const text = this.deps.podLogs?.(rr.namespace!, rr.name!, query) ?? '';
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(text);
      return;
    }
    switch (verb) {
      case 'get': {
        const o = api.get(r, rr.namespace, rr.name!);
        if (sub === 'scale') return sendJson(res, 200, api.scaleOf(r, o));
        if (wantsTable(accept))
          return sendJson(res, 200, toTable([o], o.metadata.resourceVersion!, query.get('includeObject')));
        return sendJson(res, 200, o);
      }
      case 'list': {
        if (wantsTable(accept)) {
          const { rv, items } = api.select(r, rr.namespace, query);
          return sendJson(res, 200, toTable(items, rv, query.get('includeObject')));
        }
        return sendJson(res, 200, api.list(r, rr.namespace, query));
      }
      case 'watch':
        return this.watch(req, res, rr, query);
      case 'create': {
        if (rr.name !== undefined) throw methodNotAllowed();
        if (r.resource === 'selfsubjectrulesreviews' || r.resource === 'selfsubjectreviews') {
          return sendJson(res, 201, selfReview(r, parseBody(body, contentType), identity));
        }
        const o = api.create(r, rr.namespace, parseBody(body, contentType), {
          manager,
          dryRun,
          caller: identity,
          ...validation,
        });
        return sendJson(res, 201, o);
      }
      case 'update': {
        const parsed = parseBody(body, contentType);
        if (sub === 'scale') {
          const existing = api.get(r, rr.namespace, rr.name!);
          return sendJson(res, 200, api.setScale(r, existing, parsed, { manager, dryRun }));
        }
        const o = api.update(r, rr.namespace, rr.name!, parsed, {
          manager,
          dryRun,
          ...validation,
          ...(sub ? { subresource: sub } : {}),
        });
        return sendJson(res, 200, o);
      }
      case 'patch': {
        // A server-side apply that creates the object is also authorized as `create` of that name
        // (k8s.io/apiserver endpoints/handlers/patch.go, createAuthorizerAttributes).
        const applying = contentType.startsWith('application/apply-patch');
        if (applying && !sub && !api.store.get(r, rr.namespace, rr.name!)) {
          const { namespace, name } = rr;
          this.authorize(identity, {
            verb: 'create',
            apiGroup: r.group,
            resource: r.resource,
            name: name!,
            ...(namespace ? { namespace } : {}),
          });
        }
        const force = query.get('force') === 'true';
        const { object, created } = api.patch(r, rr.namespace, rr.name!, contentType, body, {
          manager:
            query.get('fieldManager') ?? (contentType.startsWith('application/apply-patch') ? '' : manager),
          dryRun,
          force,
          ...validation,
          ...(sub ? { subresource: sub } : {}),
        });
        return sendJson(res, created ? 201 : 200, object);
      }
      case 'delete': {
        const opts = body && body.length > 0 ? (parseBody(body, contentType) as Record<string, unknown>) : {};
        const policy = query.get('propagationPolicy');
        if (policy) opts.propagationPolicy = policy;
        return sendJson(res, 200, api.delete(r, rr.namespace, rr.name!, opts, dryRun));
      }
      case 'deletecollection':
        return sendJson(res, 200, api.deleteCollection(r, rr.namespace, query, dryRun));
      default:
        throw methodNotAllowed();
    }
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    rr: ResourceRequest,
    query: URLSearchParams,
  ): void {
    const { store } = this.deps;
    const r = rr.resource;
    const byLabel = labelMatcher(query.get('labelSelector'));
    const byField = fieldMatcher(query.get('fieldSelector'));
    const matches = (o: KubeObject) =>
      (!r.namespaced || !rr.namespace || o.metadata.namespace === rr.namespace) &&
      (rr.name === undefined || o.metadata.name === rr.name) &&
      byLabel(o) &&
      byField(o);
    const rvParam = query.get('resourceVersion') ?? '';
    const sendInitial = query.get('sendInitialEvents') === 'true';
    const bookmarks = query.get('allowWatchBookmarks') === 'true';
    let since = 0;
    if (rvParam !== '' && rvParam !== '0' && !sendInitial) {
      since = Number(rvParam);
      if (!Number.isInteger(since) || since < 0) throw badRequest(`invalid resource version: ${rvParam}`);
    }

    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const send = (e: StoreEvent) => {
      if (e.resource === r && matches(e.object)) write(e.type, e.object);
    };
    const bookmark = (rv: number, initialEnd: boolean) =>
      write('BOOKMARK', {
        kind: r.kind,
        apiVersion: apiVersionOf(r),
        metadata: {
          resourceVersion: String(rv),
          ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
        },
      });

    if (since > 0) {
      const backlog = store.eventsSince(r, since);
      if (!backlog) {
        write('ERROR', gone(`too old resource version: ${since} (${store.oldestRv()})`).toStatus());
        res.end();
        return;
      }
      backlog.forEach(send);
    } else {
      for (const o of store.list(r, rr.namespace, matches)) write('ADDED', o);
      if (sendInitial && bookmarks) bookmark(store.currentRv(), true);
    }
    const unsubscribe = store.subscribe(send);
    this.watches.add(res);
    const timeout = Number(query.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const done = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      this.watches.delete(res);
    };
    res.on('close', done);
    req.on('close', done);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const query = url.searchParams;
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      status: 101,
      user: '',
      verb: 'create',
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
    };
    const reject = (e: ApiError) => {
      record.status = e.code;
      this.deps.log(record);
      const body = JSON.stringify(e.toStatus());
      socket.end(
        `HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    const identity = this.deps.identify(bearer(req));
    if (!identity) return reject(unauthorized());
    record.user = identity.user;
    const parsed = parseResourcePath(url.pathname);
    if (!parsed || parsed === 'discovery' || parsed.subresource !== 'portforward' || !parsed.name) {
      return reject(notFoundPath());
    }
    Object.assign(record, {
      resource: 'pods',
      subresource: 'portforward',
      name: parsed.name,
      ...(parsed.namespace ? { namespace: parsed.namespace } : {}),
    });
    const attrs = (verb: string): Attributes => ({
      verb,
      apiGroup: '',
      resource: 'pods',
      subresource: 'portforward',
      name: parsed.name!,
      ...(parsed.namespace ? { namespace: parsed.namespace } : {}),
    });
    // SPDY upgrades are POSTs: `create`. A WebSocket upgrade is a GET: Kubernetes authorizes it as `get`, and from
    // 1.35 (AuthorizePodWebsocketUpgradeCreatePermission) as `create` too; we demand both, so a permission table
    // that lacks either fails here as it would on some real cluster.
    const websocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    const needed = websocket ? ['get', 'create'] : ['create'];
    const missing = identity.rules ? needed.find((v) => !isAllowed(identity.rules!, attrs(v))) : undefined;
    if (missing) return reject(forbidden(identity.user, attrs(missing)));
    try {
      this.deps.api.get(parsed.resource, parsed.namespace, parsed.name);
    } catch (e) {
      return reject(e as ApiError);
    }
    this.deps.log(record);
    this.deps.onUpgrade({ req, socket, head, target: parsed, identity, query });
  }
}
