// The bundle defers @actions/core's OIDC client (undici) until getIDToken is called. Prove the deferred client
// still works: a bundled getIDToken against a local endpoint speaking the runner's ID-token protocol.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { lazyOidcClient } from '../../scripts/bundle.js';
import { NODE } from '../support/fresh-bundle.js';

let server: Server;
let dir: string;
const requests: Array<{ url: string; auth: string | undefined }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lazy-oidc-'));
  writeFileSync(
    join(dir, 'entry.mjs'),
    "import * as core from '@actions/core';\nconst t = await core.getIDToken('api://AzureADTokenExchange');\nprocess.stdout.write(`token-length=${t.length}`);\n",
  );
  const result = await build({
    entryPoints: [join(dir, 'entry.mjs')],
    nodePaths: [join(process.cwd(), 'node_modules')],
    outdir: join(dir, 'out'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    metafile: true,
    logLevel: 'silent',
    plugins: [lazyOidcClient],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  writeFileSync(join(dir, 'out', 'package.json'), '{"type":"module"}\n');
  // The entry chunk must not carry undici: that is the point of the plugin.
  const entry = Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('entry.js'))![1];
  expect(Object.keys(entry.inputs).some((i) => i.includes('undici'))).toBe(false);
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ value: 'header.payload.sig' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('getIDToken works through the lazily loaded OIDC client', async () => {
  const port = (server.address() as AddressInfo).port;
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(NODE, [join(dir, 'out', 'entry.js')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
      },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(stdout));
  });
  expect(out).toContain('token-length=18');
  expect(out).toContain('::add-mask::header.payload.sig');
  expect(requests).toEqual([
    { url: '/token?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange', auth: 'Bearer request-token' },
  ]);
});
