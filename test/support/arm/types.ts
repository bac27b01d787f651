// The contract between the ARM front door (server.ts), the generic resource engine (engine.ts) and the resource
// providers (providers/*.ts).
import type { IncomingMessage } from 'node:http';
import type { Principal } from './auth.js';
import type { ArmPath } from './ids.js';
import type { LroTracker, OperationError } from './lro.js';
import type { ArmResource, ArmStore } from './store.js';

export type IotOpsKind = 'listener' | 'authentication' | 'authorization';

export interface IotOpsChange {
  action: 'put' | 'delete';
  resourceId: string;
  instance: string;
  broker: string;
}

/**
 * Called when a PUT or DELETE of an IoT Operations broker listener/authentication/authorization completes
 * successfully (before the async operation reports Succeeded). `resource` is null after a delete.
 * A throw fails the async operation.
 */
export type IotOpsChangeHook = (
  kind: IotOpsKind,
  name: string,
  resource: ArmResource | null,
  change: IotOpsChange,
) => void | Promise<void>;

export interface ImportImageRequest {
  registryId: string;
  source: {
    registryUri?: string;
    resourceId?: string;
    sourceImage: string;
    credentials?: { username?: string; password: string };
  };
  targetTags: string[];
  untaggedTargetRepositories: string[];
  mode: 'NoForce' | 'Force';
}

/** Resolves the digest of an import's source (e.g. by asking a real registry peer). A throw fails the import. */
export type ImportImageHook = (req: ImportImageRequest) => Promise<{ digest: string }> | { digest: string };

/** Whether `repoTag` already exists in the registry `registryId` (a real registry peer behind the stand-in). */
export type TargetTagExistsHook = (registryId: string, repoTag: string) => Promise<boolean> | boolean;

export type AuthorizeHook = (principal: Principal, action: string, scope: string) => boolean;

export interface ProviderHooks {
  onIotOpsChange?: IotOpsChangeHook;
  importImage?: ImportImageHook;
  /** Asked for NoForce imports besides the in-memory content (peer-import.ts answers from a real registry). */
  targetTagExists?: TargetTagExistsHook;
  /** kubeconfig text returned (base64) by listClusterUserCredential. */
  clusterKubeconfig?: string;
}

export interface RequestContext {
  method: string;
  /** https://127.0.0.1:port */
  origin: string;
  url: URL;
  apiVersion: string;
  path: ArmPath;
  principal: Principal;
  body: unknown;
  store: ArmStore;
  lro: LroTracker;
  hooks: ProviderHooks;
  def: ResourceTypeDef;
  /** The addressed resource (item operations and actions) or the parent of a collection (list). */
  id: string;
  /** Set when an injected `lro-failed` fault matched this request. */
  lroFailure?: OperationError;
  /** The spec's operationId for this request (from oav). */
  operationId?: string;
  /** Fill in what the service adds on a PUT (see defaults.ts and the providers' `build`). */
  serverDefaults: boolean;
  /** Items per list page (0: one page with everything). */
  pageSize: number;
  req: IncomingMessage;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface PutBehaviour {
  /** Provider-specific checks and server-set properties; gets the validated body and the current resource. */
  build?(ctx: RequestContext, body: Record<string, unknown>, existing: ArmResource | undefined): ArmResource;
  /** Runs when the async PUT completes; a throw fails it. */
  committed?(ctx: RequestContext, resource: ArmResource): Promise<void> | void;
}

export interface DeleteBehaviour {
  committed?(ctx: RequestContext, resource: ArmResource): Promise<void> | void;
}

export interface ResourceTypeDef {
  namespace: string;
  /** Type chain below the namespace, e.g. ['instances', 'brokers', 'listeners']. */
  types: string[];
  apiVersion: string;
  /** Location used in async-operation URLs. */
  location: string;
  get?: boolean;
  list?: boolean;
  put?: PutBehaviour;
  /** PATCH: merged over the stored resource, then like a PUT (its `build` defaults to put.build). */
  patch?: PutBehaviour;
  delete?: DeleteBehaviour;
  /** POST actions by lower-case name. */
  actions?: Record<string, (ctx: RequestContext) => Promise<HandlerResult> | HandlerResult>;
  /**
   * ProvisioningState values an async PUT walks through before Succeeded/Failed: the first is in the 201/200
   * answer, each InProgress poll moves one step on (IoT Operations: Accepted → Provisioning; ACR: Creating).
   */
  provisioning?: { create: string[]; update: string[] };
}
