// What the integration is configured with from the cluster: the client chain (leaf + intermediate) and key from
// the client Secret certs writes, and the AIO broker's CA bundle from its trust-bundle ConfigMap. The key is
// handed to Litmus Edge in the traditional PEM form of its algorithm (EC: SEC1 "EC PRIVATE KEY", which the
// Jumpstart shows Litmus Edge accepting; RSA: PKCS#1), and registered as a secret at once.
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import type { KubeClient } from '../../kube/kube-client.js';
import { describeRef } from '../../kube/kube-client.js';
import type { ConfigMapLike } from '../../kube/kube-objects.js';
import { readBrokerCa } from '../certs/broker-ca.js';
import { KEYS, secretText, type SecretObject } from '../certs/secret-layout.js';
import type { ConnectorSettings } from './settings.js';

export interface Material {
  chain: string;
  key: string;
  brokerCa: string;
  keySha256: string;
}

export type MaterialRead =
  | { ok: true; material: Material }
  /** The client Secret is missing (certs can create it); the broker CA was read. */
  | { ok: false; problem: string; brokerCa: string };

export function traditionalKeyPem(pem: string): string {
  const k = createPrivateKey(pem);
  const type = k.asymmetricKeyType === 'ec' ? 'sec1' : k.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'pkcs8';
  return k.export({ type, format: 'pem' }).toString();
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

export async function readMaterial(
  kube: KubeClient,
  s: ConnectorSettings,
  mask: (secret: string) => void,
): Promise<MaterialRead> {
  const [secret, cm] = await Promise.all([
    kube.get<SecretObject>(s.clientSecret),
    kube.get<ConfigMapLike>(s.brokerCa),
  ]);
  const ca = readBrokerCa(
    cm?.data?.[s.brokerCaKey],
    `${describeRef(s.brokerCa)} key ${s.brokerCaKey}`,
    s.brokerCa.namespace ?? '',
  );
  // Without the broker's CA the integration could not verify the broker: no run of certs changes that.
  if (ca.kind !== 'ok') throw new Error(`connector: ${ca.problem}`);
  const d = secretText(secret);
  const chain = d[KEYS.chain];
  const rawKey = d[KEYS.leafKey];
  if (rawKey) mask(rawKey);
  if (!chain || !rawKey)
    return {
      ok: false,
      brokerCa: ca.pem,
      problem: `${describeRef(s.clientSecret)} has no client certificate (tls.crt/tls.key): run the certs stage first, or set namespace/client-cert-secret`,
    };
  const key = traditionalKeyPem(rawKey);
  mask(key);
  return { ok: true, material: { chain, key, brokerCa: ca.pem, keySha256: sha256Hex(key) } };
}

/** "CN=aiomqttconnector, SHA-256 AB:CD:EF:01… (+1 more)": a PEM bundle as a plan shows it. */
export function summarizePem(pem: string): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return pem.length <= 60 ? pem : `(${pem.length} characters, not a certificate)`;
  try {
    const c = new X509Certificate(blocks[0]!);
    const cn = /CN=([^\n,]+)/.exec(c.subject)?.[1] ?? c.subject.replace(/\n/g, ', ');
    const more = blocks.length > 1 ? ` (+${blocks.length - 1} more)` : '';
    return `CN=${cn}, SHA-256 ${c.fingerprint256.slice(0, 23)}…${more}`;
  } catch {
    return `(${blocks.length} certificate block(s) that do not parse)`;
  }
}
