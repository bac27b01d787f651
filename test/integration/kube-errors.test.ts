// Issue 11 item 12: errors from the Kubernetes API layer name the request, the server, the cause and the fix:
// an API server that goes away mid-run, a closed port, a server certificate the kubeconfig's CA does not trust.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { probeCluster } from '../../src/kube/cluster-probe.js';
import { KubeApiError } from '../../src/kube/kube-client.js';
import { kubeClientFromSource } from '../../src/kube/node-kube-client.js';
import { startKubeApiServer, type KubeSandbox } from '../support/kube-apiserver/index.js';
import { freePort } from '../support/peers/free-port.js';
import { createTestCa } from '../support/test-pki.js';

let dir: string;
let other: KubeSandbox;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kube-errors-'));
  other = await startKubeApiServer({ seed: false });
});
afterAll(() => other.stop());

const file = (path: string) => ({ kind: 'file' as const, path, fromEnv: true });
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', name: 'default' };

describe('no HTTP answer', () => {
  test('the API server stopped between two requests: request, server, ECONNREFUSED and the fix', async () => {
    const k = await startKubeApiServer({ seed: false });
    const client = await kubeClientFromSource(
      file(k.writeKubeconfig(dir, k.adminToken, { fileName: 'gone' })),
    );
    await expect(client.get(NAMESPACE)).resolves.toBeDefined();
    await k.stop();
    const err = (await client.get(NAMESPACE).catch((e: unknown) => e)) as KubeApiError;
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err.code).toBe(0);
    expect(err.reason).toBe('ECONNREFUSED');
    expect(err.message).toBe(
      `get Namespace default: connection refused by ${k.url} (ECONNREFUSED): nothing listens there (the API server is down, restarting or at another address). Fix: ${err.fix}`,
    );
    expect(err.fix).toMatch(/API server is running.*server address in the kubeconfig/);
    expect(err.message).not.toContain('fetch failed');
    expect(err.message).not.toContain('HTTP 0');
  });

  test('a closed port, in the preflight probe', async () => {
    const port = await freePort();
    const path = other.writeKubeconfig(dir, other.adminToken, { fileName: 'closed' });
    writeFileSync(path, readFileSync(path, 'utf8').replace(other.url, `https://127.0.0.1:${port}`));
    const r = await probeCluster({ KUBECONFIG: path });
    expect(r).toMatchObject({
      reachable: false,
      problem: expect.stringMatching(
        new RegExp(`^connection refused by https://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
      ),
    });
  });

  test('the API server vanishes mid-run: the stage names what it was doing, the cause and the fix', async () => {
    const k = await startKubeApiServer();
    const kubeconfig = k.writeKubeconfig(dir, k.adminToken, { fileName: 'mid-run' });
    // The first write of the run takes the server down: what follows finds nobody listening.
    const off = k.store.onChange(() => {
      off();
      void k.stop();
    });
    let err = '';
    const collect = new Writable({
      write: (c: Buffer, _e, cb) => {
        err += c.toString();
        cb();
      },
    });
    const code = await runCli(['run', '--stage', 'certs'], {
      env: { KUBECONFIG: kubeconfig, HOME: dir },
      out: collect,
      err: collect,
    });
    expect(code).toBe(1);
    expect(err).not.toContain('fetch failed');
    expect(err).toMatch(
      new RegExp(
        `(connection refused by|the connection to) ${k.url.replace(/\./g, '\\.')}.*\\((ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)\\).*Fix: `,
      ),
    );
  });
});

describe('TLS', () => {
  test('a server certificate not signed by the kubeconfig CA: says so, names the server, and the fix', async () => {
    const wrong = await createTestCa('Some Other CA');
    const path = other.writeKubeconfig(dir, other.adminToken, { fileName: 'wrong-ca' });
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        Buffer.from(other.caPem).toString('base64'),
        Buffer.from(wrong.cert).toString('base64'),
      ),
    );
    const r = await probeCluster({ KUBECONFIG: path });
    expect(r.reachable).toBe(false);
    expect(r.problem).toBe(
      `the server's certificate at ${other.url} is not trusted by the kubeconfig's certificate-authority (UNABLE_TO_VERIFY_LEAF_SIGNATURE): it is signed by another CA than the one the kubeconfig names, or the kubeconfig points at another server`,
    );
    expect(r.fix).toMatch(/^set the cluster's certificate-authority-data/);
    expect(r.fix).not.toMatch(/cluster is running/);

    const client = await kubeClientFromSource(file(path));
    const err = (await client.get(NAMESPACE).catch((e: unknown) => e)) as KubeApiError;
    expect(err.message).toMatch(/^get Namespace default: the server's certificate at .* is not trusted/);
    expect(err.message).toContain('Fix: set the cluster');
  });

  test('insecure-skip-tls-verify: refused, unless allowed (then used, with a warning)', async () => {
    const path = other.writeKubeconfig(dir, other.adminToken, { fileName: 'insecure' });
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(/certificate-authority-data: \S+/, 'insecure-skip-tls-verify: true'),
    );
    const refused = await probeCluster({}, 5000, file(path));
    expect(refused).toMatchObject({ reachable: false, invalidKubeconfig: true });
    expect(refused.problem).toContain('sets insecure-skip-tls-verify: true');
    expect(refused.fix).toContain('allow-insecure-kubeconfig: true');
    await expect(kubeClientFromSource(file(path))).rejects.toThrow(/refused unless allowed/);

    const allowed = await probeCluster({}, 5000, { ...file(path), allowInsecure: true });
    expect(allowed).toMatchObject({ reachable: true, server: other.url });
    expect(allowed.warnings).toEqual([expect.stringContaining('insecure-skip-tls-verify: true')]);
  });
});

describe('plain http', () => {
  test('a remote http:// server is refused before anything is sent; the CLI says why, no stack trace', async () => {
    const path = join(dir, 'http-remote');
    writeFileSync(
      path,
      readFileSync(other.writeKubeconfig(dir, other.adminToken, { fileName: 'base' }), 'utf8').replace(
        other.url,
        'http://192.0.2.10:8080',
      ),
    );
    let err = '';
    const code = await runCli(['run', '--stage', 'certs'], {
      env: { KUBECONFIG: path, HOME: dir },
      out: new Writable({ write: (_c, _e, cb) => cb() }),
      err: new Writable({
        write: (c: Buffer, _e, cb) => {
          err += c.toString();
          cb();
        },
      }),
    });
    expect(code).toBe(1);
    expect(err).toContain(
      `error: Cannot use the kubeconfig (KUBECONFIG=${path}): cluster 'sandbox-cluster' uses plain http (http://192.0.2.10:8080)`,
    );
    expect(err).toContain('plain http is accepted only for a loopback server');
    expect(err).not.toMatch(/^\s+at /m);
  });
});
