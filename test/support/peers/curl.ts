// curl as a test's HTTP client: the real client a user would reach an API with. Paths starting with '/' are
// resolved against `base`; the answer comes back with its status code and its body parsed when it is JSON.
import { runCommand, type RunResult } from './child.js';

export interface CurlAnswer extends RunResult {
  status: number;
  /** The body parsed as JSON; the text when it is not JSON; undefined when empty. */
  json: unknown;
}

/** `tls`: curl's TLS options, e.g. ['--cacert', file], or ['-k'] for a self-signed server not worth trusting. */
export async function curlJson(base: string, tls: string[], args: string[]): Promise<CurlAnswer> {
  const r = await runCommand('curl', [
    '-sS',
    ...tls,
    '-w',
    '\n%{http_code}',
    ...args.map((a) => (a.startsWith('/') ? base + a : a)),
  ]);
  const lines = r.stdout.split('\n');
  const status = Number(lines.pop());
  const text = lines.join('\n');
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { ...r, status, json };
}
