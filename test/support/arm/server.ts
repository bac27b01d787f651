// The ARM front door: HTTPS on loopback, and for every request in order: injected faults, bearer-token
// authentication, path/api-version/subscription/resource-group resolution (an operation the stand-in does not offer
// answers with ARM's own error: InvalidResourceType or MethodNotAllowed), authorization, JSON parsing, request
// validation against the OpenAPI specs (oav), the server-side defaults of a PUT, the provider's handler, then
// validation of the stand-in's own answer (a drift from the spec is a loud 500, recorded in `responseIssues`).
// Async-operation monitors are served here too. Lists are paged (`pageSize`), as Azure's are.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { applyFault, createFaultPlan } from '../faults/index.js';
import type { FaultPlan } from '../faults/index.js';
import { closeServer, listenOnLoopback, readBody } from '../identity/http.js';
import { createTestCa, issueLoopbackServerCert } from '../test-pki.js';
import type { TestCertificate } from '../test-pki.js';
import { authenticate } from './auth.js';
import type { ArmAuthOptions, Principal } from './auth.js';
import { handleDelete, handleGet, handleList, handlePatch, handlePut } from './engine.js';
import { ArmError, armErrors } from './errors.js';
import { fullType, parseArmPath, resourceGroupId, resourceIdOf } from './ids.js';
import type { ArmPath } from './ids.js';
import { LroTracker, OPERATION_PATH_RE } from './lro.js';
import type { LroSettings } from './lro.js';
import { acrTypes } from './providers/acr.js';
import { arcTypes } from './providers/arc.js';
import { iotOpsTypes } from './providers/iotops.js';
import { checkSeed, DEFAULT_SEED, seedStore } from './seed.js';
import { collapseSlashes, errorResult, header, lowerHeaders, send } from './respond.js';
import type { SeedInfo, SeedOptions } from './seed.js';
import { ArmStore } from './store.js';
import type {
  AuthorizeHook,
  HandlerResult,
  ProviderHooks,
  RequestContext,
  ResourceTypeDef,
} from './types.js';
import { loadSpecValidator } from './validator.js';
import type { SpecIssue, SpecValidator } from './validator.js';

export interface ArmStandInOptions extends ProviderHooks {
  /** How access tokens are checked (the Entra stand-in's keys). */
  auth: ArmAuthOptions;
  /** CA for the server certificate; default a fresh one (see `caPem`). */
  ca?: TestCertificate;
  /** Specs root (holds specification/); default $ARM_STAND_IN_SPECS_DIR or `<repo>/test/contracts/azure`. */
  specsDir?: string;
  seed?: Partial<SeedOptions>;
  lro?: Partial<LroSettings>;
  faults?: FaultPlan;
  /** Who may do what; default everyone everything. `action` is e.g. `Microsoft.IoTOperations/instances/brokers/listeners/write`. */
  authorize?: AuthorizeHook;
  /**
   * Store what Azure stores for a PUT: the spec's defaults filled in (a port's `protocol`, an authorization's
   * `cache`, ...) and what the provider adds (a listener's `serviceName`). Default true.
   */
  serverDefaults?: boolean;
  /**
   * Items per list page; every full page carries a nextLink (so with the default 1, even a single listener takes two
   * pages). 0 answers every list in one page.
   */
  pageSize?: number;
}

/** An operation the stand-in serves: method and path template (`{}` for each name). */
export interface ImplementedOperation {
  method: string;
  path: string;
}

export interface ArmRequestRecord {
  method: string;
  path: string;
  apiVersion?: string;
  status: number;
  /** resource | list | action | operationStatus | operationResult | other */
  kind: string;
  operationId?: string;
  /** The fault that answered this request, if any. */
  fault?: string;
  errorCode?: string;
  appId?: string;
  at: number;
}

export interface ResponseIssueRecord {
  method: string;
  url: string;
  status: number;
  issues: SpecIssue[];
}

export interface ArmStandIn {
  /** `https://127.0.0.1:<port>`: the SDK clients' `endpoint`. */
  url: string;
  caPem: string;
  seed: SeedInfo;
  store: ArmStore;
  lro: LroTracker;
  faults: FaultPlan;
  validator: SpecValidator;
  readonly requests: ArmRequestRecord[];
  /** The stand-in's own answers that failed spec validation; must stay empty. */
  readonly responseIssues: ResponseIssueRecord[];
  /** Read-only properties sent in request bodies (tolerated, as ARM does). */
  readonly ignoredRequestIssues: SpecIssue[];
  /** Hooks can be changed while running (e.g. wire onIotOpsChange after start). */
  hooks: ProviderHooks;
  /** Server-side defaults and page size in force (see ArmStandInOptions). */
  readonly settings: { serverDefaults: boolean; pageSize: number };
  /** `repo:tag` → digest of a registry (default the seeded one). */
  registryContent(registryName?: string): Record<string, string>;
  setRegistryTag(repoTag: string, digest: string, registryName?: string): void;
  close(): Promise<void>;
}

const COMMON_HEADERS = { 'cache-control': 'no-cache', pragma: 'no-cache', expires: '-1' };

export async function startArmStandIn(options: ArmStandInOptions): Promise<ArmStandIn> {
  const validator = await loadSpecValidator(options.specsDir);
  const ca = options.ca ?? (await createTestCa('ARM stand-in CA'));
  const serverCert = await issueLoopbackServerCert(ca);
  const store = new ArmStore();
  const seed = seedStore(store, validator.specsDir, options.seed);
  const lro = new LroTracker({ pollsBeforeDone: 1, retryAfterSeconds: 0, ...options.lro });
  const faults = options.faults ?? createFaultPlan();
  const hooks: ProviderHooks = {
    onIotOpsChange: options.onIotOpsChange,
    importImage: options.importImage,
    targetTagExists: options.targetTagExists,
    clusterKubeconfig: options.clusterKubeconfig,
  };
  const types = resourceTypes(seed.location);
  const settings = { serverDefaults: options.serverDefaults ?? true, pageSize: options.pageSize ?? 1 };
  const requests: ArmRequestRecord[] = [];
  const responseIssues: ResponseIssueRecord[] = [];
  const ignoredRequestIssues: SpecIssue[] = [];
  let origin = '';

  const findType = (namespace: string, chain: string[]) =>
    types.find(
      (t) =>
        t.namespace.toLowerCase() === namespace.toLowerCase() &&
        t.types.length === chain.length &&
        t.types.every((x, i) => x.toLowerCase() === chain[i]!.toLowerCase()),
    );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // ARM collapses repeated slashes: the generic SDK client sends `/{resourceId}` with a leading-slash id
    // (`//subscriptions/...`). Normalised in place so fault rules match the path as written in tests.
    req.url = collapseSlashes(req.url ?? '/');
    const url = new URL(`${origin}${req.url}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const correlationId = header(req, 'x-ms-correlation-request-id') ?? randomUUID();
    const requestId = randomUUID();
    const baseHeaders: Record<string, string> = {
      ...COMMON_HEADERS,
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': correlationId,
      'x-ms-routing-request-id': `EASTUS:${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z:${requestId}`,
      ...(header(req, 'x-ms-client-request-id')
        ? { 'x-ms-client-request-id': header(req, 'x-ms-client-request-id')! }
        : {}),
    };
    const record: ArmRequestRecord = {
      method,
      path: url.pathname,
      apiVersion: url.searchParams.get('api-version') ?? undefined,
      status: 0,
      kind: 'other',
      at: Date.now(),
    };
    requests.push(record);
    res.on('close', () => {
      if (!record.status) record.status = res.headersSent ? res.statusCode : -1;
    });

    const outcome = await applyFault(faults, req, res, {
      headers: () => baseHeaders,
      errorBody: (status, kind) =>
        (kind === 'conflict' ? armErrors.conflict(url.pathname) : armErrors.throttled(status)).toBody(),
    });
    if (outcome.fault) record.fault = outcome.fault.kind;
    if (outcome.handled) {
      record.status = res.headersSent ? res.statusCode : -1;
      return;
    }

    let validated: { url: string; method: string } | undefined;
    let result: HandlerResult;
    try {
      const principal = authenticate(req.headers.authorization, options.auth);
      record.appId = principal.appId;
      const op = OPERATION_PATH_RE.exec(url.pathname);
      if (op) {
        result = await operationMonitor(op, principal, record);
      } else {
        const r = await resourceRequest(req, url, method, principal, record);
        result = r.result;
        validated = r.validated;
      }
    } catch (err) {
      result = errorResult(err);
    }

    if (validated) {
      const issues = await validator.validateResponse(validated, {
        status: result.status,
        headers: lowerHeaders({
          ...result.headers,
          ...(result.body === undefined ? {} : { 'content-type': 'application/json' }),
        }),
        body: result.body,
      });
      if (issues.length > 0) {
        responseIssues.push({ method, url: validated.url, status: result.status, issues });
        result = {
          status: 500,
          body: {
            error: {
              code: 'StandInResponseInvalid',
              message:
                `ARM stand-in bug: its ${result.status} answer to ${method} ${url.pathname} does not match the spec: ` +
                issues.map((i) => `${i.code} ${i.message} at '${i.path}'`).join('; '),
            },
          },
        };
      }
    }
    const body = result.body as { error?: { code?: string } } | undefined;
    if (result.status >= 400) record.errorCode = body?.error?.code;
    send(res, result.status, result.body, { ...baseHeaders, ...result.headers });
    record.status = result.status;
  }

  async function operationMonitor(
    m: RegExpExecArray,
    principal: Principal,
    record: ArmRequestRecord,
  ): Promise<HandlerResult> {
    const [, subscriptionId, , , which, name] = m;
    const sub = store.subscription(subscriptionId!);
    if (!sub) throw armErrors.subscriptionNotFound(subscriptionId!);
    checkTenant(principal, sub.tenantId);
    record.kind = which!.toLowerCase() === 'operationstatuses' ? 'operationStatus' : 'operationResult';
    const op = await lro.poll(name!);
    if (!op) {
      throw new ArmError(404, 'OperationNotFound', `The operation '${name}' could not be found.`);
    }
    const retry = { 'retry-after': String(lro.settings.retryAfterSeconds) };
    if (record.kind === 'operationStatus') {
      return { status: 200, body: lro.statusBody(op), headers: op.status === 'InProgress' ? retry : {} };
    }
    if (op.status === 'InProgress')
      return { status: 202, headers: { ...lro.headers(origin, op, true), ...retry } };
    if (op.status === 'Failed') {
      return {
        status: op.failureHttpStatus,
        body: { error: op.error ?? { code: 'Failed', message: 'Failed' } },
      };
    }
    // 200 even without a result: ACR's generated poller accepts only 200/201/202 from the Location monitor.
    return { status: 200, body: op.result };
  }

  function checkTenant(principal: Principal, tenantId: string) {
    if (principal.tenantId.toLowerCase() !== tenantId.toLowerCase()) {
      throw armErrors.wrongTenant(String(principal.claims.iss ?? ''), tenantId);
    }
  }

  async function resourceRequest(
    req: IncomingMessage,
    url: URL,
    method: string,
    principal: Principal,
    record: ArmRequestRecord,
  ): Promise<{ result: HandlerResult; validated?: { url: string; method: string } }> {
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) throw armErrors.missingApiVersion();
    const path = parseArmPath(url.pathname);
    if (!path) throw notOffered(url.pathname, method, apiVersion); // tenant-level, e.g. .../operations
    const sub = store.subscription(path.subscriptionId);
    if (!sub) throw armErrors.subscriptionNotFound(path.subscriptionId);
    checkTenant(principal, sub.tenantId);
    if (path.resourceGroup && !store.resourceGroup(path.subscriptionId, path.resourceGroup)) {
      throw armErrors.resourceGroupNotFound(path.resourceGroup);
    }
    // Lists across a subscription or a resource group are not offered.
    if (!path.resourceGroup || !path.namespace || path.pairs.length === 0) {
      throw notOffered(url.pathname, method, apiVersion);
    }
    const { def, kind, id } = resolveTarget(path, method, apiVersion);
    record.kind = kind;
    if (apiVersion !== def.apiVersion) {
      throw armErrors.noRegisteredProvider(seed.location, apiVersion, def.types.join('/'), [def.apiVersion]);
    }
    const action = authAction(def, kind, method, path);
    if (options.authorize && !options.authorize(principal, action, id)) {
      throw armErrors.authorizationFailed(principal.objectId, action, id);
    }

    let body: unknown;
    if (method === 'PUT' || method === 'POST' || method === 'PATCH') {
      const raw = (await readBody(req)).toString('utf8');
      if (raw.trim() !== '') {
        try {
          body = JSON.parse(raw);
        } catch (err) {
          throw armErrors.invalidJson((err as Error).message);
        }
      }
    }
    const full = `${origin}${url.pathname}${url.search}`;
    const check = await validator.validateRequest({
      url: full,
      method,
      headers: lowerHeaders(req.headers),
      body,
    });
    if (check.unknownOperation) {
      throw new ArmError(
        500,
        'StandInSpecMismatch',
        `ARM stand-in bug: ${method} ${url.pathname} is routed but the spec has no such operation: ${check.unknownOperation}`,
      );
    }
    record.operationId = check.operationId;
    ignoredRequestIssues.push(...check.ignored);
    if (check.issues.length > 0) {
      return { result: errorResult(armErrors.specViolation(check.issues)), validated: { url: full, method } };
    }
    if (method === 'PUT' && settings.serverDefaults && check.operationId && check.apiVersion) {
      body = validator.withDefaults(check.apiVersion, check.operationId, body);
    }

    const lroFault = faults.take({ method, url: url.pathname }, ['lro-failed']);
    const ctx: RequestContext = {
      method,
      origin,
      url,
      apiVersion,
      path,
      principal,
      body,
      store,
      lro,
      hooks,
      def,
      id,
      req,
      ...(check.operationId ? { operationId: check.operationId } : {}),
      serverDefaults: settings.serverDefaults,
      pageSize: settings.pageSize,
      ...(lroFault?.kind === 'lro-failed'
        ? { lroFailure: { code: lroFault.code, message: lroFault.message } }
        : {}),
    };
    if (lroFault) record.fault = lroFault.kind;
    let result: HandlerResult;
    try {
      result = await dispatch(ctx, kind);
    } catch (err) {
      result = errorResult(err);
    }
    return { result, validated: { url: full, method } };
  }

  function resolveTarget(
    path: ArmPath,
    method: string,
    apiVersion: string,
  ): { def: ResourceTypeDef; kind: string; id: string } {
    const ns = path.namespace!;
    const chain = path.pairs.map((p) => p.type);
    const id = resourceIdOf(path.subscriptionId, path.resourceGroup!, ns, path.pairs);
    if (!types.some((t) => t.namespace.toLowerCase() === ns.toLowerCase())) {
      throw armErrors.invalidResourceNamespace(ns);
    }
    if (path.trailing) {
      const listDef = findType(ns, [...chain, path.trailing]);
      if (listDef?.list && method === 'GET') return { def: listDef, kind: 'list', id };
      const owner = findType(ns, chain);
      if (owner?.actions?.[path.trailing.toLowerCase()] && method === 'POST') {
        return { def: owner, kind: 'action', id };
      }
      if (listDef || owner?.actions?.[path.trailing.toLowerCase()]) throw armErrors.methodNotAllowed(method);
      throw armErrors.invalidResourceType([...chain, path.trailing].join('/'), ns, apiVersion);
    }
    const def = findType(ns, chain);
    if (!def) throw armErrors.invalidResourceType(chain.join('/'), ns, apiVersion);
    const offered = { GET: def.get, PUT: def.put, PATCH: def.patch, DELETE: def.delete }[method];
    if (!offered) throw armErrors.methodNotAllowed(method);
    return { def, kind: 'resource', id };
  }

  /** ARM's answer for an operation the stand-in does not offer: a known type → 405, else InvalidResourceType. */
  function notOffered(pathname: string, method: string, apiVersion: string): ArmError {
    const rest = pathname.split(/\/providers\//i).pop() ?? '';
    const [ns = '', ...segs] = rest.split('/').filter((x) => x !== '');
    if (!types.some((t) => t.namespace.toLowerCase() === ns.toLowerCase())) {
      return armErrors.invalidResourceNamespace(ns);
    }
    const chain = segs.filter((_, i) => i % 2 === 0);
    if (findType(ns, chain)) return armErrors.methodNotAllowed(method);
    return armErrors.invalidResourceType(chain.join('/'), ns, apiVersion);
  }

  async function dispatch(ctx: RequestContext, kind: string): Promise<HandlerResult> {
    const { def, method } = ctx;
    if (kind === 'list') return handleList(ctx);
    if (kind === 'action') return def.actions![ctx.path.trailing!.toLowerCase()]!(ctx);
    if (method === 'GET' && def.get) return handleGet(ctx);
    if (method === 'PUT' && def.put) return handlePut(ctx);
    if (method === 'PATCH' && def.patch) return handlePatch(ctx);
    if (method === 'DELETE' && def.delete) return handleDelete(ctx);
    throw armErrors.methodNotAllowed(method);
  }

  const server = createServer({ cert: serverCert.cert, key: serverCert.key }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, errorResult(err).body, COMMON_HEADERS);
      else res.destroy();
    });
  });
  const port = await listenOnLoopback(server);
  origin = `https://127.0.0.1:${port}`;

  await checkSeed(validator, origin, store, seed, types);

  const registryId = (name?: string) =>
    name
      ? `${resourceGroupId(seed.subscriptionId, seed.resourceGroup)}/providers/Microsoft.ContainerRegistry/registries/${name}`
      : seed.registryId;

  return {
    url: origin,
    caPem: ca.cert,
    seed,
    store,
    lro,
    faults,
    validator,
    requests,
    responseIssues,
    ignoredRequestIssues,
    hooks,
    settings,
    registryContent: (name) => Object.fromEntries(store.registryContent(registryId(name))),
    setRegistryTag: (repoTag, digest, name) => {
      store.registryContent(registryId(name)).set(repoTag, digest);
    },
    close: () => closeServer(server),
  };
}

/** Every resource type the stand-in serves, with what it offers on each. */
function resourceTypes(location: string): ResourceTypeDef[] {
  return [...iotOpsTypes(location), ...acrTypes(location), ...arcTypes(location)];
}

/** What the stand-in implements (the same for every seed); anything else answers InvalidResourceType or 405. */
export function standInOperations(): ImplementedOperation[] {
  return implementedOperations(resourceTypes(DEFAULT_SEED.location));
}

function implementedOperations(types: ResourceTypeDef[]): ImplementedOperation[] {
  const out: ImplementedOperation[] = [];
  for (const t of types) {
    const collection = `/subscriptions/{}/resourceGroups/{}/providers/${t.namespace}/${t.types.join('/{}/')}`;
    const item = `${collection}/{}`;
    if (t.get) out.push({ method: 'GET', path: item });
    if (t.list && t.types.length > 1) out.push({ method: 'GET', path: collection });
    if (t.put) out.push({ method: 'PUT', path: item });
    if (t.patch) out.push({ method: 'PATCH', path: item });
    if (t.delete) out.push({ method: 'DELETE', path: item });
    for (const a of Object.keys(t.actions ?? {})) out.push({ method: 'POST', path: `${item}/${a}` });
  }
  return out;
}

function authAction(def: ResourceTypeDef, kind: string, method: string, path: ArmPath): string {
  const type = fullType(def.namespace, def.types);
  if (kind === 'list') return `${type}/read`;
  if (kind === 'action') return `${type}/${path.trailing}/action`;
  return `${type}/${method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write'}`;
}
