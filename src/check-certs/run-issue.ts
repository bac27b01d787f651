// Whether and where check-certs keeps its GitHub issue (decided once per run), and keeping it for one cluster.
import type { InputProblem } from '../config/input-error.js';
import type { Inputs } from '../config/input-specs.js';
import type { Logger } from '../pipeline/logger.js';
import type { ClusterCheck } from './check-cluster.js';
import { needsAttention } from './findings.js';
import { syncIssue, type IssueOutcome, type IssueRepo } from './github-issues.js';
import { closingComment, issueBody, issueTitle, runLink } from './issue.js';

export interface IssueSettings {
  /** Where issues are kept; undefined: no issue this run. */
  repo?: IssueRepo;
  problems: InputProblem[];
  notes: string[];
}

export interface IssueResult {
  outcome?: IssueOutcome;
  error?: string;
}

const missing = (what: string, fix: string, example: string): InputProblem => ({
  input: 'github-issue',
  source: 'input github-issue',
  problem: `is true but ${what}`,
  expected: fix,
  example,
});

/**
 * `github-issue` defaults to true in a GitHub Actions job. Set explicitly, what it needs must be there (else an
 * input problem); by default, a job without a token or repository only gets a note.
 */
export function issueSettings(i: Inputs, env: NodeJS.ProcessEnv): IssueSettings {
  const explicit = i['github-issue'];
  if (!(explicit ?? env['GITHUB_ACTIONS'] === 'true')) return { problems: [], notes: [] };
  const token = i['github-token'] ?? env['GITHUB_TOKEN'];
  const [owner, repo, ...rest] = (env['GITHUB_REPOSITORY'] ?? '').split('/');
  const problems: InputProblem[] = [];
  if (!token)
    problems.push(
      missing(
        'no github-token is given (nor GITHUB_TOKEN)',
        'a token with issues: write',
        'github-token: ${{ github.token }}',
      ),
    );
  if (!owner || !repo || rest.length > 0) {
    problems.push(
      missing(
        'GITHUB_REPOSITORY does not name the repository (owner/name)',
        'GITHUB_REPOSITORY=owner/name (GitHub sets it in a job)',
        'GITHUB_REPOSITORY=contoso/edge-sites',
      ),
    );
  }
  if (problems.length > 0) {
    if (explicit) return { problems, notes: [] };
    return {
      problems: [],
      notes: [
        `GitHub issue not kept: ${problems.map((p) => p.problem.replace(/^is true but /, '')).join('; ')}`,
      ],
    };
  }
  return {
    repo: {
      owner: owner!,
      repo: repo!,
      token: token!,
      baseUrl: env['GITHUB_API_URL'] || 'https://api.github.com',
      labels: i['github-issue-labels'],
    },
    problems: [],
    notes: [],
  };
}

export async function keepIssue(
  s: IssueSettings,
  i: Inputs,
  cluster: string,
  check: ClusterCheck,
  now: Date,
  env: NodeJS.ProcessEnv,
  log: Logger,
): Promise<IssueResult | undefined> {
  if (!s.repo || i['github-issue'] === false) return undefined;
  const link = runLink(env);
  try {
    const outcome = await syncIssue(
      { ...s.repo, labels: i['github-issue-labels'] },
      {
        cluster,
        needsPerson: needsAttention(check.findings),
        title: issueTitle(cluster),
        body: issueBody(cluster, check, now, link),
        closing: closingComment(cluster, check, now, link),
      },
      log,
    );
    return { outcome };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
