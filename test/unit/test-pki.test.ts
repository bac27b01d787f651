import { test, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa, issueLoopbackServerCert, issueTestCert } from '../support/test-pki.js';

// The sandbox's TLS is only as real as its certificates: openssl must accept them independently.
test('sandbox server and client certificates verify with openssl', async () => {
  const ca = await createTestCa();
  const server = await issueLoopbackServerCert(ca, ['aio-broker']);
  const client = await issueTestCert(ca, { commonName: 'probe', usage: 'client' });
  const dir = mkdtempSync(join(tmpdir(), 'pki-'));
  try {
    writeFileSync(join(dir, 'ca.pem'), ca.cert);
    writeFileSync(join(dir, 'server.pem'), server.cert);
    writeFileSync(join(dir, 'client.pem'), client.cert);
    const out = execFileSync(
      'openssl',
      ['verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', join(dir, 'server.pem')],
      { encoding: 'utf8' },
    );
    expect(out).toContain('OK');
    const out2 = execFileSync(
      'openssl',
      ['verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslclient', join(dir, 'client.pem')],
      { encoding: 'utf8' },
    );
    expect(out2).toContain('OK');
    const text = execFileSync(
      'openssl',
      ['x509', '-in', join(dir, 'server.pem'), '-noout', '-ext', 'subjectAltName'],
      { encoding: 'utf8' },
    );
    expect(text).toContain('IP Address:127.0.0.1');
    expect(text).toContain('DNS:aio-broker');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
