// helm-version on a GitHub runner: the pinned helm downloaded from a loopback server laid out as get.helm.sh is
// (helm-v<version>-<os>-<arch>.tar.gz made from the real helm in .tools/bin, with its .sha256sum), verified,
// unpacked and kept in a tool cache (RUNNER_TOOL_CACHE and RUNNER_TEMP pointed at temp dirs), then checked by the
// deploy stage's own helm port. Also: the cache on a second call (no request), a wrong checksum (nothing kept),
// retries, and the helm on PATH when it is the right version or when this is not a runner.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { arch as osArch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Inputs } from '../../src/config/input-specs.js';
import { resolveInputs } from '../../src/config/validate-inputs.js';
import { openHelm } from '../../src/helm/helm-cli.js';
import { helmInstaller } from '../../src/helm/helm-install.js';
import {
  helmArchiveDir,
  helmArchiveName,
  helmPlatform,
  type HelmPlatform,
} from '../../src/helm/helm-release.js';
import { actionsToolCache } from '../../src/helm/tool-cache.js';
import { createCleanupRegistry } from '../../src/pipeline/cleanup.js';
import type { Logger } from '../../src/pipeline/logger.js';
import { defaultDeployPorts } from '../../src/stages/deploy/ports.js';
import { deploySettings } from '../../src/stages/deploy/settings.js';
import type { StageDeps } from '../../src/stages/stage-deps.js';
import { helmPath } from '../support/kube-apiserver/tools.js';

const VERSION = '4.1.4'; // what .tools/bin/helm is
const KUBECONFIG = 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n';

let work: string;
let server: Server;
let base: string;
let platform: HelmPlatform;
let archive: Buffer;
let sha256: string;
let defaults: Inputs;
/** Paths requested, in order. */
let requests: string[] = [];
/** A test's override: handles the request (returns true) or leaves it to the normal routes. */
let fault: ((path: string, res: ServerResponse) => boolean) | undefined;

const archiveName = (version = VERSION) => helmArchiveName(version, platform);

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed: ${err}`))));
  });
}

/** helm's release layout: <os>-<arch>/helm (plus LICENSE and README.md), gzipped tar. */
async function makeArchive(): Promise<Buffer> {
  const dir = join(work, 'pkg', helmArchiveDir(platform));
  await mkdir(dir, { recursive: true });
  await copyFile(helmPath(), join(dir, 'helm'));
  await chmod(join(dir, 'helm'), 0o755);
  await writeFile(join(dir, 'LICENSE'), 'Apache License 2.0\n');
  await writeFile(join(dir, 'README.md'), '# helm\n');
  const file = join(work, archiveName());
  await run('tar', ['-czf', file, '-C', join(work, 'pkg'), helmArchiveDir(platform)]);
  return readFile(file);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'helm-install-test-'));
  platform = helmPlatform(process.platform, process.arch)!;
  archive = await makeArchive();
  sha256 = createHash('sha256').update(archive).digest('hex');
  defaults = await resolveInputs([]);
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    if (fault?.(path, res)) return;
    if (path === `/${archiveName()}.sha256sum`) return void res.end(`${sha256}  ${archiveName()}\n`);
    if (path === `/${archiveName()}`) {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': archive.length });
      return void res.end(archive);
    }
    res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await rm(work, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
  fault = undefined;
});

interface Runner {
  env: NodeJS.ProcessEnv;
  toolCache: string;
  temp: string;
}

/** A runner's environment with its own tool cache and temp dir; @actions/tool-cache reads the process's too. */
async function runner(path: string, o: { actions?: boolean } = {}): Promise<Runner> {
  const dir = await mkdtemp(join(work, 'runner-'));
  const [toolCache, temp] = [join(dir, 'tool-cache'), join(dir, 'temp')];
  await Promise.all([mkdir(toolCache), mkdir(temp)]);
  if (o.actions === false) return { env: { PATH: path, HOME: dir }, toolCache, temp };
  vi.stubEnv('RUNNER_TOOL_CACHE', toolCache);
  vi.stubEnv('RUNNER_TEMP', temp);
  return { env: { PATH: path, HOME: dir, RUNNER_TOOL_CACHE: toolCache, RUNNER_TEMP: temp }, toolCache, temp };
}

/** A directory with a `helm` that says it is `version` (and nothing else). */
async function fakeHelm(version: string): Promise<string> {
  const dir = await mkdtemp(join(work, 'fake-helm-'));
  await writeFile(join(dir, 'helm'), `#!/bin/sh\necho v${version}\n`);
  await chmod(join(dir, 'helm'), 0o755);
  return dir;
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, debug: add('debug'), info: add('info'), warn: add('warn'), error: add('error') };
}

/** What the deploy stage does for helm: its ports from the run's inputs, then the helm check. */
async function stageHelm(r: Runner, over: Partial<Inputs> = {}) {
  const inputs: Inputs = {
    ...defaults,
    stages: ['deploy'],
    stagesExplicit: true,
    image: 'registry.example.com/litmusedge/litmusedge-std-docker:3.16.2',
    'helm-version': VERSION,
    'helm-download-url': base,
    ...over,
  };
  const deps: StageDeps = {
    inputs,
    env: r.env,
    kube: () => Promise.reject(new Error('no cluster in this test')),
    azure: () => Promise.reject(new Error('no Azure in this test')),
    kubeconfig: async () => KUBECONFIG,
    mask: () => undefined,
    now: () => new Date(),
  };
  const log = recordingLog();
  const cleanup = createCleanupRegistry({ save: () => undefined, load: () => '' });
  const ports = defaultDeployPorts(deps, deploySettings(inputs));
  const helm = await ports.helm(cleanup, { log, signal: new AbortController().signal });
  await helm.close();
  return { version: helm.version, log: log.lines };
}

const cached = (r: Runner, version = VERSION) => join(r.toolCache, 'helm', version, osArch());

describe('helm-version on a GitHub runner', () => {
  let shared: Runner;

  test('no helm on PATH: downloaded, verified, unpacked and cached; the stage helm check passes with it', async () => {
    shared = await runner(await mkdtemp(join(work, 'empty-path-')));
    requests = [];
    // Nothing of @actions/tool-cache's own reaches stdout (the CLI's JSON result): it goes to the run's log.
    const stdout: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((
      c: string | Uint8Array,
      ...r: never[]
    ) => {
      stdout.push(String(c));
      return write(c, ...r);
    }) as typeof process.stdout.write);
    const { version, log } = await stageHelm(shared).finally(() => spy.mockRestore());
    expect(stdout.filter((x) => /^(::debug::|\[command\])/m.test(x))).toEqual([]);
    expect(log).toContainEqual(expect.stringMatching(/^debug \[command\]\S*tar /));
    expect(log).toContainEqual(expect.stringMatching(/^debug Caching tool helm /));
    expect(version).toBe(`v${VERSION}`);
    expect(requests).toEqual([`/${archiveName()}.sha256sum`, `/${archiveName()}`]);
    const binary = join(cached(shared), 'helm');
    expect((await stat(binary)).mode & 0o111).not.toBe(0);
    expect((await readdir(join(shared.toolCache, 'helm', VERSION))).sort()).toEqual([
      osArch(),
      `${osArch()}.complete`,
    ]);
    expect(log).toEqual(
      expect.arrayContaining([
        `info no helm on PATH, helm-version asks for ${VERSION}: installing it`,
        `info downloading helm ${VERSION} (${platform.os}-${platform.arch}) from ${base}/${archiveName()}`,
        `info ${archiveName()}: ${archive.length} bytes downloaded`,
        `info helm ${VERSION} verified (SHA-256 ${sha256}) and kept in the runner's tool cache (${cached(shared)})`,
        `info helm v${VERSION} (${binary})`,
      ]),
    );
    expect(log.some((l) => /^info helm-v.*: \d+ of \d+ bytes \(\d+%\)$/.test(l))).toBe(true);
    // The download's work dir and helm's private dir are gone.
    expect(await readdir(shared.temp)).toEqual([]);
  });

  test('in the action, where the log is core.debug (itself a ::debug:: line on stdout): each line once, no loop', async () => {
    vi.stubEnv('RUNNER_TOOL_CACHE', shared.toolCache);
    const core = await import('@actions/core');
    const lines: string[] = [];
    const log = { ...recordingLog(), debug: (m: string) => core.debug(`[deploy] ${m}`) };
    const write = process.stdout.write.bind(process.stdout);
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((
      c: string | Uint8Array,
      ...r: never[]
    ) => {
      lines.push(String(c));
      return write(c, ...r);
    }) as typeof process.stdout.write);
    try {
      const tc = await actionsToolCache(shared.env, log);
      expect(tc.find('helm', VERSION)).toBe(cached(shared));
    } finally {
      spy.mockRestore();
    }
    const debug = lines.filter((l) => l.startsWith('::debug::'));
    expect(debug.length).toBeGreaterThan(0);
    expect(debug.every((l) => l.startsWith('::debug::[deploy] '))).toBe(true);
  });

  test('a second call in the same job uses the tool cache: no request, even with another helm on PATH', async () => {
    vi.stubEnv('RUNNER_TOOL_CACHE', shared.toolCache);
    vi.stubEnv('RUNNER_TEMP', shared.temp);
    requests = [];
    const { version, log } = await stageHelm({
      ...shared,
      env: { ...shared.env, PATH: await fakeHelm('4.1.3') },
    });
    expect(version).toBe(`v${VERSION}`);
    expect(requests).toEqual([]);
    // tool-cache's own lookup lines are debug lines of the run's log.
    expect(log.filter((l) => !l.startsWith('debug '))).toEqual([
      `info helm on PATH is v4.1.3, helm-version asks for ${VERSION}: installing it`,
      `info helm ${VERSION} from the runner's tool cache (${cached(shared)})`,
      `info helm v${VERSION} (${join(cached(shared), 'helm')})`,
    ]);
  });

  test('the right helm on PATH is used as it is: nothing downloaded or cached', async () => {
    const r = await runner(join(helmPath(), '..'));
    requests = [];
    const { version, log } = await stageHelm(r);
    expect(version).toBe(`v${VERSION}`);
    expect(requests).toEqual([]);
    expect(log).toEqual([`info helm v${VERSION} (${helmPath()})`]);
    expect(await readdir(r.toolCache)).toEqual([]);
  });

  test('a wrong checksum is refused before anything is unpacked: nothing cached, nothing left behind', async () => {
    const r = await runner(await mkdtemp(join(work, 'empty-path-')));
    const wrong = 'f'.repeat(64);
    fault = (path, res) => path.endsWith('.sha256sum') && (res.end(`${wrong}  ${archiveName()}\n`), true);
    const url = `${base}/${archiveName()}`;
    await expect(stageHelm(r)).rejects.toThrow(
      `the helm archive ${url} has SHA-256 ${sha256}, but ${url}.sha256sum says ${wrong}; nothing was installed. Fix: the archive was changed on the way or on the server: check that helm-download-url serves helm's own release files, then run again`,
    );
    expect(await readdir(r.toolCache)).toEqual([]);
    expect(await readdir(r.temp)).toEqual([]);
  });

  test('a version that is not published: one request each (a 404 is not retried), and what to check', async () => {
    const r = await runner(await mkdtemp(join(work, 'empty-path-')));
    requests = [];
    await expect(stageHelm(r, { 'helm-version': '4.1.99' })).rejects.toThrow(
      `helm 4.1.99 could not be downloaded: ${base}/${archiveName('4.1.99')}.sha256sum: HTTP 404 Not Found; nothing was installed. Fix: check that helm-version 4.1.99 is a released helm (https://github.com/helm/helm/releases) and that helm-download-url (${base}) keeps ${archiveName('4.1.99')}`,
    );
    expect(requests).toEqual([`/${archiveName('4.1.99')}.sha256sum`]);
    expect(await readdir(r.toolCache)).toEqual([]);
  });

  test('a server that fails twice (503, then a connection dropped mid-body) is retried with backoff', async () => {
    const r = await runner(await mkdtemp(join(work, 'empty-path-')));
    let failures = 0;
    fault = (path, res) => {
      if (path !== `/${archiveName()}` || failures >= 2) return false;
      if (++failures === 1) return (res.writeHead(503, 'Service Unavailable').end(), true);
      res.writeHead(200, { 'content-length': archive.length });
      res.write(archive.subarray(0, 1000), () => res.destroy());
      return true;
    };
    requests = [];
    const installer = helmInstaller({
      env: r.env,
      baseUrl: base,
      toolCache: (log) => actionsToolCache(r.env, log),
      retry: { attempts: 3, baseMs: 5, maxMs: 20 },
    });
    const log = recordingLog();
    const cleanup = createCleanupRegistry({ save: () => undefined, load: () => '' });
    const helm = await openHelm({
      env: r.env,
      kubeconfig: KUBECONFIG,
      cleanup,
      pinned: VERSION,
      installer,
      log,
    });
    await helm.close();
    expect(helm.version).toBe(`v${VERSION}`);
    expect(requests.filter((p) => p === `/${archiveName()}`)).toHaveLength(3);
    const retries = log.lines.filter((l) => l.startsWith('warn '));
    expect(retries).toHaveLength(2);
    const url = `${base}/${archiveName()}`;
    expect(retries[0]).toMatch(
      new RegExp(
        `^warn download of ${url} failed \\(HTTP 503 Service Unavailable\\); trying again in \\d+ ms \\(attempt 2 of 3\\)$`,
      ),
    );
    expect(retries[1]).toMatch(
      new RegExp(
        // The connection dropped mid-body: undici says "other side closed (UND_ERR_SOCKET)".
        `^warn download of ${url} failed \\((?!HTTP).+\\); trying again in \\d+ ms \\(attempt 3 of 3\\)$`,
      ),
    );
    expect((await readdir(join(r.toolCache, 'helm', VERSION))).sort()).toEqual([
      osArch(),
      `${osArch()}.complete`,
    ]);
  });
});

describe('helm-version outside GitHub Actions (the CLI)', () => {
  test('another helm on PATH is refused with how to install the pinned one; nothing is downloaded', async () => {
    const path = await fakeHelm('4.1.3');
    const r = await runner(path, { actions: false });
    requests = [];
    await expect(stageHelm(r)).rejects.toThrow(
      `helm on PATH is v4.1.3, but helm-version asks for ${VERSION} (${join(path, 'helm')}). Fix: install helm ${VERSION} on PATH (https://helm.sh/docs/intro/install/, or unpack https://get.helm.sh/${archiveName()}), or change helm-version; on a GitHub runner this tool downloads it itself`,
    );
    expect(requests).toEqual([]);
  });
});
