// The vendored subset of GitHub's REST API description (test/contracts/github) and the validator the GitHub
// stand-in checks itself with: the file matches its manifest, is closed under $ref and a fixed point of the
// extraction rules, describes exactly the operations the stand-in serves, and the validator catches what it must.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { checkSpecsManifest, githubContractsDir } from '../../scripts/specs-check.ts';
import { extractSubset } from '../support/github/extract-subset.js';
import { GITHUB_CONTRACT, GithubContract } from '../support/github/openapi.js';

const contract = new GithubContract();
const vendored = JSON.parse(readFileSync(GITHUB_CONTRACT, 'utf8')) as Record<string, unknown>;

const user = (base = 'https://api.github.com/users/octocat') => ({
  login: 'octocat',
  id: 1,
  node_id: 'MDQ6VXNlcjE=',
  avatar_url: 'https://github.com/images/error/octocat_happy.gif',
  gravatar_id: '',
  url: base,
  html_url: 'https://github.com/octocat',
  followers_url: `${base}/followers`,
  following_url: `${base}/following{/other_user}`,
  gists_url: `${base}/gists{/gist_id}`,
  starred_url: `${base}/starred{/owner}{/repo}`,
  subscriptions_url: `${base}/subscriptions`,
  organizations_url: `${base}/orgs`,
  repos_url: `${base}/repos`,
  events_url: `${base}/events{/privacy}`,
  received_events_url: `${base}/received_events`,
  type: 'User',
  site_admin: false,
});

const issue = () => {
  const url = 'https://api.github.com/repos/contoso/edge-sites/issues/1';
  return {
    id: 1,
    node_id: 'I_1',
    url,
    repository_url: 'https://api.github.com/repos/contoso/edge-sites',
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: 'https://github.com/contoso/edge-sites/issues/1',
    number: 1,
    state: 'open',
    state_reason: null,
    title: 'litmus-aio: certificates on plant7 need attention',
    body: 'text',
    user: user(),
    labels: [
      { id: 2, node_id: 'LA_2', url: `${url}/labels/x`, name: 'litmus-aio', color: 'ededed', default: false },
    ],
    assignee: null,
    milestone: null,
    locked: false,
    comments: 0,
    created_at: '2026-11-30T19:00:00Z',
    updated_at: '2026-11-30T19:00:00Z',
    closed_at: null,
    author_association: 'NONE',
  };
};

const GET_ISSUE = { method: 'GET', pathname: '/repos/contoso/edge-sites/issues/1', headers: {} };

describe('GitHub contract (vendored subset)', () => {
  test('the file matches its manifest (sha256), with source, commit and license recorded', () => {
    const r = checkSpecsManifest(githubContractsDir());
    expect(r).toEqual({ listed: 1, verified: 1, problems: [] });
    const manifest = JSON.parse(readFileSync('test/contracts/github/manifest.json', 'utf8')) as {
      files: Array<Record<string, string>>;
    };
    expect(manifest.files[0]).toMatchObject({
      repository: 'github/rest-api-description',
      upstreamPath: 'descriptions/api.github.com/api.github.com.2022-11-28.json',
      license: 'MIT',
    });
  });

  test('it describes exactly the operations the stand-in serves', () => {
    expect(contract.operations()).toEqual({
      'GET /repos/{owner}/{repo}/issues': 'issues/list-for-repo',
      'POST /repos/{owner}/{repo}/issues': 'issues/create',
      'GET /repos/{owner}/{repo}/issues/{issue_number}': 'issues/get',
      'PATCH /repos/{owner}/{repo}/issues/{issue_number}': 'issues/update',
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': 'issues/list-comments',
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': 'issues/create-comment',
    });
  });

  test('closed under $ref, every component used, and a fixed point of the extraction rules', () => {
    // extractSubset walks every $ref from the operations and keeps only the components reached: applied to the
    // subset itself it must give the subset back (nothing missing, nothing extra, no annotation left behind).
    expect(extractSubset(vendored)).toEqual(vendored);
  });
});

describe('GitHub contract validator', () => {
  test('a well-formed issue passes; each kind of drift is named with where it is', () => {
    expect(contract.validateResponse({ ...GET_ISSUE, status: 200, body: issue() })).toEqual([]);
    const bad = issue() as Record<string, unknown>;
    delete (bad['user'] as Record<string, unknown>)['avatar_url'];
    bad['number'] = '1';
    bad['state_reason'] = 'finished';
    bad['created_at'] = '30 Nov 2026';
    bad['labels'] = [7];
    expect(contract.validateResponse({ ...GET_ISSUE, status: 200, body: bad })).toEqual([
      { path: 'body.number', message: 'is string, expected integer' },
      {
        path: 'body.state_reason',
        message: 'is "finished", not one of "completed", "reopened", "not_planned", "duplicate"',
      },
      { path: 'body.user.avatar_url', message: 'is required' },
      { path: 'body.labels[0]', message: 'matches 0 of the oneOf schemas, not exactly one' },
      { path: 'body.created_at', message: 'is not an RFC 3339 date-time: "30 Nov 2026"' },
    ]);
  });

  test('answers: undocumented statuses are named; rate limits and 5xx are checked as basic-error', () => {
    expect(contract.validateResponse({ ...GET_ISSUE, status: 418, body: {} })).toEqual([
      { path: 'status', message: '418 is not a documented answer of issues/get' },
    ]);
    expect(
      contract.validateResponse({ ...GET_ISSUE, status: 403, body: { message: 'API rate limit exceeded' } }),
    ).toEqual([]);
    expect(contract.validateResponse({ ...GET_ISSUE, status: 502, body: { message: 7 } })).toEqual([
      { path: 'body.message', message: 'is number, expected string' },
    ]);
  });

  test('requests: parameters (as their types) and bodies', () => {
    const list = (q: string) =>
      contract.validateRequest({
        method: 'GET',
        pathname: '/repos/contoso/edge-sites/issues',
        query: new URLSearchParams(q),
      });
    expect(list('labels=litmus-aio&state=all&per_page=100&page=2')).toEqual({
      operationId: 'issues/list-for-repo',
      issues: [],
    });
    expect(list('state=every&per_page=lots').issues).toEqual([
      { path: 'query.state', message: 'is "every", not one of "open", "closed", "all"' },
      { path: 'query.per_page', message: 'is number, expected integer' },
    ]);
    const create = (body: unknown) =>
      contract.validateRequest({
        method: 'POST',
        pathname: '/repos/contoso/edge-sites/issues',
        query: new URLSearchParams(),
        body,
      }).issues;
    expect(create({ title: 't', body: 'b', labels: ['litmus-aio', 'certificates'] })).toEqual([]);
    expect(create({ body: 'b', labels: 'litmus-aio' })).toEqual([
      { path: 'body.title', message: 'is required' },
      { path: 'body.labels', message: 'is string, expected array' },
    ]);
    const update = contract.validateRequest({
      method: 'PATCH',
      pathname: '/repos/contoso/edge-sites/issues/x',
      query: new URLSearchParams(),
      body: { state: 'closed', state_reason: 'done' },
    });
    expect(update.issues).toEqual([
      { path: 'path.issue_number', message: 'is number, expected integer' },
      {
        path: 'body.state_reason',
        message: 'is "done", not one of "completed", "not_planned", "duplicate", "reopened"',
      },
    ]);
  });

  test('fails closed: a schema keyword it does not implement is an error, not a pass', () => {
    expect(() => contract.validate({ pattern: '^a' } as never, 'b', 'body')).toThrow(
      "GitHub contract: schema keyword 'pattern' at body is not implemented by the validator",
    );
  });
});
