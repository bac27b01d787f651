// One-shot Azure CLI commands for Arc access: the connectedk8s extension, and az login with a GitHub federated
// token. Secrets go to az as arguments only: every line logged and every error quoted is masked first.
import { spawn } from 'node:child_process';
import { explainAzureError, jwtClaims } from '../../azure/azure-credential.js';
import { lastLines, MASK, maskSecrets, MaskedTail } from './masked-output.js';

export interface AzLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

/** An az command failed; `message` ends with the fix, `output` is az's own (masked) output. */
export class AzCliError extends Error {
  override name = 'AzCliError';
  constructor(
    message: string,
    readonly output = '',
  ) {
    super(message);
  }
}

export interface AzResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Masked. */
  stdout: string;
  /** Masked. */
  stderr: string;
}

export const AZ_INSTALL_FIX =
  'install the Azure CLI on the runner (https://learn.microsoft.com/cli/azure/install-azure-cli; GitHub-hosted Ubuntu runners have it) or point the az path at it';

/** The command line as it may be logged: secrets replaced. */
export function describeAz(args: readonly string[], secrets: readonly (string | undefined)[]): string {
  const s = secrets.filter((x): x is string => !!x);
  return `az ${args.map((a) => (s.includes(a) ? MASK : maskSecrets(a, s))).join(' ')}`;
}

export function spawnError(az: string, e: NodeJS.ErrnoException): AzCliError {
  const why = e.code === 'ENOENT' ? 'not found' : e.code === 'EACCES' ? 'not executable' : e.message;
  return new AzCliError(`Cannot run the Azure CLI at '${az}': ${why}. Fix: ${AZ_INSTALL_FIX}`);
}

/** Runs az to completion. Output is masked as it arrives; a spawn failure (no az) rejects with the fix. */
export function runAz(
  az: string,
  args: readonly string[],
  o: {
    env?: NodeJS.ProcessEnv;
    secrets?: readonly (string | undefined)[];
    log: AzLog;
    timeoutMs?: number;
  },
): Promise<AzResult> {
  const secrets = o.secrets ?? [];
  const timeoutMs = o.timeoutMs ?? 300_000;
  o.log.debug(`$ ${describeAz(args, secrets)}`);
  return new Promise((resolve, reject) => {
    const child = spawn(az, args, { env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = new MaskedTail(secrets, 64 * 1024);
    const stderr = new MaskedTail(secrets, 16 * 1024, (line) => o.log.debug(`az: ${line}`));
    child.stdout.setEncoding('utf8').on('data', (c: string) => stdout.push(c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(spawnError(az, e));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      stdout.end();
      stderr.end();
      if (timedOut) {
        reject(
          new AzCliError(
            `${describeAz(args, secrets)} did not finish within ${timeoutMs} ms. Fix: check the runner's network path to Azure`,
            stderr.tail(),
          ),
        );
        return;
      }
      resolve({ code, signal, stdout: stdout.tail(), stderr: stderr.tail() });
    });
  });
}

const quote = (output: string): string => (output.trim() ? `\naz said:\n${lastLines(output)}` : '');

export interface ExtensionState {
  /** 'present': it was installed already; 'added': this call installed it. */
  state: 'present' | 'added';
  version?: string;
}

/**
 * Makes sure the connectedk8s extension is installed: `az extension show`, and `az extension add` only when it is
 * missing (an add on every run costs seconds and a download).
 */
export async function ensureConnectedk8sExtension(
  az: string,
  env: NodeJS.ProcessEnv | undefined,
  log: AzLog,
  o: { timeoutMs?: number } = {},
): Promise<ExtensionState> {
  const show = await runAz(az, ['extension', 'show', '--name', 'connectedk8s', '--output', 'json'], {
    env,
    log,
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
  });
  if (show.code === 0) {
    let version: string | undefined;
    try {
      version = (JSON.parse(show.stdout) as { version?: string }).version;
    } catch {
      // an unreadable answer still says it is installed
    }
    log.debug(`az extension connectedk8s ${version ?? '(version unknown)'} is installed`);
    return { state: 'present', ...(version ? { version } : {}) };
  }
  if (!/not installed/i.test(show.stderr)) {
    throw new AzCliError(
      `'az extension show --name connectedk8s' failed (exit ${show.code ?? show.signal}). Fix: run 'az version' on the runner to check the Azure CLI works${quote(show.stderr)}`,
      show.stderr,
    );
  }
  log.info('Installing the Azure CLI extension connectedk8s (az extension add --name connectedk8s)');
  const add = await runAz(az, ['extension', 'add', '--name', 'connectedk8s', '--yes', '--output', 'none'], {
    env,
    log,
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
  });
  if (add.code !== 0) {
    throw new AzCliError(
      `Could not install the Azure CLI extension connectedk8s (exit ${add.code ?? add.signal}). Fix: let the runner reach the extension index (aka.ms and azcliextensionsync.blob.core.windows.net; behind a proxy set HTTPS_PROXY), or install it in an earlier step: az extension add --name connectedk8s${quote(add.stderr)}`,
      add.stderr,
    );
  }
  return { state: 'added' };
}

export interface FederatedLogin {
  clientId: string;
  tenantId: string;
  subscriptionId?: string;
  /** The GitHub ID token (audience api://AzureADTokenExchange). Secret: passed to az only. */
  federatedToken: string;
  env?: NodeJS.ProcessEnv;
  log: AzLog;
  timeoutMs?: number;
}

/**
 * `az login --service-principal --federated-token`, then `az account set` when a subscription is given, so that
 * `az connectedk8s proxy` runs as the workflow's identity. AADSTS errors come back with the fix and the token's
 * iss/sub/aud claims (never the token).
 */
export async function azLoginWithFederatedToken(az: string, o: FederatedLogin): Promise<void> {
  const secrets = [o.federatedToken];
  const common = { env: o.env, secrets, log: o.log, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) };
  const login = await runAz(
    az,
    [
      'login',
      '--service-principal',
      '-u',
      o.clientId,
      '-t',
      o.tenantId,
      '--federated-token',
      o.federatedToken,
      '--allow-no-subscriptions',
      '--output',
      'none',
    ],
    common,
  );
  if (login.code !== 0) {
    const said = login.stderr || login.stdout;
    const explained = explainAzureError(
      new Error(said.replace(/^ERROR:\s*/m, '')),
      jwtClaims(o.federatedToken),
      o.clientId,
    );
    const why = explained.message.replace(/^Azure sign-in failed:?\s*/, '');
    const head = `az login failed (exit ${login.code ?? login.signal})${why.startsWith('(') ? ' ' : ': '}`;
    throw new AzCliError(maskSecrets(`${head}${why}${quote(said)}`, secrets), said);
  }
  o.log.info(`az login: signed in as service principal ${o.clientId} (tenant ${o.tenantId})`);
  if (!o.subscriptionId) return;
  const set = await runAz(az, ['account', 'set', '--subscription', o.subscriptionId], common);
  if (set.code !== 0) {
    throw new AzCliError(
      `az account set --subscription ${o.subscriptionId} failed. Fix: give the identity ${o.clientId} a role on that subscription (at least on the Arc cluster's resource group) or correct the subscription id${quote(set.stderr)}`,
      set.stderr,
    );
  }
}
