// What check-certs does with a cluster's issues (pure): open, update, reopen, close, leave alone.
import { describe, expect, test } from 'vitest';
import {
  decideIssue,
  duplicatesOf,
  issueMarker,
  sameBody,
  type IssueSummary,
} from '../../src/check-certs/issue.js';

const body = `${issueMarker('plant7')}\nfindings\nLast checked: 2026-06-01T00:00:00.000Z\n`;
const open = (number: number, b = body): IssueSummary => ({ number, state: 'open', body: b });
const closed = (number: number, closedAt: string): IssueSummary => ({
  number,
  state: 'closed',
  body,
  closedAt,
});

describe('check-certs issue decisions', () => {
  test.each<[string, IssueSummary[], boolean, ReturnType<typeof decideIssue>]>([
    ['all well, no issue: nothing', [], false, { kind: 'none' }],
    ['all well, an open issue: close it', [open(3)], false, { kind: 'close', number: 3 }],
    ['all well, only closed issues: nothing', [closed(3, '2026-05-01T00:00:00Z')], false, { kind: 'none' }],
    ['needs a person, no issue: open one', [], true, { kind: 'open' }],
    [
      'needs a person, same findings: left as it is',
      [open(3, body.replace('00:00:00.000Z', '09:00:00.000Z'))],
      true,
      { kind: 'update', number: 3, reopen: false, unchanged: true },
    ],
    [
      'needs a person, new findings: update',
      [open(3, 'other')],
      true,
      { kind: 'update', number: 3, reopen: false, unchanged: false },
    ],
    [
      'needs a person, two open (a duplicate): the older one',
      [open(9), open(4)],
      true,
      { kind: 'update', number: 4, reopen: false, unchanged: true },
    ],
    [
      'needs a person, only closed ones: reopen the last closed',
      [closed(2, '2026-05-01T00:00:00Z'), closed(5, '2026-05-20T00:00:00Z')],
      true,
      { kind: 'update', number: 5, reopen: true, unchanged: false },
    ],
  ])('%s', (_name, mine, needsPerson, expected) => {
    expect(decideIssue(mine, needsPerson, body)).toEqual(expected);
  });

  test('duplicates: every open one but the oldest', () => {
    expect(duplicatesOf([open(7), closed(1, 'x'), open(3), open(9)])).toEqual({ keep: 3, close: [7, 9] });
    expect(duplicatesOf([])).toEqual({ close: [] });
  });

  test('bodies compare without their "Last checked" line and line endings', () => {
    expect(sameBody(body.replace(/\n/g, '\r\n'), body)).toBe(true);
    expect(sameBody(null, body)).toBe(false);
  });
});
