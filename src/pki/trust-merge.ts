// The broker CA bundle to give a client when the CA it should trust changes (AIO rotates its root; trust-manager
// replaces the bundle at once, but the broker's server certificate is re-issued from the new root only at its next
// renewal, days later): the new bundle first, and beside it the CAs the client trusts now, while they are valid
// and, when the broker's live chain is known, only those that still verify it. Without the live chain nothing
// valid is dropped (it cannot tell what the broker still needs); with it, retired CAs are pruned. Pure.
import type { X509Certificate } from 'node:crypto';
import { parsePemBundle, verifyChain } from './inspect.js';

const certsOf = (pem: string | undefined) => parsePemBundle(pem).flatMap((b) => ('cert' in b ? [b] : []));

export function mergeTrust(
  bundle: string,
  current: string | undefined,
  now: Date,
  serverChain?: readonly X509Certificate[],
): string {
  const leaf = serverChain?.[0];
  const needed = (c: X509Certificate) => !leaf || verifyChain(leaf, serverChain.slice(1), [c]).ok;
  const seen = new Set<string>();
  const keep = (b: { cert: X509Certificate }, fromBundle: boolean) => {
    if (seen.has(b.cert.fingerprint256) || new Date(b.cert.validTo) <= now) return false;
    if (!fromBundle && !needed(b.cert)) return false;
    seen.add(b.cert.fingerprint256);
    return true;
  };
  const fresh = certsOf(bundle).filter((b) => keep(b, true));
  const kept = certsOf(current).filter((b) => keep(b, false));
  return [...fresh, ...kept].map((b) => b.pem).join('');
}

/** The certificates of `pem` that are not in `bundle`. */
export function extrasBeside(bundle: string, pem: string | undefined): X509Certificate[] {
  const inBundle = new Set(certsOf(bundle).map((b) => b.cert.fingerprint256));
  return certsOf(pem)
    .map((b) => b.cert)
    .filter((c) => !inBundle.has(c.fingerprint256));
}
