// Installs the fake `az` (fake-az.ts) into a temp bin directory: an executable `#!/usr/bin/env node` launcher,
// a state directory (invocations, proxy records, the installed-extension marker) and the upstream it forwards to.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../repo-root.js';

/** Behaviour knobs, passed to the fake as FAKE_AZ_* environment variables. */
export interface FakeAzKnobs {
  /** connectedk8s proxy: ok (default) | exit-early | hang (never writes the kubeconfig) | port-in-use. */
  mode?: 'ok' | 'exit-early' | 'hang' | 'port-in-use';
  /** ok: time from start to the kubeconfig (credential fetch); exit-early: time to the error. Default 200. */
  delayMs?: number;
  /** The arc proxy child starts listening this long after it starts (connection refused meanwhile). Default 0. */
  listenDelayMs?: number;
  /** The forwarder resets its first N connections (a relay warming up). */
  dropFirst?: number;
  /** az records SIGINT/SIGTERM but does not exit (forces SIGKILL). */
  stubborn?: boolean;
  /** Print the command arguments, secrets included, to stderr like `az --debug`. */
  echoToken?: boolean;
  /** exit-early: stderr text instead of the ResourceNotFound error. */
  error?: string;
  login?: 'ok' | 'aadsts700213' | 'aadsts700016';
  extensionAdd?: 'ok' | 'fail';
  accountSet?: 'ok' | 'fail';
  /** Safety valve: the arc proxy child exits after this long even if nobody stops it. Default 120000. */
  maxLifetimeMs?: number;
}

export interface Invocation {
  argv: string[];
  pid: number;
  at: number;
}

/** What a `connectedk8s proxy` run recorded; times are Date.now() in the fake. */
export interface ProxyRecord {
  azPid: number;
  /** The long-lived child (the "arc proxy binary"), in az's process group. */
  proxyPid?: number;
  port: number;
  mode: string;
  startedAt: number;
  listenAt?: number;
  kubeconfigAt?: number;
  signals: string[];
  exitedAt?: number;
}

export interface FakeAz {
  /** Path of the executable fake. */
  az: string;
  binDir: string;
  stateDir: string;
  /** Environment for running it: bin dir and this Node first on PATH, state dir, knobs. */
  env(knobs?: FakeAzKnobs): NodeJS.ProcessEnv;
  invocations(): Invocation[];
  proxyRecord(azPid: number): ProxyRecord | undefined;
  setExtensionInstalled(installed: boolean): void;
  remove(): void;
}

export interface Upstream {
  /** https://127.0.0.1:<port> of the Kubernetes stand-in. */
  url: string;
  caPem: string;
  /** Token for kubeconfigs written without --token (the Entra ID case). */
  token: string;
}

/** fake-az.ts in the source tree, found from the repository root (so also from a bundle made by scripts/run-ts.ts). */
function fakeAzScript(): string {
  const script = join(repoRoot(), 'test', 'support', 'fake-az', 'fake-az.ts');
  if (!existsSync(script)) throw new Error(`fake-az.ts not found at ${script}`);
  return script;
}

export function installFakeAz(
  o: { upstream?: Upstream; extensionInstalled?: boolean; dir?: string } = {},
): FakeAz {
  const root = o.dir ?? mkdtempSync(join(tmpdir(), 'fake-az-'));
  const binDir = join(root, 'bin');
  const stateDir = join(root, 'state');
  mkdirSync(binDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const az = join(binDir, 'az');
  writeFileSync(
    az,
    `#!/usr/bin/env node\n// fake az (test/support/fake-az)\nimport(${JSON.stringify(pathToFileURL(fakeAzScript()).href)});\n`,
  );
  chmodSync(az, 0o755);
  if (o.upstream) {
    const u = new URL(o.upstream.url);
    writeFileSync(
      join(stateDir, 'config.json'),
      JSON.stringify({
        upstream: {
          host: u.hostname,
          port: Number(u.port),
          caData: Buffer.from(o.upstream.caPem).toString('base64'),
          token: o.upstream.token,
        },
      }),
    );
  }
  const marker = join(stateDir, 'extensions', 'connectedk8s');
  const setExtensionInstalled = (installed: boolean): void => {
    if (installed) {
      mkdirSync(dirname(marker), { recursive: true });
      writeFileSync(marker, '1.10.7');
    } else rmSync(marker, { force: true });
  };
  setExtensionInstalled(o.extensionInstalled ?? true);

  return {
    az,
    binDir,
    stateDir,
    env(k = {}) {
      const knobs: Record<string, string | number | boolean | undefined> = {
        FAKE_AZ_MODE: k.mode,
        FAKE_AZ_DELAY_MS: k.delayMs,
        FAKE_AZ_LISTEN_DELAY_MS: k.listenDelayMs,
        FAKE_AZ_DROP_FIRST: k.dropFirst,
        FAKE_AZ_STUBBORN: k.stubborn ? '1' : undefined,
        FAKE_AZ_ECHO_TOKEN: k.echoToken ? '1' : undefined,
        FAKE_AZ_ERROR: k.error,
        FAKE_AZ_LOGIN: k.login,
        FAKE_AZ_EXTENSION_ADD: k.extensionAdd,
        FAKE_AZ_ACCOUNT_SET: k.accountSet,
        FAKE_AZ_MAX_LIFETIME_MS: k.maxLifetimeMs,
      };
      const e: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: [binDir, dirname(process.execPath), process.env['PATH'] ?? ''].join(delimiter),
        FAKE_AZ_STATE_DIR: stateDir,
        NODE_NO_WARNINGS: '1',
      };
      for (const key of Object.keys(e))
        if (key.startsWith('FAKE_AZ_') && key !== 'FAKE_AZ_STATE_DIR') delete e[key];
      for (const [key, v] of Object.entries(knobs)) if (v !== undefined) e[key] = String(v);
      return e;
    },
    invocations() {
      const file = join(stateDir, 'invocations.jsonl');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Invocation);
    },
    proxyRecord(azPid) {
      const file = join(stateDir, `proxy-${azPid}.json`);
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as ProxyRecord;
      } catch {
        return undefined;
      }
    },
    setExtensionInstalled,
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Every proxy record in the state directory (e.g. to find runs whose az pid is unknown). */
export function allProxyRecords(fake: FakeAz): ProxyRecord[] {
  return readdirSync(fake.stateDir)
    .filter((f) => /^proxy-\d+\.json$/.test(f))
    .flatMap((f) => {
      const r = fake.proxyRecord(Number(/\d+/.exec(f)![0]));
      return r ? [r] : [];
    });
}
