import { describe, expect, test } from 'vitest';
import { parseHistory, parseStatus, parseValues } from '../../src/helm/helm-json.js';
import { helmErrorText } from '../../src/helm/helm.js';
import { helmVersionProblem, parseHelmVersion } from '../../src/helm/helm-version.js';
import { leaseState, microTime, type LeaseObject } from '../../src/kube/lease-lock.js';
import { lockHolder } from '../../src/stages/deploy/lock.js';

describe('helm version', () => {
  test.each([
    ['v4.1.4', undefined, undefined],
    ['v4.1.2', undefined, undefined],
    ['v4.2.0-rc.1', undefined, undefined],
    ['v4.1.1', undefined, /^helm v4\.1\.1 is older than v4\.1\.2/],
    ['v3.19.0', undefined, /^helm v3\.19\.0 is older than v4\.1\.2/],
    ['v4.1.4', '4.1.4', undefined],
    ['v4.1.5', '4.1.4', /^helm on PATH is v4\.1\.5, but helm-version asks for 4\.1\.4$/],
  ])('%s (helm-version %s)', (found, pinned, problem) => {
    const v = parseHelmVersion(found)!;
    const p = helmVersionProblem(v, pinned);
    if (problem) expect(p).toMatch(problem);
    else expect(p).toBeUndefined();
  });

  test.each(['', 'Version.BuildInfo{}', 'v4.1', 'four'])('not a version: %j', (text) => {
    expect(parseHelmVersion(text)).toBeUndefined();
  });
});

describe('helm -o json', () => {
  test('history: sorted by revision, unknown statuses tolerated', () => {
    const h = parseHistory(
      JSON.stringify([
        {
          revision: 2,
          status: 'pending-upgrade',
          chart: 'litmusedge-0.1.0',
          app_version: '3.16.2',
          description: '',
          updated: 't2',
        },
        {
          revision: 1,
          status: 'superseded',
          chart: 'litmusedge-0.1.0',
          app_version: '3.16.2',
          description: 'Install complete',
          updated: 't1',
        },
        { revision: 3, status: 'something-new', chart: 'x', updated: 't3' },
      ]),
    );
    expect(h.map((r) => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'pending-upgrade'],
      [3, 'unknown'],
    ]);
  });

  test('status and values', () => {
    expect(
      parseStatus(
        JSON.stringify({
          name: 'le',
          namespace: 'edge',
          version: 4,
          info: { status: 'deployed', description: 'Rollback to 2' },
          config: { a: 1 },
        }),
      ),
    ).toEqual({
      name: 'le',
      namespace: 'edge',
      revision: 4,
      status: 'deployed',
      description: 'Rollback to 2',
      values: { a: 1 },
    });
    expect(parseValues('null')).toEqual({});
    expect(() => parseHistory('Error: nope')).toThrow(
      /helm history: helm printed something that is not JSON/,
    );
  });

  test('error text: the Error: lines helm wrote', () => {
    expect(
      helmErrorText({
        stderr: 'level=WARN msg="upgrade failed"\nError: UPGRADE FAILED: context deadline exceeded\n',
        code: 1,
        signal: null,
      }),
    ).toBe('Error: UPGRADE FAILED: context deadline exceeded');
    expect(helmErrorText({ stderr: '', code: null, signal: 'SIGKILL' })).toBe(
      'helm exited with signal SIGKILL',
    );
  });
});

describe('deploy lock (Lease)', () => {
  const now = Date.parse('2026-11-30T10:00:00Z');
  const lease = (holder: string | undefined, renewed: string, durationS = 60): LeaseObject => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'le-deploy-lock' },
    spec: {
      ...(holder ? { holderIdentity: holder } : {}),
      leaseDurationSeconds: durationS,
      renewTime: renewed,
    },
  });
  test.each<[string, LeaseObject | undefined, number, string]>([
    ['absent', undefined, 0, 'absent'],
    ['released (no holder)', lease(undefined, '2026-11-30T09:59:59.000000Z'), 0, 'free'],
    ['ours', lease('me', '2026-11-30T09:59:59.000000Z'), 0, 'mine'],
    ['held, renewed 1 s ago', lease('other', '2026-11-30T09:59:59.000000Z'), 0, 'held'],
    ['held, last renewed 2 min ago', lease('other', '2026-11-30T09:58:00.000000Z'), 0, 'free'],
    // Whatever its renewTime says (clocks differ), a lease nobody renewed for its whole duration is free.
    [
      'renewTime in the future, unchanged for 61 s',
      lease('other', '2026-11-30T10:05:00.000000Z'),
      61_000,
      'free',
    ],
  ])('%s: %s', (_what, l, unchanged, state) => {
    expect(leaseState(l, 'me', now, unchanged)).toBe(state);
  });

  test('MicroTime has microseconds', () => {
    expect(microTime(new Date('2026-11-30T10:00:00.123Z'))).toBe('2026-11-30T10:00:00.123000Z');
  });

  test('holder: a workflow run by its id and URL; the CLI by user, host and pid', () => {
    const gh = lockHolder({
      GITHUB_RUN_ID: '42',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_WORKFLOW: 'Deploy',
      GITHUB_JOB: 'edge',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'contoso/edge',
    });
    expect(gh.identity).toMatch(/^github-run-42-2-[0-9a-f]{8}$/);
    expect(gh.description).toBe(
      "workflow 'Deploy' run 42 (attempt 2, job edge) https://github.com/contoso/edge/actions/runs/42",
    );
    const cli = lockHolder({ USER: 'ana' });
    expect(cli.description).toMatch(new RegExp(`^the litmus-aio CLI of ana@.+ \\(pid ${process.pid}\\)$`));
    expect(lockHolder({}).identity).not.toBe(lockHolder({}).identity);
  });
});
