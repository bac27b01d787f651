// The pure parts of installing a pinned helm: helm's release names per platform, its .sha256sum files, the backoff
// between download attempts, the helm-download-url input, and when there is an installer at all.
import { describe, expect, test } from 'vitest';
import { helmDownloadUrlProblem } from '../../src/config/inputs-deploy.js';
import { backoffMs } from '../../src/helm/download.js';
import { helmInstaller, onGitHubRunner } from '../../src/helm/helm-install.js';
import {
  helmArchiveName,
  helmArchiveUrl,
  helmPlatform,
  parseSha256Sum,
} from '../../src/helm/helm-release.js';
import { helmVersionProblem, parseHelmVersion } from '../../src/helm/helm-version.js';

describe('helm release names', () => {
  test.each<[NodeJS.Platform, string, string | undefined]>([
    ['linux', 'x64', 'helm-v4.1.4-linux-amd64.tar.gz'],
    ['linux', 'arm64', 'helm-v4.1.4-linux-arm64.tar.gz'],
    ['linux', 'arm', 'helm-v4.1.4-linux-arm.tar.gz'],
    ['linux', 'ppc64', 'helm-v4.1.4-linux-ppc64le.tar.gz'],
    ['linux', 's390x', 'helm-v4.1.4-linux-s390x.tar.gz'],
    ['darwin', 'arm64', 'helm-v4.1.4-darwin-arm64.tar.gz'],
    ['win32', 'x64', 'helm-v4.1.4-windows-amd64.zip'],
    ['freebsd', 'x64', undefined],
    ['linux', 'mips', undefined],
  ])('%s/%s → %s', (platform, arch, name) => {
    const p = helmPlatform(platform, arch);
    expect(p ? helmArchiveName('v4.1.4', p) : undefined).toBe(name);
  });

  test.each([
    ['https://get.helm.sh', 'https://get.helm.sh/helm-v4.1.4-linux-amd64.tar.gz'],
    ['https://mirror.example.com/helm/', 'https://mirror.example.com/helm/helm-v4.1.4-linux-amd64.tar.gz'],
  ])('under %s', (base, url) => {
    expect(helmArchiveUrl(base, 'helm-v4.1.4-linux-amd64.tar.gz')).toBe(url);
  });
});

describe('parseSha256Sum', () => {
  const A = 'a'.repeat(64);
  const name = 'helm-v4.1.4-linux-amd64.tar.gz';
  test.each([
    ['sha256sum output', `${A}  ${name}\n`, A],
    ['binary mode', `${A} *${name}`, A],
    ['a bare hash', `${A}\n`, A],
    ['upper case', `${A.toUpperCase()}  ${name}`, A],
    ['several files', `${'b'.repeat(64)}  other.tar.gz\n${A}  ${name}\n`, A],
    ['another file only', `${A}  other.tar.gz`, undefined],
    ['an HTML error page', '<html>Not Found</html>', undefined],
    ['a short hash', `${'a'.repeat(63)}  ${name}`, undefined],
  ])('%s', (_what, text, sum) => {
    expect(parseSha256Sum(text, name)).toBe(sum);
  });
});

test.each([
  [0, 0, 500],
  [0, 1, 1000],
  [1, 1, 2000],
  [3, 1, 8000],
  [10, 1, 15_000],
])('backoff before retry %i (random %d): %i ms', (n, random, ms) => {
  expect(backoffMs({ attempts: 4, baseMs: 1000, maxMs: 15_000 }, n, random)).toBe(ms);
});

describe('helm-download-url', () => {
  test.each([
    ['https://get.helm.sh', undefined],
    ['https://mirror.example.com/helm', undefined],
    ['http://127.0.0.1:8080', undefined],
    ['http://localhost:8080/helm', undefined],
    ['http://[::1]:8080', undefined],
    ['http://mirror.example.com', /plain http to a remote host/],
    ['ftp://mirror.example.com', /not an https:\/\/ URL/],
    ['https://user:pass@mirror.example.com', /holds credentials/],
    ['https://mirror.example.com/?a=1', /query or fragment/],
    ['get.helm.sh', /not a URL such as https:\/\/get\.helm\.sh/],
  ])('%s', (url, problem) => {
    const p = helmDownloadUrlProblem(url);
    if (problem) expect(p).toMatch(problem);
    else expect(p).toBeUndefined();
  });
});

test('an installer only on a GitHub runner (RUNNER_TOOL_CACHE and RUNNER_TEMP)', () => {
  const make = (env: NodeJS.ProcessEnv) =>
    helmInstaller({
      env,
      baseUrl: 'https://get.helm.sh',
      toolCache: () => Promise.reject(new Error('unused')),
    });
  expect(make({})).toBeUndefined();
  expect(make({ RUNNER_TOOL_CACHE: '/opt/hostedtoolcache' })).toBeUndefined();
  expect(make({ RUNNER_TOOL_CACHE: '/opt/hostedtoolcache', RUNNER_TEMP: '/tmp/r' })).toBeDefined();
  expect(onGitHubRunner({ RUNNER_TOOL_CACHE: '', RUNNER_TEMP: '/tmp/r' })).toBe(false);
});

test('a pinned helm from the tool cache that is another version says where it came from', () => {
  expect(helmVersionProblem(parseHelmVersion('v4.1.3')!, '4.1.4', 'from the tool cache')).toBe(
    'helm from the tool cache is v4.1.3, but helm-version asks for 4.1.4',
  );
});
