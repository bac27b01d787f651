// The Kubernetes port the stages use: a few generic verbs on whole objects. The implementation (client-node)
// lives in node-kube-client.ts and is loaded lazily; tests and stages only see this interface.

export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  resourceVersion?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  /** Set once deletion was requested (the object lingers until its finalizers and grace period are done). */
  deletionTimestamp?: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [field: string]: unknown;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface AccessCheck {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
}

export interface KubeClient {
  /** The API server URL, for messages. */
  readonly server: string;
  /** undefined when the object does not exist. */
  get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubeObject>(ref: { apiVersion: string; kind: string; namespace?: string }): Promise<T[]>;
  create<T extends KubeObject>(obj: T): Promise<T>;
  /** Optimistic concurrency: a stale metadata.resourceVersion fails with KubeApiError code 409. */
  replace<T extends KubeObject>(obj: T): Promise<T>;
  /** false when it was already gone. */
  delete(ref: ObjectRef): Promise<boolean>;
  /**
   * A local TCP port on 127.0.0.1 whose connections are tunnelled to a Service's port (through the pod its
   * selector picks), as `kubectl port-forward svc/...` does. close() ends every tunnel.
   */
  forwardServicePort(namespace: string, service: string, port: number): Promise<LocalForward>;
  /** SelfSubjectAccessReview for each check; returns the ones denied. */
  denied(checks: readonly AccessCheck[]): Promise<AccessCheck[]>;
}

export interface LocalForward {
  host: string;
  port: number;
  /** Tunnel errors seen so far (e.g. the Service has no ready pod), for diagnosis. */
  errors(): string[];
  close(): Promise<void>;
}

/**
 * An API error: what the request was, the server's Status reason and message (code 0: no HTTP answer, the
 * message says why), and the fix.
 */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  readonly fix: string;
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly request: string,
    fix?: string,
  ) {
    const f = fix ?? httpFix(code);
    super(
      `${request}: ${message}${code > 0 ? ` (HTTP ${code}${reason ? ` ${reason}` : ''})` : ''}${f ? `. Fix: ${f}` : ''}`,
    );
    this.fix = f;
  }
}

/** What to do about an HTTP error status from the API server ('' when the request itself must change). */
export function httpFix(code: number): string {
  if (code === 401)
    return 'renew the token or client certificate of the kubeconfig user (it expired or was revoked)';
  if (code === 403)
    return 'grant the cluster identity the permissions in docs/permissions.md (deploy/rbac/ has the Role)';
  if (code === 409) return 'something else changed the object meanwhile: run again';
  if (code === 429) return 'the API server is throttling requests: run again in a minute';
  if (code >= 500) return 'the API server failed; check its health (kubectl get --raw /readyz) and run again';
  return '';
}

export const refOf = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
});

export const describeRef = (r: ObjectRef): string =>
  `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
