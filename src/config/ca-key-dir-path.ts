// Which directories ca-key-dir may never be: the certs stage creates its key directory mode 0700 and writes CA
// keys into it, so a system directory or the home directory itself is refused while the inputs are validated,
// before anything is contacted (plan too). Pure: the path is normalised, not looked up.
import { isAbsolute, parse, resolve } from 'node:path';

/** Directories shared by the system or by other users; a key directory must be a private one of its own. */
export const SYSTEM_DIRECTORIES: readonly string[] = [
  '/',
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib64',
  '/media',
  '/mnt',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/usr/bin',
  '/usr/local',
  '/usr/share',
  '/var',
  '/var/lib',
  '/var/run',
  '/var/tmp',
  // macOS
  '/Applications',
  '/Library',
  '/System',
  '/Users',
  '/Volumes',
  '/private',
  '/private/etc',
  '/private/tmp',
  '/private/var',
  '/private/var/tmp',
];

const strip = (p: string): string => {
  const root = parse(p).root;
  return p.length > root.length ? p.replace(/[\\/]+$/, '') : p;
};

/** Why `path` cannot be the CA key directory, or undefined when it may be. `home`: the user's home directory. */
export function caKeyDirPathProblem(path: string, home: string | undefined): string | undefined {
  const full = strip(resolve(path));
  const fix =
    'use a directory of its own, e.g. ca-key-dir: ${{ runner.temp }}/litmus-ca (created with mode 0700)';
  if (home && isAbsolute(home) && strip(resolve(home)) === full) {
    return `'${path}' is your home directory itself: the CA keys need a private directory; ${fix}`;
  }
  if (parse(full).root === full || SYSTEM_DIRECTORIES.includes(full)) {
    return `'${path}'${full !== path ? ` (${full})` : ''} is a system directory: the CA keys need a private directory, and this tool never changes the permissions of a shared one; ${fix}`;
  }
  return undefined;
}
