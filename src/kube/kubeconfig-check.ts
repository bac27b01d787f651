// Reads a kubeconfig's text the way this tool will use it, and says precisely what is wrong: line and column for
// syntax, the entry for structure. Never quotes the content (it holds credentials: a quoted line, cut or not,
// would leak a token). Also refuses what would expose the credentials: plain http to a remote server, and
// insecure-skip-tls-verify unless the user allowed it.
import { isIP } from 'node:net';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import { loadYaml } from '../config/yaml.js';

/** A kubeconfig this run cannot use; `problem` and `fix` never contain the file's content. */
export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
  constructor(
    /** Which kubeconfig, e.g. "the 'kubeconfig' input" or "KUBECONFIG=/home/me/.kube/edge". */
    readonly where: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`Cannot use the kubeconfig (${where}): ${problem}. Fix: ${fix}`);
  }

  /** The message without its fix. */
  get summary(): string {
    return `Cannot use the kubeconfig (${this.where}): ${this.problem}`;
  }
}

export interface KubeconfigCheckOptions {
  /** The kubeconfig names its cluster with insecure-skip-tls-verify: true and the user accepts that. */
  allowInsecure?: boolean;
  /** Directory that relative file references (certificate-authority, client-key, ...) are relative to. */
  dir?: string;
}

export interface CheckedKubeconfig {
  /** The document as plain data, adjusted for the client (a loopback http server needs skipTLSVerify there). */
  data: Record<string, unknown>;
  context: string;
  cluster: string;
  server: string;
  /** Things the user allowed but should know about (insecure-skip-tls-verify). */
  warnings: string[];
}

/** Our own words for the YAML parser's errors: its messages quote the source line. */
const YAML_ERRORS: Record<string, string> = {
  BAD_INDENT: 'bad indentation (items of one mapping or list must start at the same column)',
  TAB_AS_INDENT: 'a tab used for indentation (YAML allows spaces only)',
  MISSING_CHAR: 'an unterminated quote, bracket or brace',
  BAD_DQ_ESCAPE: 'an invalid escape sequence in a double-quoted string',
  DUPLICATE_KEY: 'a key given twice in the same mapping',
  MULTILINE_IMPLICIT_KEY: 'a key that spans lines (often a missing colon or a bad indent)',
  BLOCK_AS_IMPLICIT_KEY: 'a block used as a key (often a missing colon or a bad indent)',
  UNEXPECTED_TOKEN: 'an unexpected character',
  BAD_SCALAR_START: 'a value that cannot start with this character (quote it)',
  BLOCK_IN_FLOW: 'a block value inside {...} or [...]',
  MULTIPLE_DOCS: 'more than one YAML document (a kubeconfig is one)',
  BAD_ALIAS: 'an alias to an anchor that is not defined',
  TAG_RESOLVE_FAILED: 'an unknown YAML tag',
};

const SYNTAX_FIX =
  'correct the YAML at that line (indent with spaces, 2 per level; quote values with special characters); `kubectl config view --kubeconfig <file>` reports the same error. For a secret, store the whole file as is, or base64 -w0 of it';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const isLoopback = (host: string): boolean =>
  LOOPBACK_HOSTS.has(host) || (isIP(host) === 4 && host.startsWith('127.'));

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const names = (list: Json[]): string =>
  list
    .map((e) => e['name'])
    .filter((n): n is string => typeof n === 'string')
    .map((n) => `'${n}'`)
    .join(', ') || 'none';

/** Parses and checks a kubeconfig; throws KubeconfigError naming `where`, the line and the fix. */
export async function checkKubeconfig(
  text: string,
  where: string,
  options: KubeconfigCheckOptions = {},
): Promise<CheckedKubeconfig> {
  const yaml = await loadYaml();
  const lines: LineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, uniqueKeys: true }) as Document.Parsed;
  const fail: (problem: string, fix: string) => never = (problem, fix) => {
    throw new KubeconfigError(where, problem, fix);
  };
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0];
    const what = YAML_ERRORS[first.code] ?? `a YAML syntax error (${first.code})`;
    fail(
      `it is not valid YAML: ${at ? `line ${at.line}, column ${at.col}: ` : ''}${what} (the content is not shown: it holds credentials)`,
      SYNTAX_FIX,
    );
  }
  /** " (line N)" for the node at `path`, when the source has one. */
  const line = (path: readonly (string | number)[]): string => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? ` (line ${lines.linePos(node.range[0]).line})` : '';
  };

  const data: unknown = doc.toJS();
  const shape = 'a mapping with clusters, contexts, users and current-context';
  if (!isMap(data)) {
    fail(
      `it is not a kubeconfig: its top level is ${Array.isArray(data) ? 'a list' : data == null ? 'empty' : 'a single value'}, not ${shape}`,
      'pass the kubeconfig file itself (kubectl config view --raw --minify --flatten writes one for the current context)',
    );
  }
  const root = data as Json;
  if (root['kind'] !== undefined && root['kind'] !== 'Config') {
    fail(
      `it is not a kubeconfig: its kind is ${typeof root['kind'] === 'string' ? `'${root['kind']}'` : 'not a string'}, not 'Config'${line(['kind'])}`,
      'pass the kubeconfig file (kind: Config), not a manifest; kubectl config view --raw --minify --flatten writes one',
    );
  }
  const list = (key: 'clusters' | 'contexts' | 'users'): Json[] => {
    const v = root[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v))
      fail(`'${key}' is not a list${line([key])}`, `write ${key} as a list of {name, ...} entries`);
    const entries = v as unknown[];
    entries.forEach((e, i) => {
      if (!isMap(e) || typeof e['name'] !== 'string' || e['name'] === '')
        fail(`${key}[${i}] has no name${line([key, i])}`, `give every entry of ${key} a name`);
    });
    return entries as Json[];
  };
  const clusters = list('clusters');
  const contexts = list('contexts');
  const users = list('users');
  if (clusters.length === 0 && contexts.length === 0 && users.length === 0) {
    fail(
      `it is not a kubeconfig: it has no clusters, contexts or users (expected ${shape})`,
      'pass the kubeconfig file for the cluster',
    );
  }

  const current = root['current-context'];
  if (typeof current !== 'string' || current === '') {
    fail(
      `it sets no current-context (its contexts: ${names(contexts)})`,
      contexts.length > 0
        ? `add current-context: <one of its contexts>, e.g. kubectl config use-context ${String(contexts[0]!['name'])} --kubeconfig <file>`
        : 'add a context naming the cluster and user, and current-context naming it',
    );
  }
  const ci = contexts.findIndex((c) => c['name'] === current);
  if (ci < 0) {
    fail(
      `its current-context '${String(current)}' is not among its contexts (${names(contexts)})${line(['current-context'])}`,
      'set current-context to one of its contexts (kubectl config use-context <name> --kubeconfig <file>)',
    );
  }
  const context = contexts[ci]!['context'];
  if (!isMap(context) || typeof context['cluster'] !== 'string') {
    fail(
      `context '${String(current)}' names no cluster${line(['contexts', ci])}`,
      'set context.cluster to one of its clusters',
    );
  }
  const ctx = context as Json;
  const clusterName = ctx['cluster'] as string;
  const ki = clusters.findIndex((c) => c['name'] === clusterName);
  if (ki < 0) {
    fail(
      `context '${String(current)}' names cluster '${clusterName}', which is not among its clusters (${names(clusters)})${line(['contexts', ci, 'context', 'cluster'])}`,
      'add that cluster, or point the context at one of the clusters listed',
    );
  }
  const cluster = clusters[ki]!['cluster'];
  const cpath = ['clusters', ki, 'cluster'];
  if (!isMap(cluster) || typeof cluster['server'] !== 'string' || cluster['server'] === '') {
    fail(
      `cluster '${clusterName}' has no server${line(cpath)}`,
      'set cluster.server to the API server URL, e.g. https://10.0.0.4:6443',
    );
  }
  const c = cluster as Json;
  const server = c['server'] as string;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return fail(
      `cluster '${clusterName}' has server '${server}', which is not a URL${line([...cpath, 'server'])}`,
      'set cluster.server to the API server URL, e.g. https://10.0.0.4:6443',
    );
  }
  const warnings: string[] = [];
  if (url.protocol === 'http:') {
    if (!isLoopback(url.hostname)) {
      fail(
        `cluster '${clusterName}' uses plain http (${server})${line([...cpath, 'server'])}: its credentials would cross the network unencrypted to a server nobody authenticated`,
        "use the API server's https:// address with its certificate-authority-data; plain http is accepted only for a loopback server such as kubectl proxy on 127.0.0.1",
      );
    }
    // client-node refuses http unless TLS checks are off; over plain http to loopback there is no TLS to check.
    c['insecure-skip-tls-verify'] = true;
  } else if (url.protocol !== 'https:') {
    fail(
      `cluster '${clusterName}' has server '${server}', which is neither https:// nor http://${line([...cpath, 'server'])}`,
      'set cluster.server to the https:// URL of the API server',
    );
  } else if (c['insecure-skip-tls-verify'] === true) {
    const what = `cluster '${clusterName}' sets insecure-skip-tls-verify: true${line([...cpath, 'insecure-skip-tls-verify'])}: the API server is not authenticated, so anyone on the network path can impersonate it and read the credentials sent to it`;
    if (!options.allowInsecure) {
      fail(
        `${what}. This is refused unless allowed`,
        "remove insecure-skip-tls-verify and set certificate-authority-data to the cluster's CA (base64 of its PEM; kubectl config view --raw --minify --flatten on a machine that trusts it prints it). To accept the risk anyway, set allow-insecure-kubeconfig: true",
      );
    }
    warnings.push(`Kubeconfig (${where}): ${what}. Used because allow-insecure-kubeconfig is true.`);
  }

  const ui = typeof ctx['user'] === 'string' ? users.findIndex((u) => u['name'] === ctx['user']) : -1;
  if (typeof ctx['user'] === 'string' && ui < 0) {
    fail(
      `context '${String(current)}' names user '${ctx['user']}', which is not among its users (${names(users)})${line(['contexts', ci, 'context', 'user'])}`,
      'add that user, or point the context at one of the users listed',
    );
  }
  const user = ui >= 0 && isMap(users[ui]!['user']) ? (users[ui]!['user'] as Json) : {};
  const upath = ['users', ui, 'user'];
  const pem = (obj: Json, path: (string | number)[], key: string, what: string): void => {
    const v = obj[key];
    if (v === undefined || v === null) return;
    const b64 = typeof v === 'string' ? v.replace(/\s+/g, '') : '';
    const ok =
      /^[A-Za-z0-9+/]+={0,2}$/.test(b64) &&
      b64.length % 4 === 0 &&
      Buffer.from(b64, 'base64').toString('utf8').includes('-----BEGIN ');
    if (!ok) {
      fail(
        `${key}${line([...path, key])} is not base64 of a PEM ${what}`,
        `set ${key} to base64 -w0 of the PEM file (starting with -----BEGIN), or use ${key.replace(/-data$/, '')}: <path to the PEM file>`,
      );
    }
  };
  pem(c, cpath, 'certificate-authority-data', 'certificate');
  pem(user, upath, 'client-certificate-data', 'certificate');
  pem(user, upath, 'client-key-data', 'private key');
  const hasCert = user['client-certificate-data'] != null || user['client-certificate'] != null;
  const hasKey = user['client-key-data'] != null || user['client-key'] != null;
  if (hasCert !== hasKey) {
    fail(
      `user '${String(ctx['user'])}' has a client ${hasCert ? 'certificate but no key' : 'key but no certificate'}${line(upath)}`,
      'give both client-certificate(-data) and client-key(-data), or neither',
    );
  }
  const files: [Json, (string | number)[], string][] = [
    [c, cpath, 'certificate-authority'],
    [user, upath, 'client-certificate'],
    [user, upath, 'client-key'],
    [user, upath, 'token-file'],
  ];
  for (const [obj, path, key] of files) {
    const p = obj[key];
    if (p === undefined || p === null || p === '') continue;
    const abs = typeof p === 'string' ? (isAbsolute(p) || !options.dir ? p : join(options.dir, p)) : '';
    if (!abs || !existsSync(abs)) {
      fail(
        `${key}${line([...path, key])} names ${typeof p === 'string' ? `'${abs}'` : 'no path'}, which does not exist`,
        `set ${key} to a readable file (relative paths are relative to the kubeconfig's directory), or embed it as ${key === 'token-file' ? 'token' : `${key}-data`}`,
      );
    }
    obj[key] = abs; // the client reads token-file relative to the working directory otherwise
  }
  return { data: root, context: current as string, cluster: clusterName, server, warnings };
}
