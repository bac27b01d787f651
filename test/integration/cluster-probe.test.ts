import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probeCluster } from '../../src/kube/cluster-probe.js';
import { createTestCa, issueLoopbackServerCert } from '../support/test-pki.js';

let server: Server;
let url: string;
let caPem: string;
let dir: string;
const TOKEN = 'sandbox-token';

function kubeconfig(name: string, server: string, token: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: sandbox
  cluster:
    server: ${server}
    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}
users:
- name: ci
  user:
    token: ${token}
contexts:
- name: edge
  context: {cluster: sandbox, user: ci}
current-context: edge
`,
    { mode: 0o600 },
  );
  return path;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'probe-'));
  const ca = await createTestCa();
  const cert = await issueLoopbackServerCert(ca);
  caPem = ca.cert;
  // A minimal HTTPS peer answering /version like an API server: bearer token checked, JSON answer.
  server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"kind":"Status","code":401}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"gitVersion":"v1.32.4"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('cluster probe', () => {
  test('reachable: reports server, version and which kubeconfig/context', async () => {
    const kc = kubeconfig('ok', url, TOKEN);
    await expect(probeCluster({ KUBECONFIG: kc })).resolves.toEqual({
      reachable: true,
      via: `KUBECONFIG=${kc} (context edge)`,
      server: url,
      version: 'v1.32.4',
    });
  });

  test('refused credentials', async () => {
    const r = await probeCluster({ KUBECONFIG: kubeconfig('badtoken', url, 'wrong') });
    expect(r).toMatchObject({
      reachable: false,
      problem: `the API server ${url} refused the credentials (HTTP 401)`,
    });
  });

  test('nothing listening', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await probeCluster({ KUBECONFIG: kubeconfig('closed', `https://127.0.0.1:${port}`, TOKEN) });
    expect(r).toMatchObject({
      reachable: false,
      problem: `connection refused by https://127.0.0.1:${port} (ECONNREFUSED): nothing listens there (the API server is down, restarting or at another address)`,
    });
    expect(r.fix).toMatch(/server address in the kubeconfig/);
  });

  test('no kubeconfig anywhere', async () => {
    const r = await probeCluster({ HOME: dir, KUBECONFIG: '' });
    expect(r).toMatchObject({
      reachable: false,
      problem: `no kubeconfig found at ${join(dir, '.kube', 'config')}`,
    });
    expect(r.fix).toMatch(/^set KUBECONFIG/);
  });

  test('a file that is not a kubeconfig', async () => {
    const p = join(dir, 'garbage');
    writeFileSync(p, 'clusters: 5\n');
    const r = await probeCluster({ KUBECONFIG: p });
    expect(r).toMatchObject({ reachable: false, invalidKubeconfig: true, via: `KUBECONFIG=${p}` });
    expect(r.problem).toBe(`Cannot use the kubeconfig (KUBECONFIG=${p}): 'clusters' is not a list (line 1)`);
  });

  test('a kubeconfig with a syntax error: line and column, never the line itself', async () => {
    const p = kubeconfig('indent', url, TOKEN);
    writeFileSync(
      p,
      readFileSync(p, 'utf8').replace(`    token: ${TOKEN}`, `      token: ${TOKEN}\n   x: y`),
    );
    const r = await probeCluster({ KUBECONFIG: p });
    expect(r).toMatchObject({ reachable: false, invalidKubeconfig: true });
    expect(r.problem).toMatch(
      /^Cannot use the kubeconfig \(KUBECONFIG=.*\): it is not valid YAML: line \d+, column \d+: bad indentation/,
    );
    expect(r.problem).not.toContain(TOKEN.slice(0, 8));
  });

  test('plain http: refused for a remote server, accepted for loopback (kubectl proxy)', async () => {
    const remote = await probeCluster({
      KUBECONFIG: kubeconfig('http-remote', 'http://192.0.2.10:8080', TOKEN),
    });
    expect(remote).toMatchObject({ reachable: false, invalidKubeconfig: true });
    expect(remote.problem).toContain("cluster 'sandbox' uses plain http (http://192.0.2.10:8080)");
    const plain = createHttpServer((_req, res) => res.writeHead(200).end('{"gitVersion":"v1.32.4"}'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const local = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    try {
      await expect(
        probeCluster({ KUBECONFIG: kubeconfig('http-local', local, TOKEN) }),
      ).resolves.toMatchObject({
        reachable: true,
        version: 'v1.32.4',
      });
    } finally {
      await new Promise<void>((r) => plain.close(() => r()));
    }
  });
});
