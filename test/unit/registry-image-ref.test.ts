import { describe, expect, test } from 'vitest';
import { formatImageRef, parseImageRef, registryBaseUrl } from '../../src/registry/image-ref.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseImageRef', () => {
  test.each([
    ['alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['user/app:v1', { registry: 'docker.io', repository: 'user/app', tag: 'v1' }],
    ['docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['index.docker.io/user/app', { registry: 'docker.io', repository: 'user/app' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/a/b:c', { registry: 'localhost:5000', repository: 'a/b', tag: 'c' }],
    ['127.0.0.1:5000/repo', { registry: '127.0.0.1:5000', repository: 'repo' }],
    [
      'us-docker.pkg.dev/litmus-sales-enablement/litmusedge/litmusedge-std-docker:latest',
      {
        registry: 'us-docker.pkg.dev',
        repository: 'litmus-sales-enablement/litmusedge/litmusedge-std-docker',
        tag: 'latest',
      },
    ],
    [`myreg.azurecr.io/le@${D}`, { registry: 'myreg.azurecr.io', repository: 'le', digest: D }],
    [`r.io:443/a/b:1.2.3@${D}`, { registry: 'r.io:443', repository: 'a/b', tag: '1.2.3', digest: D }],
    ['r.io/a__b/c.d/e-f---g:T_1.x-y', { registry: 'r.io', repository: 'a__b/c.d/e-f---g', tag: 'T_1.x-y' }],
    ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app' }],
    ['Registry.Example.com/app', { registry: 'Registry.Example.com', repository: 'app' }],
  ])('%s', (s, want) => {
    expect(parseImageRef(s)).toEqual(want);
  });

  test.each([
    [''],
    ['UPPER/app'],
    ['r.io/App'],
    ['r.io/app:'],
    ['r.io/app:-bad'],
    [`r.io/app:${'t'.repeat(129)}`],
    ['r.io/app@sha256:abc'],
    [`r.io/app@sha256:${'A'.repeat(64)}`],
    [`r.io/app@md5:${'a'.repeat(32)}`],
    ['r.io/a//b'],
    ['r.io/a_-b'],
    ['r.io/.a'],
    ['r.io/a.'],
    ['r.io:99999/a'],
    ['-r.io/a'],
    ['https://r.io/a'],
    ['r.io/a b'],
    ['r.io/'],
    [':tag'],
    [`r.io/${'a'.repeat(256)}`],
  ])('%s is not a reference', (s) => {
    expect(parseImageRef(s)).toBeUndefined();
  });

  test('format round-trips; docker.io maps to registry-1.docker.io for the API', () => {
    const s = `r.io:5000/a/b:t@${D}`;
    expect(formatImageRef(parseImageRef(s)!)).toBe(s);
    expect(registryBaseUrl('docker.io').href).toBe('https://registry-1.docker.io/');
    expect(registryBaseUrl('127.0.0.1:5000').href).toBe('https://127.0.0.1:5000/');
  });
});
