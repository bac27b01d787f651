// A GitHub REST API stand-in for the issue endpoints check-certs uses, on loopback HTTP, in GitHub's shapes:
//   GET    /repos/{owner}/{repo}/issues                 (state, labels, sort, direction, per_page, page; Link)
//   POST   /repos/{owner}/{repo}/issues                 (title, body, labels) -> 201
//   GET    /repos/{owner}/{repo}/issues/{n}
//   PATCH  /repos/{owner}/{repo}/issues/{n}             (title, body, state, state_reason, labels)
//   GET    /repos/{owner}/{repo}/issues/{n}/comments    (per_page, page; Link)
//   POST   /repos/{owner}/{repo}/issues/{n}/comments    (body) -> 201
// As GitHub does: the issues list holds pull requests too (with `pull_request`), pages are linked with a Link
// header (rel next/prev/first/last), every answer carries x-ratelimit-* headers, a bad or missing token is 401
// "Bad credentials", a body that fails validation is 422. Faults on demand: a 403 with the rate limit spent
// (x-ratelimit-remaining: 0, x-ratelimit-reset), a secondary limit (403 + retry-after), 5xx, and a list that
// lags behind writes (newly created issues missing from the next lists), the way search indexes do.
// Every request and answer is checked against GitHub's published OpenAPI description of these operations
// (openapi.ts, the vendored subset in test/contracts/github): a request that breaks it is answered 422 as GitHub
// does and recorded in `requestIssues`; an answer of the stand-in's own that breaks it is a loud 500, recorded in
// `responseIssues` (which must stay empty).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { githubContract, type ContractIssue } from './openapi.js';

export interface GhLabel {
  id: number;
  node_id: string;
  url: string;
  name: string;
  color: string;
  default: boolean;
  description: string | null;
}

export interface GhIssue {
  id: number;
  node_id: string;
  url: string;
  repository_url: string;
  labels_url: string;
  comments_url: string;
  events_url: string;
  html_url: string;
  number: number;
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | 'duplicate' | null;
  title: string;
  body: string | null;
  user: GhUser;
  labels: GhLabel[];
  assignee: null;
  assignees: [];
  milestone: null;
  locked: boolean;
  active_lock_reason: null;
  comments: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by?: GhUser | null;
  author_association: string;
  timeline_url: string;
  performed_via_github_app: null;
  pull_request?: { url: string; html_url: string; diff_url: string; patch_url: string; merged_at: null };
}

export interface GhComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: GhUser;
  created_at: string;
  updated_at: string;
  author_association: string;
}

/** GitHub's simple-user, as the issue endpoints embed it. */
interface GhUser {
  login: string;
  id: number;
  node_id: string;
  avatar_url: string;
  gravatar_id: string | null;
  url: string;
  html_url: string;
  followers_url: string;
  following_url: string;
  gists_url: string;
  starred_url: string;
  subscriptions_url: string;
  organizations_url: string;
  repos_url: string;
  events_url: string;
  received_events_url: string;
  type: string;
  site_admin: boolean;
}

export interface Fault {
  method?: string;
  /** Matched against the path (without the query). */
  path?: RegExp;
  kind: 'rate-limit' | 'secondary-limit' | 'server-error';
  /** HTTP status for server-error (default 502). */
  status?: number;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** The described operation (GitHub's operationId), when the request matched one. */
  operationId?: string;
}

export interface ContractRecord {
  method: string;
  path: string;
  status?: number;
  issues: ContractIssue[];
}

export interface GithubStandIn {
  /** REST API root, as GITHUB_API_URL would be. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests that broke GitHub's description (answered 422, as GitHub does). */
  readonly requestIssues: ContractRecord[];
  /** The stand-in's own answers that broke GitHub's description (answered 500); must stay empty. */
  readonly responseIssues: ContractRecord[];
  issues(repo: string): GhIssue[];
  comments(repo: string, issue: number): GhComment[];
  /** An issue or pull request made outside the code under test. */
  seed(
    repo: string,
    o: { title: string; body?: string; labels?: string[]; state?: 'open' | 'closed'; pullRequest?: boolean },
  ): GhIssue;
  fail(f: Fault): void;
  /** The next `lists` issue lists omit issues created from now on, as a lagging index would. */
  lagLists(lists: number): void;
  stop(): Promise<void>;
}

const LIMIT = 5000;
const USER = (base: string): GhUser => {
  const url = `${base}/users/github-actions%5Bbot%5D`;
  return {
    login: 'github-actions[bot]',
    id: 41898282,
    node_id: 'MDM6Qm90NDE4OTgyODI=',
    avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
    gravatar_id: '',
    url,
    html_url: 'https://github.com/apps/github-actions',
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: 'Bot',
    site_admin: false,
  };
};

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body['message']));
  }
}

const notFound = () =>
  new HttpProblem(404, {
    message: 'Not Found',
    documentation_url: 'https://docs.github.com/rest',
    status: '404',
  });

function validation(resource: string, field: string, code: string): HttpProblem {
  return new HttpProblem(422, {
    message: 'Validation Failed',
    errors: [{ resource, field, code }],
    documentation_url: 'https://docs.github.com/rest/issues/issues',
    status: '422',
  });
}

interface Repo {
  issues: GhIssue[];
  comments: Map<number, GhComment[]>;
  labels: Map<string, GhLabel>;
}

/** GitHub's answer to a request its OpenAPI validation refuses. */
function invalidRequest(issues: ContractIssue[]): HttpProblem {
  return new HttpProblem(422, {
    message: `Invalid request.\n\n${issues.map((i) => `${i.path} ${i.message}.`).join('\n')}`,
    documentation_url: 'https://docs.github.com/rest/issues/issues',
    status: '422',
  });
}

export async function startGithubStandIn(o: {
  tokens: string[];
  repos: string[];
  /** Check requests and answers against GitHub's description (default true). */
  validate?: boolean;
}): Promise<GithubStandIn> {
  const contract = o.validate === false ? undefined : githubContract();
  const requestIssues: ContractRecord[] = [];
  const responseIssues: ContractRecord[] = [];
  const repos = new Map<string, Repo>(
    o.repos.map((r) => [r, { issues: [], comments: new Map(), labels: new Map() }]),
  );
  const requests: RecordedRequest[] = [];
  const faults: Array<Fault & { left: number }> = [];
  let lag = { lists: 0, since: Number.POSITIVE_INFINITY };
  let ids = 1000;
  let used = 0;
  let base = '';
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  const label = (repo: string, r: Repo, name: string): GhLabel => {
    let l = r.labels.get(name);
    if (!l) {
      const id = ++ids;
      l = {
        id,
        node_id: `LA_${id}`,
        url: `${base}/repos/${repo}/labels/${encodeURIComponent(name)}`,
        name,
        color: 'ededed',
        default: false,
        description: null,
      };
      r.labels.set(name, l);
    }
    return l;
  };

  const newIssue = (
    repo: string,
    r: Repo,
    title: string,
    body: string | null,
    labels: string[],
    pr = false,
  ): GhIssue => {
    const number = r.issues.length + 1;
    const id = ++ids;
    const url = `${base}/repos/${repo}/issues/${number}`;
    const t = now();
    const issue: GhIssue = {
      id,
      node_id: `I_${id}`,
      url,
      repository_url: `${base}/repos/${repo}`,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `https://github.com/${repo}/${pr ? 'pull' : 'issues'}/${number}`,
      number,
      state: 'open',
      state_reason: null,
      title,
      body,
      user: USER(base),
      labels: labels.map((n) => label(repo, r, n)),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: 0,
      created_at: t,
      updated_at: t,
      closed_at: null,
      author_association: 'NONE',
      timeline_url: `${url}/timeline`,
      performed_via_github_app: null,
      ...(pr
        ? {
            pull_request: {
              url: `${base}/repos/${repo}/pulls/${number}`,
              html_url: `https://github.com/${repo}/pull/${number}`,
              diff_url: `https://github.com/${repo}/pull/${number}.diff`,
              patch_url: `https://github.com/${repo}/pull/${number}.patch`,
              merged_at: null,
            },
          }
        : {}),
    };
    r.issues.push(issue);
    return issue;
  };

  const rateHeaders = (): Record<string, string> => ({
    'x-ratelimit-limit': String(LIMIT),
    'x-ratelimit-remaining': String(LIMIT - used),
    'x-ratelimit-used': String(used),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-resource': 'core',
    'x-github-api-version-selected': '2022-11-28',
  });

  /** A page of `items` with GitHub's Link header. */
  const page = <T>(
    items: T[],
    q: URLSearchParams,
    path: string,
  ): { body: T[]; headers: Record<string, string> } => {
    const per = Math.min(Math.max(Number(q.get('per_page') ?? 30) || 30, 1), 100);
    const n = Math.max(Number(q.get('page') ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(items.length / per), 1);
    const link = (p: number, rel: string) => {
      const next = new URLSearchParams(q);
      next.set('page', String(p));
      next.set('per_page', String(per));
      return `<${base}${path}?${next.toString()}>; rel="${rel}"`;
    };
    const links = [
      ...(n > 1 ? [link(n - 1, 'prev')] : []),
      ...(n < last ? [link(n + 1, 'next'), link(last, 'last')] : []),
      ...(n > 1 ? [link(1, 'first')] : []),
    ];
    return {
      body: items.slice((n - 1) * per, n * per),
      headers: links.length ? { link: links.join(', ') } : {},
    };
  };

  const repoOf = (owner: string, name: string): [string, Repo] => {
    const key = `${owner}/${name}`;
    const r = repos.get(key);
    if (!r) throw notFound();
    return [key, r];
  };

  const issueOf = (r: Repo, n: string): GhIssue => {
    const issue = r.issues.find((i) => i.number === Number(n));
    if (!issue) throw notFound();
    return issue;
  };

  function listIssues(key: string, r: Repo, q: URLSearchParams, path: string) {
    const state = q.get('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) throw validation('Issue', 'state', 'invalid');
    const wanted = (q.get('labels') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const lagging = lag.lists > 0;
    if (lagging) lag.lists--;
    let items = r.issues.filter(
      (i) =>
        (state === 'all' || i.state === state) &&
        wanted.every((w) => i.labels.some((l) => l.name.toLowerCase() === w.toLowerCase())) &&
        !(lagging && i.id > lag.since),
    );
    const asc = q.get('direction') === 'asc';
    const sort = q.get('sort') ?? 'created';
    const field = sort === 'updated' ? 'updated_at' : 'created_at';
    items = [...items].sort(
      (a, b) => (a[field].localeCompare(b[field]) || a.number - b.number) * (asc ? 1 : -1),
    );
    void key;
    return page(items, q, path);
  }

  function createIssue(key: string, r: Repo, body: Record<string, unknown>): GhIssue {
    if (typeof body['title'] !== 'string' || body['title'] === '')
      throw validation('Issue', 'title', 'missing_field');
    const labels = body['labels'] ?? [];
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string'))
      throw validation('Issue', 'labels', 'invalid');
    return newIssue(
      key,
      r,
      body['title'],
      typeof body['body'] === 'string' ? body['body'] : null,
      labels as string[],
    );
  }

  const REASONS = ['completed', 'not_planned', 'reopened', 'duplicate', null];

  function updateIssue(key: string, issue: GhIssue, r: Repo, body: Record<string, unknown>): GhIssue {
    if ('state' in body && !['open', 'closed'].includes(String(body['state'])))
      throw validation('Issue', 'state', 'invalid');
    if ('state_reason' in body && !REASONS.includes(body['state_reason'] as string | null))
      throw validation('Issue', 'state_reason', 'invalid');
    if (typeof body['title'] === 'string') issue.title = body['title'];
    if ('body' in body) issue.body = typeof body['body'] === 'string' ? body['body'] : null;
    if (Array.isArray(body['labels']))
      issue.labels = (body['labels'] as string[]).map((n) => label(key, r, n));
    if (body['state'] === 'closed' && issue.state === 'open') {
      issue.state = 'closed';
      issue.closed_at = now();
      issue.closed_by = USER(base);
      issue.state_reason = (body['state_reason'] as GhIssue['state_reason']) ?? 'completed';
    } else if (body['state'] === 'open' && issue.state === 'closed') {
      issue.state = 'open';
      issue.closed_at = null;
      issue.closed_by = null;
      issue.state_reason = 'reopened';
    }
    issue.updated_at = now();
    return issue;
  }

  function comment(key: string, r: Repo, issue: GhIssue, body: Record<string, unknown>): GhComment {
    if (typeof body['body'] !== 'string' || body['body'] === '')
      throw validation('IssueComment', 'body', 'missing_field');
    const id = ++ids;
    const t = now();
    const c: GhComment = {
      id,
      node_id: `IC_${id}`,
      url: `${base}/repos/${key}/issues/comments/${id}`,
      html_url: `${issue.html_url}#issuecomment-${id}`,
      issue_url: issue.url,
      body: body['body'],
      user: USER(base),
      created_at: t,
      updated_at: t,
      author_association: 'NONE',
    };
    r.comments.set(issue.number, [...(r.comments.get(issue.number) ?? []), c]);
    issue.comments++;
    issue.updated_at = t;
    return c;
  }

  function route(method: string, path: string, q: URLSearchParams, body: Record<string, unknown>) {
    const m = /^\/repos\/([^/]+)\/([^/]+)\/issues(?:\/(\d+)(\/comments)?)?$/.exec(path);
    if (!m) throw notFound();
    const [key, r] = repoOf(m[1]!, m[2]!);
    const [, , , n, comments] = m;
    if (n === undefined) {
      if (method === 'GET') return { status: 200, ...listIssues(key, r, q, path) };
      if (method === 'POST') {
        const issue = createIssue(key, r, body);
        return { status: 201, body: issue, headers: { location: issue.url } };
      }
    } else if (!comments) {
      const issue = issueOf(r, n);
      if (method === 'GET') return { status: 200, body: issue };
      if (method === 'PATCH') return { status: 200, body: updateIssue(key, issue, r, body) };
    } else {
      const issue = issueOf(r, n);
      if (method === 'GET') return { status: 200, ...page(r.comments.get(issue.number) ?? [], q, path) };
      if (method === 'POST') {
        const c = comment(key, r, issue, body);
        return { status: 201, body: c, headers: { location: c.url } };
      }
    }
    throw new HttpProblem(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  function injected(method: string, path: string): HttpProblem | undefined {
    const f = faults.find(
      (x) => x.left > 0 && (!x.method || x.method === method) && (!x.path || x.path.test(path)),
    );
    if (!f) return undefined;
    f.left--;
    if (f.kind === 'rate-limit') {
      return new HttpProblem(
        403,
        {
          message: 'API rate limit exceeded for installation ID 1234.',
          documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
          status: '403',
        },
        {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': String(LIMIT),
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1800),
        },
      );
    }
    if (f.kind === 'secondary-limit') {
      return new HttpProblem(
        403,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url:
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: '403',
        },
        { 'retry-after': '1' },
      );
    }
    return new HttpProblem(f.status ?? 502, { message: 'Server Error' });
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string>) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': `STANDIN:${ids}`,
      ...rateHeaders(),
      ...headers,
    });
    res.end(text);
  };

  function parseBody(chunks: Buffer[]): Record<string, unknown> | undefined {
    if (chunks.length === 0) return undefined;
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new HttpProblem(400, {
        message: 'Problems parsing JSON',
        documentation_url: 'https://docs.github.com/rest',
        status: '400',
      });
    }
  }

  type Answer = { status: number; body?: unknown; headers: Record<string, string> };

  /** Authentication, faults, GitHub's request validation, then the operation itself. */
  function answer(
    method: string,
    url: URL,
    authorization: string | undefined,
    chunks: Buffer[],
    note: (op?: string) => void,
  ): Answer {
    try {
      const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '');
      if (!auth || !o.tokens.includes(auth[1]!)) {
        throw new HttpProblem(401, {
          message: 'Bad credentials',
          documentation_url: 'https://docs.github.com/rest',
          status: '401',
        });
      }
      used++;
      const fault = injected(method, url.pathname);
      if (fault) throw fault;
      const body = parseBody(chunks);
      const check = contract?.validateRequest({
        method,
        pathname: url.pathname,
        query: url.searchParams,
        body,
      });
      note(check?.operationId);
      if (check && check.issues.length > 0) {
        requestIssues.push({ method, path: url.pathname, issues: check.issues });
        throw invalidRequest(check.issues);
      }
      const out = route(method, url.pathname, url.searchParams, body ?? {});
      return { status: out.status, body: out.body, headers: out.headers ?? {} };
    } catch (e) {
      const p = e instanceof HttpProblem ? e : new HttpProblem(500, { message: (e as Error).message });
      return { status: p.status, body: p.body, headers: p.headers };
    }
  }

  /** The stand-in's own answer checked against the description: a drift is a loud 500, never passed on. */
  function checked(method: string, url: URL, a: Answer): Answer {
    const issues = contract?.validateResponse({ method, pathname: url.pathname, ...a }) ?? [];
    if (issues.length === 0) return a;
    responseIssues.push({ method, path: url.pathname, status: a.status, issues });
    const text = issues.map((i) => `${i.path} ${i.message}`).join('; ');
    return {
      status: 500,
      body: { message: `GitHub stand-in bug: its ${a.status} answer breaks GitHub's description: ${text}` },
      headers: {},
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let operationId: string | undefined;
    const a = checked(
      method,
      url,
      answer(method, url, req.headers.authorization, chunks, (op) => (operationId = op)),
    );
    requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: a.status,
      ...(operationId ? { operationId } : {}),
    });
    send(res, a.status, a.body, a.headers);
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    requestIssues,
    responseIssues,
    issues: (repo) => repos.get(repo)?.issues.filter((i) => !i.pull_request) ?? [],
    comments: (repo, n) => repos.get(repo)?.comments.get(n) ?? [],
    seed(repo, s) {
      const r = repos.get(repo)!;
      const issue = newIssue(repo, r, s.title, s.body ?? null, s.labels ?? [], s.pullRequest);
      if (s.state === 'closed') updateIssue(repo, issue, r, { state: 'closed' });
      return issue;
    },
    fail: (f) => void faults.push({ ...f, left: f.times ?? 1 }),
    lagLists(lists) {
      lag = { lists, since: ids };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
