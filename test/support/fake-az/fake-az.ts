// A fake `az` for tests: the subcommands the Arc access code runs, with the real CLI's messages where known.
// Started through the launcher that installFakeAz() writes (bin/az, `#!/usr/bin/env node`), run by Node's type
// stripping: no relative imports, erasable TypeScript only. Behaviour comes from FAKE_AZ_* variables (see README).
//
//   az extension show|add --name connectedk8s
//   az login --service-principal -u <id> -t <tenant> --federated-token <jwt> ...
//   az account set --subscription <id>
//   az connectedk8s proxy -n <cluster> -g <rg> [--port 47011] [-f <kubeconfig>] [--token <sa-token>]
//
// `connectedk8s proxy` starts a long-lived child (the "arc proxy binary", in az's process group like the real
// arcProxyLinux), a TCP forwarder on --port to the Kubernetes stand-in, then writes a kubeconfig whose server is
// https://127.0.0.1:<port> with the stand-in's CA and a bearer token (--token, or the stand-in's admin token).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProxyRecord } from './index.js'; // type-only: erased when Node runs this file directly

interface FakeAzConfig {
  upstream?: { host: string; port: number; caData: string; token: string };
}

const env = process.env;
const SCRIPT = fileURLToPath(import.meta.url);
const stateDir = env['FAKE_AZ_STATE_DIR'] ?? join(homedir(), '.fake-az');
mkdirSync(stateDir, { recursive: true });
const num = (name: string, fallback: number): number => {
  const v = Number(env[name]);
  return env[name] !== undefined && Number.isFinite(v) ? v : fallback;
};
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

function config(): FakeAzConfig {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'config.json'), 'utf8')) as FakeAzConfig;
  } catch {
    return {};
  }
}

function opt(args: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

/** What `az --debug` prints first: the command arguments, secrets included (the leak the tests guard against). */
function echoArguments(args: string[]): void {
  if (env['FAKE_AZ_ECHO_TOKEN'] === '1') {
    err(`DEBUG: cli.knack.cli: Command arguments: [${args.map((a) => `'${a}'`).join(', ')}]`);
  }
}

async function finish(code: number): Promise<never> {
  // Let stdout/stderr drain before exiting.
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  await new Promise<void>((r) => process.stderr.write('', () => r()));
  process.exit(code);
}

const extensionMarker = join(stateDir, 'extensions', 'connectedk8s');

function extension(args: string[]): Promise<never> {
  const verb = args[1];
  const name = opt(args, '--name', '-n');
  if (name !== 'connectedk8s') {
    err(`ERROR: The extension ${name ?? '(none)'} is not installed.`);
    return finish(1);
  }
  if (verb === 'show') {
    if (!existsSync(extensionMarker)) {
      err('ERROR: The extension connectedk8s is not installed.');
      return finish(1);
    }
    out(
      JSON.stringify(
        {
          experimental: false,
          extensionType: 'whl',
          name: 'connectedk8s',
          path: join(stateDir, 'cliextensions', 'connectedk8s'),
          preview: false,
          version: readFileSync(extensionMarker, 'utf8').trim() || '1.10.7',
        },
        null,
        2,
      ),
    );
    return finish(0);
  }
  if (verb === 'add') {
    if (env['FAKE_AZ_EXTENSION_ADD'] === 'fail') {
      err(
        "ERROR: Error while attempting to retrieve the latest version of 'connectedk8s': HTTPSConnectionPool(host='aka.ms', port=443): Max retries exceeded.",
      );
      return finish(1);
    }
    mkdirSync(dirname(extensionMarker), { recursive: true });
    writeFileSync(extensionMarker, env['FAKE_AZ_EXTENSION_VERSION'] ?? '1.10.7');
    return finish(0);
  }
  err(`ERROR: 'extension ${verb}' is misspelled or not recognized by the system.`);
  return finish(2);
}

function jwtSub(token: string): string {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: string;
    };
    return claims.sub ?? '';
  } catch {
    return '';
  }
}

function login(args: string[]): Promise<never> {
  echoArguments(args);
  const clientId = opt(args, '-u', '--username');
  const tenant = opt(args, '-t', '--tenant');
  const token = opt(args, '--federated-token');
  if (!clientId || !tenant || !token) {
    err('ERROR: usage error: --service-principal --username NAME --tenant TENANT --federated-token TOKEN');
    return finish(2);
  }
  const mode = env['FAKE_AZ_LOGIN'] ?? 'ok';
  if (mode === 'aadsts700213') {
    err(
      `ERROR: AADSTS700213: No matching federated identity record found for presented assertion subject '${jwtSub(token)}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation Trace ID: 0b4e Correlation ID: 7f1d Timestamp: 2025-01-01 00:00:00Z`,
    );
    return finish(1);
  }
  if (mode === 'aadsts700016') {
    err(
      `ERROR: AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
    );
    return finish(1);
  }
  writeFileSync(join(stateDir, 'login.json'), JSON.stringify({ clientId, tenant }));
  if (opt(args, '--output', '-o') !== 'none') {
    out(JSON.stringify([{ tenantId: tenant, user: { name: clientId, type: 'servicePrincipal' } }], null, 2));
  }
  return finish(0);
}

function account(args: string[]): Promise<never> {
  const sub = opt(args, '--subscription', '-s', '--name', '-n');
  if (!existsSync(join(stateDir, 'login.json'))) {
    err("ERROR: Please run 'az login' to setup account.");
    return finish(1);
  }
  if (env['FAKE_AZ_ACCOUNT_SET'] === 'fail') {
    err(`ERROR: The subscription of '${sub}' doesn't exist in cloud 'AzureCloud'.`);
    return finish(1);
  }
  writeFileSync(join(stateDir, 'account.json'), JSON.stringify({ subscription: sub }));
  return finish(0);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

async function proxy(args: string[]): Promise<void> {
  if (!existsSync(extensionMarker)) {
    err(
      "ERROR: The command requires the extension connectedk8s. Unable to prompt for extension install confirmation as no tty available. Run 'az config set extension.use_dynamic_install=yes_without_prompt' to allow installing extensions without prompt.",
    );
    return finish(2);
  }
  const name = opt(args, '-n', '--name');
  const rg = opt(args, '-g', '--resource-group');
  if (!name || !rg) {
    err('ERROR: the following arguments are required: --name/-n, --resource-group/-g');
    return finish(2);
  }
  echoArguments(args);
  const port = Number(opt(args, '--port') ?? 47011);
  const file = opt(args, '-f', '--file') ?? join(homedir(), '.kube', 'config');
  const token = opt(args, '--token');
  const mode = env['FAKE_AZ_MODE'] ?? 'ok';
  const delayMs = num('FAKE_AZ_DELAY_MS', 200);
  const recordFile = join(stateDir, `proxy-${process.pid}.json`);
  const record: ProxyRecord = { azPid: process.pid, port, mode, startedAt: Date.now(), signals: [] };
  const save = (): void => writeFileSync(recordFile, JSON.stringify(record));
  save();

  if (mode === 'port-in-use' || !(await portFree(port))) {
    err(`ERROR: Port ${port} is already in use. Please select a different port with --port option.`);
    return finish(1);
  }
  if (mode === 'exit-early') {
    await delay(delayMs);
    err(
      env['FAKE_AZ_ERROR'] ??
        `ERROR: (ResourceNotFound) The Resource 'Microsoft.Kubernetes/connectedClusters/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
    return finish(1);
  }

  // The arc proxy binary: same process group, stdio to /dev/null like the real one (an IPC channel tells az when it
  // listens). It does not die with az: only a signal to the group (or to it) stops it.
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, '__arc-proxy', String(port)], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env,
  });
  record.proxyPid = child.pid;
  save();
  let stopping = false;
  child.on('message', (m: { listening?: number; error?: string }) => {
    if (m.listening) {
      record.listenAt = m.listening;
      save();
    }
    if (m.error) {
      err(`ERROR: Failed to start proxy process. listen tcp 127.0.0.1:${port}: ${m.error}`);
    }
  });
  const onSignal = (sig: NodeJS.Signals): void => {
    record.signals.push(sig);
    save();
    if (env['FAKE_AZ_STUBBORN'] === '1') return;
    stopping = true;
    // az leaves its proxy to the signal the whole group got; it exits once the proxy has.
    const exitCode = sig === 'SIGINT' ? 130 : 143;
    const done = (): void => {
      record.exitedAt = Date.now();
      save();
      void finish(exitCode);
    };
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', done);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  out(`Proxy is listening on port ${port}`);
  // The refresh loop: every 60 s the real az checks its proxy is alive (and renews credentials when due).
  setInterval(
    () => {
      if (stopping || (child.exitCode === null && child.signalCode === null)) return;
      err('ERROR: Proxy closed externally.');
      void finish(1);
    },
    num('FAKE_AZ_REFRESH_MS', 60_000),
  );
  if (mode === 'hang') return;

  await delay(delayMs);
  const up = config().upstream;
  if (!up) {
    err('ERROR: fake az has no upstream (installFakeAz({ upstream }))');
    return finish(1);
  }
  const user = token ? 'clusterUser_token' : `clusterUser_${rg}_${name}`;
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name, cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': up.caData } },
    ],
    users: [{ name: user, user: { token: token ?? up.token } }],
    contexts: [{ name, context: { cluster: name, user } }],
    'current-context': name,
    preferences: {},
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });
  record.kubeconfigAt = Date.now();
  save();
  out(`Merged "${name}" as current context in ${file}`);
  out(`Start sending kubectl requests on '${name}' context using kubeconfig at ${file}`);
  out('Press Ctrl+C to close proxy.');
}

/** The "arc proxy binary": a TCP forwarder from 127.0.0.1:<port> to the Kubernetes stand-in. */
function arcProxy(port: number): void {
  const up = config().upstream;
  const sockets = new Set<Socket>();
  let dropped = 0;
  const dropFirst = num('FAKE_AZ_DROP_FIRST', 0);
  const server = createServer((sock) => {
    if (dropped < dropFirst) {
      dropped++;
      sock.destroy();
      return;
    }
    sockets.add(sock);
    const upstream = connect(up?.port ?? 0, up?.host ?? '127.0.0.1');
    sockets.add(upstream);
    sock.pipe(upstream).pipe(sock);
    const close = (): void => {
      sock.destroy();
      upstream.destroy();
      sockets.delete(sock);
      sockets.delete(upstream);
    };
    sock.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  server.on('error', (e: NodeJS.ErrnoException) => {
    process.send?.({ error: e.code ?? e.message });
    process.exit(1);
  });
  const stop = (): void => {
    server.close();
    for (const s of sockets) s.destroy();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Outlives az (as the real one does), but never a test run: a safety valve, not behaviour under test.
  setTimeout(stop, num('FAKE_AZ_MAX_LIFETIME_MS', 120_000));
  setTimeout(
    () =>
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
        if (process.connected) process.send?.({ listening: Date.now() });
      }),
    num('FAKE_AZ_LISTEN_DELAY_MS', 0),
  );
  process.on('disconnect', () => undefined);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '__arc-proxy') return arcProxy(Number(args[1]));
  appendFileSync(
    join(stateDir, 'invocations.jsonl'),
    `${JSON.stringify({ argv: args, pid: process.pid, at: Date.now() })}\n`,
  );
  const [group, verb] = args;
  if (group === 'extension') return extension(args);
  if (group === 'login') return login(args);
  if (group === 'account' && verb === 'set') return account(args);
  if (group === 'connectedk8s' && verb === 'proxy') return proxy(args);
  if (group === 'version') {
    out(JSON.stringify({ 'azure-cli': '2.70.0', extensions: {} }));
    return finish(0);
  }
  err(`ERROR: '${args.join(' ')}' is misspelled or not recognized by the system.`);
  return finish(2);
}

await main();
