// A declarative fault plan that every HTTP stand-in (ARM, Entra, OIDC, Kubernetes API) consults before serving a
// request. Rules are tried in order; the first rule that matches and still has uses left fires, and every firing is
// logged in `hits`. The plan knows nothing about HTTP responses: apply.ts turns a fired fault into one (in the
// stand-in's own error shape, via its FaultResponder), and stand-ins handle the protocol-specific kinds
// (`lro-failed`) themselves. load.ts reads a plan declared in a JSON or YAML file.

/** What a fired rule does to the request. */
export type Fault =
  /** Answer with `status` (and an error body in the stand-in's own shape unless `body` is given). */
  | {
      kind: 'status';
      status: number;
      /** Sent as `Retry-After` (seconds). */
      retryAfterSeconds?: number;
      /** Sent as `retry-after-ms` and `x-ms-retry-after-ms` (headers the Azure SDK prefers over Retry-After). */
      retryAfterMs?: number;
      /** The message of the stand-in's error body (each stand-in has its own default wording). */
      message?: string;
      body?: unknown;
      headers?: Record<string, string>;
    }
  /** The next `count` matching requests all get `status` (a 5xx burst). */
  | {
      kind: 'burst';
      status: number;
      count: number;
      retryAfterSeconds?: number;
      retryAfterMs?: number;
      message?: string;
      body?: unknown;
    }
  /** 409 with the stand-in's conflict error. */
  | { kind: 'conflict'; message?: string; body?: unknown }
  /** Destroy the socket without answering. */
  | { kind: 'drop' }
  /** Hold the request for `ms`, then serve it normally (unless the client gave up meanwhile). */
  | { kind: 'delay'; ms: number }
  /** The request is accepted, but the long-running operation it starts ends Failed with this error. */
  | { kind: 'lro-failed'; code: string; message: string };

export type FaultKind = Fault['kind'];

/** Request attributes a stand-in may pass to `take()` beyond method and path (the Kubernetes API stand-in's). */
export const FAULT_ATTRIBUTES = ['verb', 'resource', 'namespace', 'name'] as const;
export type FaultAttribute = (typeof FAULT_ATTRIBUTES)[number];
export type FaultAttributes = Partial<Record<FaultAttribute, string>>;

/**
 * Every given field must match. `verb`, `resource`, `namespace` and `name` are Kubernetes request attributes (verb as
 * RBAC names it: get, list, watch, create, update, patch, delete, ...; resource is the plural, e.g. `configmaps`);
 * they compare exactly, and a rule naming one never matches a request whose stand-in does not supply it.
 */
export interface FaultMatch extends FaultAttributes {
  /** HTTP method, case-insensitive; any method when omitted. */
  method?: string;
  /** Exact path (without query) or a pattern tested against the path; any path when omitted. */
  path?: string | RegExp;
  /** How many matching requests the rule fires for; default 1 (a burst's default is its `count`). `Infinity` = always. */
  times?: number;
}

export interface FaultRule {
  match: FaultMatch;
  fault: Fault;
}

export interface FaultHit {
  /** Index of the rule in the plan. */
  rule: number;
  kind: FaultKind;
  method: string;
  path: string;
  /** The attributes the stand-in supplied, if any. */
  attributes?: FaultAttributes;
  at: number;
}

/** The part of a request the plan looks at. */
export interface FaultRequest {
  method?: string | undefined;
  url?: string | undefined;
  attributes?: FaultAttributes | undefined;
}

interface RuleState {
  rule: FaultRule;
  left: number;
}

export class FaultPlan {
  readonly hits: FaultHit[] = [];
  private rules: RuleState[] = [];

  constructor(rules: FaultRule[] = []) {
    this.add(...rules);
  }

  /** Appends rules (they are tried after the existing ones). Returns the plan for chaining. */
  add(...rules: FaultRule[]): this {
    for (const rule of rules) {
      const times = rule.match.times ?? (rule.fault.kind === 'burst' ? rule.fault.count : 1);
      if (!(times > 0)) throw new Error(`fault rule ${JSON.stringify(rule.match)}: times must be > 0`);
      this.rules.push({ rule, left: times });
    }
    return this;
  }

  /** Drops all rules and the hit log. */
  reset(rules: FaultRule[] = []): this {
    this.rules = [];
    this.hits.length = 0;
    return this.add(...rules);
  }

  /** Rules that can still fire. */
  get pending(): number {
    return this.rules.filter((r) => r.left > 0).length;
  }

  /**
   * The fault for this request, if a rule matches; consumes one use of that rule and logs the hit.
   * `kinds` restricts the search to rules of those kinds (a stand-in asks for `lro-failed` separately).
   */
  take(req: FaultRequest, kinds?: readonly FaultKind[]): Fault | undefined {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = pathOf(req.url);
    for (let i = 0; i < this.rules.length; i++) {
      const state = this.rules[i]!;
      if (state.left <= 0) continue;
      const { match, fault } = state.rule;
      if (kinds && !kinds.includes(fault.kind)) continue;
      if (match.method && match.method.toUpperCase() !== method) continue;
      if (match.path !== undefined && !pathMatches(match.path, path)) continue;
      if (FAULT_ATTRIBUTES.some((a) => match[a] !== undefined && match[a] !== req.attributes?.[a])) continue;
      state.left -= 1;
      const attributes = req.attributes ? { attributes: { ...req.attributes } } : {};
      this.hits.push({ rule: i, kind: fault.kind, method, path, ...attributes, at: Date.now() });
      return fault;
    }
    return undefined;
  }
}

export function createFaultPlan(rules: FaultRule[] = []): FaultPlan {
  return new FaultPlan(rules);
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

function pathMatches(pattern: string | RegExp, path: string): boolean {
  if (typeof pattern === 'string') return pattern.toLowerCase() === path.toLowerCase();
  pattern.lastIndex = 0;
  return pattern.test(path);
}
