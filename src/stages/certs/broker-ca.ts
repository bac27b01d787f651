// The AIO broker's own CA, as read from its trust-bundle ConfigMap: only a bundle whose every block parses as a
// CA certificate is recorded. Anything else is a problem of that step alone (named with the object and the
// fix), so it never blocks the rest of the certs plan. Pure.
import { X509Certificate } from 'node:crypto';

export type BrokerCa =
  | { kind: 'ok'; pem: string; sha256: string }
  | { kind: 'missing'; problem: string }
  | { kind: 'invalid'; problem: string };

const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** `where`: e.g. "ConfigMap azure-iot-operations/x key ca.crt". */
export function readBrokerCa(pem: string | undefined, where: string, aioNamespace: string): BrokerCa {
  const consequence =
    "the connector and smoke stages cannot verify the broker, and the broker CA's fingerprint is not recorded";
  if (!pem) {
    return {
      kind: 'missing',
      problem: `${where} is missing: ${consequence}. Is Azure IoT Operations installed in '${aioNamespace}'? Fix: install it, or set broker-ca-configmap/broker-ca-key`,
    };
  }
  const blocks = pem.match(BLOCK) ?? [];
  const fix = `Fix: restore it (AIO's trust-manager writes it), or set broker-ca-configmap/broker-ca-key to the bundle that holds the broker's CA`;
  if (blocks.length === 0) {
    return {
      kind: 'invalid',
      problem: `${where} is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" block): ${consequence}. ${fix}`,
    };
  }
  let first: X509Certificate | undefined;
  for (const [i, block] of blocks.entries()) {
    let c: X509Certificate;
    try {
      c = new X509Certificate(block);
    } catch (e) {
      return {
        kind: 'invalid',
        problem: `${where}: certificate ${i + 1} of ${blocks.length} is not a PEM certificate (${(e as Error).message}): ${consequence}. ${fix}`,
      };
    }
    if (!c.ca) {
      return {
        kind: 'invalid',
        problem: `${where}: certificate ${i + 1} ('${c.subject.replace(/\n/g, ', ')}') is not a CA certificate (no CA basic constraint): ${consequence}. ${fix}`,
      };
    }
    first ??= c;
  }
  return { kind: 'ok', pem, sha256: first!.fingerprint256 };
}
