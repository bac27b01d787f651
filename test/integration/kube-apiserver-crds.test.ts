// The AIO custom resources in the Kubernetes API server stand-in have structural schemas (generated from the ARM
// specification, scripts/gen-aio-crds.ts) and are pruned, defaulted and validated as kube-apiserver does for CRDs;
// driven by the real kubectl, raw requests and @kubernetes/client-node.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startKubeApiServer, type KubeSandbox } from '../support/kube-apiserver/index.js';
import { kubectlPath, runTool, toolEnv } from '../support/kube-apiserver/tools.js';

const AIO = 'azure-iot-operations';
const G = 'mqttbroker.iotoperations.azure.com';

let sb: KubeSandbox;
let work: string;
let kubeconfig: string;
let kubectl: string;

beforeAll(async () => {
  kubectl = kubectlPath();
  work = await mkdtemp(join(tmpdir(), 'kube-apiserver-crds-'));
  sb = await startKubeApiServer();
  kubeconfig = sb.writeKubeconfig(work);
});

afterAll(async () => {
  await sb?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

let files = 0;
async function kubectlWith(args: string[], yaml?: string) {
  const extra: string[] = [];
  if (yaml !== undefined) {
    const file = join(work, `m${files++}.yaml`);
    await writeFile(file, yaml);
    extra.push('-f', file);
  }
  return runTool(kubectl, [...args, ...extra], toolEnv(join(work, 'home'), kubeconfig));
}

function raw(
  method: string,
  path: string,
  body: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: Record<string, unknown>; warnings: string[] }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${sb.url}${path}`,
      {
        method,
        ca: sb.caPem,
        headers: { authorization: `Bearer ${sb.adminToken}`, 'content-type': contentType },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const w = res.headers.warning;
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text) as Record<string, unknown>,
            warnings: w === undefined ? [] : Array.isArray(w) ? w : [w],
          });
        });
      },
    );
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

const listener = (name: string, port: string) => `apiVersion: ${G}/v1
kind: BrokerListener
metadata:
  name: ${name}
  namespace: ${AIO}
spec:
  brokerRef: default
  serviceType: LoadBalancer
  ports:
  - ${port}
`;

const authn = (name: string, x509: string) => `apiVersion: ${G}/v1
kind: BrokerAuthentication
metadata:
  name: ${name}
  namespace: ${AIO}
spec:
  authenticationMethods:
  - method: X509
    ${x509}
`;

const base = `/apis/${G}/v1/namespaces/${AIO}`;

describe('kubectl against the AIO CRD schemas', () => {
  test('invalid values are refused with the API server wording (422 Invalid)', async () => {
    const enumBad = await kubectlWith(['apply'], listener('bad', '{port: 1883, protocol: Foo}'));
    expect(enumBad.code).toBe(1);
    expect(enumBad.stderr.trim()).toBe(
      'The BrokerListener "bad" is invalid: spec.ports[0].protocol: Unsupported value: "Foo": supported values: "Mqtt", "WebSockets"',
    );
    const portBad = await kubectlWith(['apply'], listener('bad', '{port: 99999}'));
    expect(portBad.code).toBe(1);
    expect(portBad.stderr.trim()).toBe(
      'The BrokerListener "bad" is invalid: spec.ports[0].port: Invalid value: 99999: spec.ports[0].port in body should be less than or equal to 65535',
    );
    const missing = await kubectlWith(['create'], listener('bad', '{protocol: Mqtt}'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      'The BrokerListener "bad" is invalid: spec.ports[0].port: Required value',
    );
    const typeBad = await kubectlWith(['apply'], listener('bad', '{port: "1883"}'));
    expect(typeBad.stderr.trim()).toBe(
      'The BrokerListener "bad" is invalid: spec.ports[0].port: Invalid value: "string": spec.ports[0].port in body must be of type integer: "string"',
    );
    expect(sb.store.get(`${G}/v1/brokerlisteners`, AIO, 'bad')).toBeUndefined();
  });

  test('a valid resource is accepted with the schema defaults applied', async () => {
    const r = await kubectlWith(['apply'], listener('lb', '{port: 1883}'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`brokerlistener.${G}/lb created\n`);
    expect(sb.store.get(`${G}/v1/brokerlisteners`, AIO, 'lb')?.spec).toEqual({
      brokerRef: 'default',
      serviceType: 'LoadBalancer',
      ports: [{ port: 1883, protocol: 'Mqtt' }],
    });
    ok(await kubectlWith(['apply'], authn('x509', 'x509Settings: {authorizationAttributes: {}}')));
    expect(sb.store.get(`${G}/v1/brokerauthentications`, AIO, 'x509')?.spec).toEqual({
      authenticationMethods: [
        { method: 'X509', x509Settings: { authorizationAttributes: {}, trustedClientCaCert: 'client-ca' } },
      ],
    });
  });

  test('unknown fields: refused with --validate=strict (the default), a warning with warn, pruned with false', async () => {
    const typo = authn('typo', 'x509Setings: {trustedClientCaCert: my-ca}');
    const strict = await kubectlWith(['apply'], typo);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(
      /^Error from server \(BadRequest\): error when creating ".*m\d+\.yaml": BrokerAuthentication in version "v1" cannot be handled as a BrokerAuthentication: strict decoding error: unknown field "spec\.authenticationMethods\[0\]\.x509Setings"\n$/,
    );
    expect(sb.store.get(`${G}/v1/brokerauthentications`, AIO, 'typo')).toBeUndefined();

    const warn = await kubectlWith(['apply', '--validate=warn'], typo);
    expect(warn.code).toBe(0);
    expect(warn.stderr).toBe('Warning: unknown field "spec.authenticationMethods[0].x509Setings"\n');
    expect(sb.store.get(`${G}/v1/brokerauthentications`, AIO, 'typo')?.spec).toEqual({
      authenticationMethods: [{ method: 'X509' }],
    });

    const ignore = await kubectlWith(
      ['create', '--validate=false'],
      typo.replace('name: typo', 'name: typo2'),
    );
    expect([ignore.code, ignore.stderr]).toEqual([0, '']);
    expect(sb.store.get(`${G}/v1/brokerauthentications`, AIO, 'typo2')?.spec).toEqual({
      authenticationMethods: [{ method: 'X509' }],
    });
  });

  test('server-side apply refuses unknown fields whatever the validation directive', async () => {
    const r = await kubectlWith(
      ['apply', '--server-side', '--validate=false'],
      authn('ssa', 'x509Setings: {trustedClientCaCert: my-ca}'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `Error from server: failed to create typed patch object (${AIO}/ssa; ${G}/v1, Kind=BrokerAuthentication): .spec.authenticationMethods[0].x509Setings: field not declared in schema`,
    );
    const good = await kubectlWith(['apply', '--server-side'], authn('ssa', 'x509Settings: {}'));
    expect([good.code, good.stderr]).toEqual([0, '']);
    expect(sb.store.get(`${G}/v1/brokerauthentications`, AIO, 'ssa')?.spec).toEqual({
      authenticationMethods: [{ method: 'X509', x509Settings: { trustedClientCaCert: 'client-ca' } }],
    });
  });

  test('patches are validated: merge patch and JSON patch', async () => {
    const bad = await kubectlWith([
      'patch',
      'brokerlistener',
      'lb',
      '-n',
      AIO,
      '--type=merge',
      '-p',
      '{"spec":{"serviceType":"Ingress"}}',
    ]);
    expect(bad.stderr.trim()).toBe(
      'The BrokerListener "lb" is invalid: spec.serviceType: Unsupported value: "Ingress": supported values: "ClusterIp", "LoadBalancer", "NodePort"',
    );
    const removed = await kubectlWith([
      'patch',
      'brokerlistener',
      'lb',
      '-n',
      AIO,
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/ports"}]',
    ]);
    expect(removed.stderr.trim()).toBe('The BrokerListener "lb" is invalid: spec.ports: Required value');
  });

  test('kubectl explain shows the fields, types and descriptions', async () => {
    const r = await kubectlWith(['explain', 'brokerlistener.spec.ports']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('KIND:       BrokerListener');
    expect(r.stdout).toContain('FIELD: ports <[]Object>');
    expect(r.stdout).toMatch(/port\t<integer> -required-\n\s+TCP port for accepting client connections\./);
    expect(r.stdout).toMatch(/protocol\t<string>\n\s+enum: Mqtt, WebSockets/);
    const x509 = await kubectlWith([
      'explain',
      'brokerauthentication.spec.authenticationMethods.x509Settings',
    ]);
    expect(x509.stdout).toMatch(
      /trustedClientCaCert\t<string>\n\s+Name of the trusted client ca cert resource\./,
    );
    expect(x509.stdout).not.toContain('provisioningState');
  });
});

describe('raw requests', () => {
  test('fieldValidation on POST, merge patch and the default (Warn)', async () => {
    const body = {
      apiVersion: `${G}/v1`,
      kind: 'BrokerAuthorization',
      metadata: { name: 'raw' },
      spec: { authorizationPolicies: { rules: [] }, extra: true },
    };
    const strict = await raw('POST', `${base}/brokerauthorizations?fieldValidation=Strict`, body);
    expect([strict.status, strict.body.reason, strict.body.message]).toEqual([
      400,
      'BadRequest',
      'BrokerAuthorization in version "v1" cannot be handled as a BrokerAuthorization: strict decoding error: unknown field "spec.extra"',
    ]);
    const created = await raw('POST', `${base}/brokerauthorizations`, body);
    expect(created.status).toBe(201);
    expect(created.warnings).toEqual(['299 - "unknown field \\"spec.extra\\""']);
    expect(created.body.spec).toEqual({ authorizationPolicies: { cache: 'Enabled', rules: [] } });

    const patched = await raw(
      'PATCH',
      `${base}/brokerauthorizations/raw?fieldValidation=Strict`,
      { spec: { authorizationPolicies: { cach: 'Disabled' } } },
      'application/merge-patch+json',
    );
    expect(patched.status).toBe(422);
    expect(patched.body.message).toMatch(
      /^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "spec\.authorizationPolicies\.cach"$/,
    );

    const invalid = await raw(
      'PATCH',
      `${base}/brokerauthorizations/raw`,
      { spec: { authorizationPolicies: { cache: 'Sometimes', rules: [{ principals: {} }] } } },
      'application/merge-patch+json',
    );
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({
      reason: 'Invalid',
      message: `BrokerAuthorization.${G} "raw" is invalid: [spec.authorizationPolicies.rules[0].brokerResources: Required value, spec.authorizationPolicies.cache: Unsupported value: "Sometimes": supported values: "Enabled", "Disabled"]`,
      details: {
        name: 'raw',
        group: G,
        kind: 'BrokerAuthorization',
        causes: [
          {
            reason: 'FieldValueRequired',
            message: 'Required value',
            field: 'spec.authorizationPolicies.rules[0].brokerResources',
          },
          {
            reason: 'FieldValueNotSupported',
            message: 'Unsupported value: "Sometimes": supported values: "Enabled", "Disabled"',
            field: 'spec.authorizationPolicies.cache',
          },
        ],
      },
    });
  });

  test('the CRDs carry the schemas, and /openapi/v3 publishes the group-version', async () => {
    const crd = sb.store.get('customresourcedefinitions', undefined, `brokerlisteners.${G}`)!;
    const versions = (
      crd.spec as { versions: Array<{ schema: { openAPIV3Schema: Record<string, unknown> } }> }
    ).versions;
    expect(JSON.stringify(versions[0]!.schema.openAPIV3Schema)).toContain('"enum":["Mqtt","WebSockets"]');
    const root = await raw('GET', '/openapi/v3', undefined);
    expect(Object.keys(root.body.paths as object)).toEqual([`apis/${G}/v1`]);
  });
});

describe('@kubernetes/client-node', () => {
  test('CustomObjectsApi writes are defaulted and validated', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const ref = { group: G, version: 'v1', namespace: AIO, plural: 'brokerlisteners' };
    const created = (await custom.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: `${G}/v1`,
        kind: 'BrokerListener',
        metadata: { name: 'cn' },
        spec: { brokerRef: 'default', ports: [{ port: 8883, tls: { mode: 'Automatic' } }] },
      },
    })) as { spec: unknown };
    expect(created.spec).toEqual({
      brokerRef: 'default',
      serviceType: 'ClusterIp',
      ports: [{ port: 8883, protocol: 'Mqtt', tls: { mode: 'Automatic' } }],
    });
    const refused = await custom
      .patchNamespacedCustomObject({
        ...ref,
        name: 'cn',
        body: [{ op: 'replace', path: '/spec/ports/0/port', value: -1 }],
      })
      .catch((e: unknown) => e);
    expect((refused as k8s.ApiException<unknown>).code).toBe(422);
    expect(JSON.parse(String((refused as k8s.ApiException<string>).body)).message).toBe(
      `BrokerListener.${G} "cn" is invalid: spec.ports[0].port: Invalid value: -1: spec.ports[0].port in body should be greater than or equal to 0`,
    );
  });
});

function ok(r: { code: number | null; stderr: string; stdout: string }): string {
  expect(r.stderr, `exit ${r.code}: ${r.stderr}`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}
