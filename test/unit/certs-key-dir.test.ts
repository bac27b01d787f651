// ca-key-dir: which paths are refused at input validation, and which existing directories at run time (pure).
import { describe, expect, test } from 'vitest';
import { caKeyDirPathProblem } from '../../src/config/ca-key-dir-path.js';
import { keyDirProblem } from '../../src/stages/certs/ca-key-store.js';

describe('caKeyDirPathProblem', () => {
  test.each([
    '/',
    '/etc',
    '/etc/',
    '/tmp',
    '/var/tmp',
    '/usr',
    '/bin',
    '/home',
    '/root',
    '/usr/../etc',
    '/private/tmp',
  ])('%s is a system directory', (p) =>
    expect(caKeyDirPathProblem(p, '/home/runner')).toMatch(/is a system directory/),
  );
  test.each(['/home/runner', '/home/runner/', '/home/runner/x/..'])('%s is the home directory', (p) =>
    expect(caKeyDirPathProblem(p, '/home/runner')).toMatch(/is your home directory itself/),
  );
  test.each(['/home/runner/work/_temp/litmus-ca', '/tmp/litmus-ca', '/etc/litmus-ca', './keys'])(
    '%s may be used',
    (p) => expect(caKeyDirPathProblem(p, '/home/runner')).toBeUndefined(),
  );
});

describe('keyDirProblem', () => {
  const dir = (mode: number, uid = 1000) => ({ isDirectory: () => true, mode: 0o40000 | mode, uid });
  test('a private directory of this user is fine, whatever its exact mode', () => {
    expect(keyDirProblem('/w/k', '/w/k', dir(0o700), 1000)).toBeUndefined();
    expect(keyDirProblem('/w/k', '/w/k', dir(0o750), 1000)).toBeUndefined();
  });
  test.each([0o777, 0o1777, 0o770, 0o702])('mode %o: writable by others, with the fix', (mode) =>
    expect(keyDirProblem('/w/k', '/w/k', dir(mode), 1000)).toMatch(
      /^ca-key-dir \/w\/k is writable by other users .* Fix: chmod 700 \/w\/k/,
    ),
  );
  test('another user’s directory is refused, naming both uids', () =>
    expect(keyDirProblem('/w/k', '/w/k', dir(0o700, 0), 1000)).toMatch(
      /owned by uid 0, not by this user \(uid 1000\)/,
    ));
  test('a symlink is judged by where it points', () =>
    expect(keyDirProblem('/w/link', '/tmp', dir(0o1777, 0), 1000)).toMatch(
      /^ca-key-dir \/w\/link \(\/tmp\): /,
    ));
});
