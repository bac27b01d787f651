// The CNCF distribution registry (Debian's `docker-registry`, v2.8) over TLS with htpasswd (bcrypt) basic auth, or
// with token auth (tokens signed by a token service the test runs, e.g. test/support/acr-data-plane): the sandbox's
// stand-in for a container registry such as ACR. One per call, each on its own port and storage.
import { request } from 'node:https';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { runCommand, spawnPeer } from './child.js';
import type { PeerProcess } from './child.js';
import { freePort } from './free-port.js';
import { findTool } from './tools.js';
import { waitFor } from './wait.js';

/** The distribution token-auth settings: Bearer tokens from `realm`, verified against `rootCertBundle`. */
export interface RegistryTokenAuth {
  /** The token endpoint named in the registry's `WWW-Authenticate` challenge. */
  realm: string;
  /** The token's `aud` must equal this (and the challenge names it). */
  service: string;
  /** The token's `iss` must equal this. */
  issuer: string;
  /** PEM certificates that the token signing certificate (the JWT's `x5c`) must chain to. */
  rootCertBundle: string;
}

/** One htpasswd user, or token auth instead (then there is no user and `creds` is empty). */
type RegistryAuthOptions =
  | { username: string; password: string; tokenAuth?: undefined }
  | { tokenAuth: RegistryTokenAuth; username?: undefined; password?: undefined };

export type RegistryOptions = RegistryAuthOptions & {
  /** TLS server certificate (PEM, may include intermediates) and key for 127.0.0.1. */
  serverCert: { cert: string; key: string };
  /**
   * The CA that issued serverCert. When given, the peer offers `certDir` (a directory with ca.crt, the layout
   * skopeo's --cert-dir and containers' certs.d expect) and its readiness probe verifies the server certificate.
   */
  caPem?: string;
  /** Listen port on 127.0.0.1; default a free one. */
  port?: number;
  startTimeoutMs?: number;
};

export interface RegistryPeer {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /** 127.0.0.1:<port>, as used in image references. */
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  /** A directory holding ca.crt (only when `caPem` was given). */
  readonly certDir: string | undefined;
  /** `username:password`, for skopeo's --creds (empty with token auth). */
  readonly creds: string;
  /** Recent registry output (warnings and errors: log level warn). */
  log(): string;
  /** SIGTERM, await exit, remove the storage and config. Safe to call twice. */
  stop(): Promise<void>;
}

/** GET /v2/ once: the status code, or throws on a connection error. */
function getV2(port: number, caPem: string | undefined): Promise<{ status: number; authenticate?: string }> {
  return new Promise((resolveGet, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v2/',
        method: 'GET',
        ...(caPem !== undefined ? { ca: caPem } : { rejectUnauthorized: false }),
        agent: false,
        timeout: 2_000,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolveGet({ status: res.statusCode ?? 0, authenticate: res.headers['www-authenticate'] }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('GET /v2/ timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function bcryptHtpasswd(username: string, password: string): Promise<string> {
  const r = await runCommand(findTool('htpasswd'), ['-Bbn', username, password]);
  if (r.code !== 0) throw new Error(`htpasswd -Bbn failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim() + '\n';
}

/** The registry's own environment must not steer it: REGISTRY_* variables override its config file. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
}

export async function startRegistry(opts: RegistryOptions): Promise<RegistryPeer> {
  const binary = findTool('docker-registry');
  const dir = await mkdtemp(join(tmpdir(), 'litmus-registry-'));
  await chmod(dir, 0o700);
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server.key');
  const htpasswdFile = join(dir, 'htpasswd');
  const configFile = join(dir, 'config.yml');
  await mkdir(join(dir, 'storage'));
  await writeFile(certFile, opts.serverCert.cert, { mode: 0o600 });
  await writeFile(keyFile, opts.serverCert.key, { mode: 0o600 });
  const tokenBundleFile = join(dir, 'token-roots.pem');
  if (opts.tokenAuth) await writeFile(tokenBundleFile, opts.tokenAuth.rootCertBundle);
  else await writeFile(htpasswdFile, await bcryptHtpasswd(opts.username, opts.password), { mode: 0o600 });
  let certDir: string | undefined;
  if (opts.caPem !== undefined) {
    certDir = join(dir, 'certs.d');
    await mkdir(certDir);
    await writeFile(join(certDir, 'ca.crt'), opts.caPem);
  }
  const timeoutMs = opts.startTimeoutMs ?? 20_000;

  const config = (port: number) => ({
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true }, fields: { service: 'registry' } },
    storage: {
      filesystem: { rootdirectory: join(dir, 'storage') },
      delete: { enabled: true },
      cache: { blobdescriptor: 'inmemory' },
    },
    http: {
      addr: `127.0.0.1:${port}`,
      secret: randomBytes(24).toString('hex'),
      tls: { certificate: certFile, key: keyFile },
      headers: { 'X-Content-Type-Options': ['nosniff'] },
    },
    auth: opts.tokenAuth
      ? {
          token: {
            realm: opts.tokenAuth.realm,
            service: opts.tokenAuth.service,
            issuer: opts.tokenAuth.issuer,
            rootcertbundle: tokenBundleFile,
          },
        }
      : { htpasswd: { realm: 'litmus-sandbox-registry', path: htpasswdFile } },
  });

  let proc: PeerProcess | undefined;
  const launch = async (port: number): Promise<PeerProcess> => {
    await writeFile(configFile, stringify(config(port)), { mode: 0o600 });
    const p = spawnPeer(binary, ['serve', configFile], { cwd: dir, env: cleanEnv() });
    try {
      await waitFor(
        async () => {
          const r = await getV2(port, opts.caPem);
          if (r.status !== 401) throw new Error(`GET /v2/ answered ${r.status}, expected 401`);
          return true;
        },
        {
          description: `docker-registry on 127.0.0.1:${port} to answer GET /v2/ with 401`,
          timeoutMs,
          abort: () => {
            const st = p.exitStatus();
            if (st === undefined) return undefined;
            return new Error(
              `docker-registry exited early (code ${st.code}, signal ${st.signal}) with config ${configFile}:\n${p.output()}`,
            );
          },
        },
      );
      return p;
    } catch (err) {
      await p.stop();
      if (err instanceof Error && err.message.startsWith('timed out')) {
        throw new Error(`${err.message}\ndocker-registry output:\n${p.output()}`, { cause: err });
      }
      throw err;
    }
  };

  let port = opts.port ?? (await freePort());
  for (let attempt = 1; ; attempt++) {
    try {
      proc = await launch(port);
      break;
    } catch (err) {
      // A port picked here can be taken before the registry binds it: pick another.
      const inUse = err instanceof Error && /address already in use/i.test(err.message);
      if (opts.port !== undefined || !inUse || attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
      port = await freePort();
    }
  }

  let stopped = false;
  const running = proc;
  return {
    url: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    dir,
    certDir,
    creds: opts.tokenAuth ? '' : `${opts.username}:${opts.password}`,
    log: () => running.output(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
