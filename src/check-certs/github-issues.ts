// Keeps one GitHub issue per cluster through @actions/github's Octokit (REST): list the label's issues (state all,
// every page), pick ours by the hidden marker, then open, update, reopen or close it. Transient answers (5xx, a
// dropped connection, a short secondary rate limit) are retried with backoff; a spent rate limit, a refused token
// or missing permissions stop with what to do. Octokit is loaded only when an issue is kept.
import { setTimeout as delay } from 'node:timers/promises';
import type * as GithubModule from '@actions/github';
import type { Logger } from '../pipeline/logger.js';
import { decideIssue, duplicatesOf, issueMarker, type IssueSummary } from './issue.js';

export interface IssueRepo {
  owner: string;
  repo: string;
  token: string;
  /** REST API root, e.g. https://api.github.com (GITHUB_API_URL). */
  baseUrl: string;
  labels: string[];
}

export interface IssueRequest {
  cluster: string;
  needsPerson: boolean;
  title: string;
  body: string;
  /** The comment the issue is closed with. */
  closing: string;
}

export interface IssueOutcome {
  action: 'opened' | 'updated' | 'unchanged' | 'reopened' | 'closed' | 'none';
  number?: number;
  url?: string;
}

export class GithubIssueError extends Error {
  override name = 'GithubIssueError';
}

type Octokit = ReturnType<typeof GithubModule.getOctokit>;

interface HttpError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

const RETRIES = 3;
/** The longest Retry-After (secondary rate limit) worth waiting for within a run, in seconds. */
const MAX_RETRY_AFTER_S = 10;

function retryAfter(e: HttpError): number | undefined {
  const h = e.response?.headers ?? {};
  const after = Number(h['retry-after']);
  if ((e.status === 403 || e.status === 429) && String(h['x-ratelimit-remaining']) !== '0' && after > 0)
    return after;
  return undefined;
}

/** Retries transient failures: 5xx and no answer with backoff, a short Retry-After once it has passed. */
async function withRetries<T>(request: () => Promise<T>, log: Logger): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (e) {
      const err = e as HttpError;
      const after = retryAfter(err);
      const transient =
        err.status === undefined || err.status >= 500 || (after !== undefined && after <= MAX_RETRY_AFTER_S);
      if (!transient || attempt >= RETRIES) throw e;
      const waitMs = after !== undefined ? after * 1000 : 200 * 2 ** (attempt - 1);
      log.debug(
        `GitHub answered ${err.status ?? 'nothing'} (${err.message ?? ''}); retrying in ${waitMs} ms`,
      );
      await delay(waitMs);
    }
  }
}

/** What went wrong with the GitHub API, and what to do about it. Never the token. */
export function explain(e: unknown, r: IssueRepo): string {
  const err = e as HttpError;
  const h = err.response?.headers ?? {};
  const where = `${r.owner}/${r.repo}`;
  if (err.status === 401)
    return `GitHub refused github-token (401 ${err.message ?? ''}). Fix: pass a valid token (default: the workflow token)`;
  if ((err.status === 403 || err.status === 429) && String(h['x-ratelimit-remaining']) === '0') {
    const reset = Number(h['x-ratelimit-reset']);
    const at = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000).toISOString() : 'later';
    return `GitHub's API rate limit for github-token is used up (${err.status}); it resets at ${at}. Fix: run again after that, or use a token with its own quota`;
  }
  if (err.status === 403)
    return `GitHub refused to let github-token keep issues in ${where} (403 ${err.message ?? ''}). Fix: give the job permissions: issues: write`;
  if (err.status === 404)
    return `GitHub does not show ${where} to github-token (404). Fix: check GITHUB_REPOSITORY and that the token can read the repository`;
  if (err.status === 410)
    return `issues are turned off in ${where} (410). Fix: turn them on, or set github-issue: false`;
  if (err.status === 422)
    return `GitHub rejected the issue (422 ${err.message ?? ''}). Fix: check github-issue-labels`;
  return `the GitHub API failed${err.status ? ` (${err.status})` : ''}: ${err.message ?? String(e)}`;
}

async function listMine(o: Octokit, r: IssueRepo, marker: string, log: Logger): Promise<IssueSummary[]> {
  const all = await withRetries(
    () =>
      o.paginate(o.rest.issues.listForRepo, {
        owner: r.owner,
        repo: r.repo,
        labels: r.labels[0]!,
        state: 'all',
        per_page: 100,
      }),
    log,
  );
  return all
    .filter((i) => !i.pull_request && (i.body ?? '').includes(marker))
    .map((i) => ({
      number: i.number,
      state: i.state === 'open' ? 'open' : 'closed',
      body: i.body ?? null,
      closedAt: i.closed_at,
    }));
}

/** How long to wait for the list to show an issue just opened (it may lag behind the write). */
const LIST_CATCH_UP_MS = 20_000;

/** Lists until the issue just opened is in the list (backoff, deadline); the last list otherwise, with a warning. */
async function listUntilShown(
  o: Octokit,
  r: IssueRepo,
  marker: string,
  opened: number,
  log: Logger,
): Promise<IssueSummary[]> {
  const deadline = performance.now() + LIST_CATCH_UP_MS;
  for (let wait = 250; ; wait = Math.min(wait * 2, 4_000, Math.max(0, deadline - performance.now()))) {
    const mine = await listMine(o, r, marker, log);
    if (mine.some((i) => i.number === opened)) return mine;
    if (performance.now() >= deadline) {
      log.warn(
        `GitHub's issue list does not show #${opened} yet (${LIST_CATCH_UP_MS / 1000} s after it was opened): a run that lists before it catches up may open a duplicate, which the run after closes`,
      );
      return mine;
    }
    log.debug(`GitHub's issue list does not show #${opened} yet; listing again in ${wait} ms`);
    await delay(wait);
  }
}

async function closeDuplicates(o: Octokit, r: IssueRepo, mine: IssueSummary[], log: Logger): Promise<void> {
  const { keep, close } = duplicatesOf(mine);
  for (const n of close) {
    const base = { owner: r.owner, repo: r.repo, issue_number: n };
    await withRetries(
      () =>
        o.rest.issues.createComment({
          ...base,
          body: `Duplicate of #${keep} (opened by a concurrent run); closing.`,
        }),
      log,
    );
    await withRetries(
      () => o.rest.issues.update({ ...base, state: 'closed', state_reason: 'not_planned' }),
      log,
    );
  }
}

async function apply(o: Octokit, r: IssueRepo, q: IssueRequest, log: Logger): Promise<IssueOutcome> {
  const marker = issueMarker(q.cluster);
  const mine = await listMine(o, r, marker, log);
  await closeDuplicates(o, r, mine, log);
  const action = decideIssue(mine, q.needsPerson, q.body);
  const base = { owner: r.owner, repo: r.repo };
  switch (action.kind) {
    case 'none':
      return { action: 'none' };
    case 'open': {
      const { data } = await withRetries(
        () => o.rest.issues.create({ ...base, title: q.title, body: q.body, labels: r.labels }),
        log,
      );
      // Once the list shows the new issue, it also shows any a run elsewhere opened before it: the older one
      // stays, this one is closed as its duplicate. And the next run finds it.
      await closeDuplicates(o, r, await listUntilShown(o, r, marker, data.number, log), log);
      return { action: 'opened', number: data.number, url: data.html_url };
    }
    case 'update': {
      const issue = { ...base, issue_number: action.number };
      if (action.unchanged) return { action: 'unchanged', number: action.number };
      const { data } = await withRetries(
        () =>
          o.rest.issues.update({
            ...issue,
            title: q.title,
            body: q.body,
            ...(action.reopen ? { state: 'open' as const } : {}),
          }),
        log,
      );
      return { action: action.reopen ? 'reopened' : 'updated', number: data.number, url: data.html_url };
    }
    case 'close': {
      const issue = { ...base, issue_number: action.number };
      await withRetries(() => o.rest.issues.createComment({ ...issue, body: q.closing }), log);
      const { data } = await withRetries(
        () => o.rest.issues.update({ ...issue, state: 'closed', state_reason: 'completed' }),
        log,
      );
      return { action: 'closed', number: data.number, url: data.html_url };
    }
  }
}

export async function syncIssue(r: IssueRepo, q: IssueRequest, log: Logger): Promise<IssueOutcome> {
  const { getOctokit } = await import('@actions/github');
  const octokit = getOctokit(r.token, { baseUrl: r.baseUrl.replace(/\/+$/, '') });
  try {
    return await apply(octokit, r, q, log);
  } catch (e) {
    throw new GithubIssueError(explain(e, r), { cause: e });
  }
}
