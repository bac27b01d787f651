// check-certs' GitHub issue, kept through @actions/github's Octokit against the GitHub REST stand-in: the open ->
// update -> close cycle, pagination, pull requests ignored, a lagging list (listed again until it shows the new
// issue, so no duplicate; one that concurrent runs made anyway is closed), transient faults retried, a spent rate
// limit and a refused token explained. Every request and answer is held to GitHub's published description of these
// operations (test/contracts/github).
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  GithubIssueError,
  syncIssue,
  type IssueRepo,
  type IssueRequest,
} from '../../src/check-certs/github-issues.js';
import { issueMarker } from '../../src/check-certs/issue.js';
import { silentLogger } from '../../src/pipeline/logger.js';
import { startGithubStandIn, type GithubStandIn } from '../support/github/server.js';

const REPO = 'contoso/edge-sites';
const TOKEN = 'ghs_standin_token_2';
let gh: GithubStandIn;
let repo: IssueRepo;

beforeEach(async () => {
  gh = await startGithubStandIn({ tokens: [TOKEN], repos: [REPO] });
  repo = {
    owner: 'contoso',
    repo: 'edge-sites',
    token: TOKEN,
    baseUrl: gh.url,
    labels: ['litmus-aio', 'certificates'],
  };
});
afterEach(async () => {
  // Every request Octokit sent, and every answer of the stand-in, held to GitHub's published description.
  const seen = { request: gh.requestIssues, response: gh.responseIssues };
  await gh.stop();
  expect(seen).toEqual({ request: [], response: [] });
});

const request = (needsPerson: boolean, text = 'the client certificate expires in 9 days'): IssueRequest => ({
  cluster: 'plant7',
  needsPerson,
  title: 'litmus-aio: certificates on plant7 need attention',
  body: `${issueMarker('plant7')}\n${text}\nLast checked: ${new Date().toISOString()}\n`,
  closing: 'All certificates on `plant7` are healthy again. Closing.',
});
const sync = (q: IssueRequest, r = repo) => syncIssue(r, q, silentLogger);
const open = () => gh.issues(REPO).filter((i) => i.state === 'open');

describe('check-certs GitHub issue', () => {
  test('opened, left alone when nothing changed, updated, closed with a comment; nothing when all was well', async () => {
    expect(await sync(request(false))).toEqual({ action: 'none' });
    expect(await sync(request(true))).toMatchObject({
      action: 'opened',
      number: 1,
      url: `https://github.com/${REPO}/issues/1`,
    });
    expect(await sync(request(true))).toEqual({ action: 'unchanged', number: 1 });
    expect(await sync(request(true, 'the client certificate expires in 8 days'))).toMatchObject({
      action: 'updated',
      number: 1,
    });
    expect(gh.issues(REPO)[0]!.body).toContain('expires in 8 days');
    expect(await sync(request(false))).toMatchObject({ action: 'closed', number: 1 });
    expect(gh.issues(REPO)[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(gh.comments(REPO, 1).map((c) => c.body)).toEqual([
      'All certificates on `plant7` are healthy again. Closing.',
    ]);
    expect(await sync(request(true))).toMatchObject({ action: 'reopened', number: 1 });
    expect(gh.issues(REPO)).toHaveLength(1);
    // Listed by the first label, all states, 100 a page; never the search API.
    const lists = gh.requests.filter((r) => r.method === 'GET');
    expect(lists.every((r) => r.path === `/repos/${REPO}/issues`)).toBe(true);
    expect(lists[0]!.query).toMatchObject({ labels: 'litmus-aio', state: 'all', per_page: '100' });
  });

  test("found on a later page among many issues with the label; other clusters' issues and pull requests left alone", async () => {
    gh.seed(REPO, { title: 'ours', body: `${issueMarker('plant7')}\nold`, labels: ['litmus-aio'] });
    for (let i = 0; i < 130; i++)
      gh.seed(REPO, { title: `other ${i}`, body: issueMarker(`site-${i}`), labels: ['litmus-aio'] });
    gh.seed(REPO, {
      title: 'a pull request',
      body: issueMarker('plant7'),
      labels: ['litmus-aio'],
      pullRequest: true,
    });
    expect(await sync(request(true))).toMatchObject({ action: 'updated', number: 1 });
    expect(gh.requests.some((r) => r.query['page'] === '2')).toBe(true);
    expect(gh.issues(REPO)).toHaveLength(131);
  });

  test('a list that lags behind the write: the run lists until its new issue shows, so the next run finds it (no duplicate)', async () => {
    gh.lagLists(3); // the first list and two after the issue is opened do not show it
    expect(await sync(request(true))).toMatchObject({ action: 'opened', number: 1 });
    const lists = gh.requests.filter((q) => q.operationId === 'issues/list-for-repo');
    expect(lists).toHaveLength(4); // before, then until #1 showed
    expect(await sync(request(true, 'changed'))).toMatchObject({ action: 'updated', number: 1 });
    expect(gh.issues(REPO)).toHaveLength(1);
  });

  test('two runs that opened an issue at once (each listed before the other opened): the newer is closed in favour of the older', async () => {
    gh.seed(REPO, { title: 'a', body: `${issueMarker('plant7')}\nfrom run A`, labels: ['litmus-aio'] });
    gh.seed(REPO, { title: 'b', body: `${issueMarker('plant7')}\nfrom run B`, labels: ['litmus-aio'] });
    expect(await sync(request(true, 'changed'))).toMatchObject({ action: 'updated', number: 1 });
    expect(open().map((i) => i.number)).toEqual([1]);
    expect(gh.issues(REPO)[1]).toMatchObject({ state: 'closed', state_reason: 'not_planned' });
    expect(gh.comments(REPO, 2)[0]!.body).toBe('Duplicate of #1 (opened by a concurrent run); closing.');
  });

  test('5xx and a short secondary rate limit are retried', async () => {
    gh.fail({ kind: 'server-error', status: 502, method: 'GET' });
    gh.fail({ kind: 'secondary-limit', method: 'POST' });
    expect(await sync(request(true))).toMatchObject({ action: 'opened', number: 1 });
    expect(gh.requests.map((r) => `${r.method} ${r.status}`).slice(0, 4)).toEqual([
      'GET 502',
      'GET 200',
      'POST 403',
      'POST 201',
    ]);
  });

  test('a spent rate limit stops with when it resets, without retrying', async () => {
    gh.fail({ kind: 'rate-limit', times: 5 });
    const e = await sync(request(true)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GithubIssueError);
    expect((e as Error).message).toMatch(
      /^GitHub's API rate limit for github-token is used up \(403\); it resets at \d{4}-\d\d-\d\dT[\d:.]+Z\. Fix: run again after that, or use a token with its own quota$/,
    );
    expect(gh.requests).toHaveLength(1);
  });

  test("held to GitHub's description: every request matched a described operation; one breaking it is refused as GitHub does", async () => {
    await sync(request(true));
    await sync(request(false));
    expect(new Set(gh.requests.map((r) => r.operationId))).toEqual(
      new Set(['issues/list-for-repo', 'issues/create', 'issues/create-comment', 'issues/update']),
    );
    const res = await fetch(`${gh.url}/repos/${REPO}/issues`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'no title', labels: 'litmus-aio' }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toBe(
      'Invalid request.\n\nbody.title is required.\nbody.labels is string, expected array.',
    );
    expect(gh.requestIssues.splice(0)).toEqual([
      {
        method: 'POST',
        path: `/repos/${REPO}/issues`,
        issues: [
          { path: 'body.title', message: 'is required' },
          { path: 'body.labels', message: 'is string, expected array' },
        ],
      },
    ]);
  });

  test('a refused token: 401 explained, the token never shown', async () => {
    const e = (await sync(request(true), { ...repo, token: 'ghs_wrong' }).catch((x: unknown) => x)) as Error;
    expect(e.message).toBe(
      'GitHub refused github-token (401 Bad credentials - https://docs.github.com/rest). Fix: pass a valid token (default: the workflow token)',
    );
    expect(e.message).not.toContain('ghs_wrong');
  });
});
