// The data check-certs works on: every certificate in play as a plain record, what the checks found about how
// they fit together, and the findings. Plain data throughout, so the rules (findings.ts) are pure and the
// reports (report.ts, issue.ts) and outputs are renderings of the same records.

export type Severity = 'failure' | 'warning' | 'info';

/** Where a certificate plays its part. */
export type CertRole =
  | 'client-leaf'
  | 'client-intermediate'
  | 'client-root'
  | 'client-previous-root'
  | 'trusted-client-ca'
  | 'aio-ca'
  | 'broker-server'
  | 'litmus-client'
  | 'litmus-broker-ca';

/**
 * Whose certificate it is, which decides how it is judged: `ours` (our client PKI and our root in the trusted
 * bundle) against warn-days and fail-days; `aio` (the AIO CA) the same, since its rotation makes every client's
 * trust file stale; `auto` (the broker's server certificates, renewed by cert-manager 240 h before expiry)
 * against that schedule; `other` (roots others put in the trusted bundle) reported, at most as a warning;
 * `retiring` (our previous root, kept trusted until it expires) only listed.
 */
export type Ownership = 'ours' | 'aio' | 'auto' | 'other' | 'retiring';

export interface CertificateRecord {
  role: CertRole;
  ownership: Ownership;
  /** e.g. "Secret litmus-edge/litmusedge-mqtt-client key tls.crt (certificate 1)". */
  where: string;
  subject: string;
  issuer: string;
  serial: string;
  /** Upper-case, colon-separated, as openssl prints it. */
  sha256: string;
  notBefore: string;
  notAfter: string;
  /** Whole days left at the time of the check (negative once expired). */
  daysLeft: number;
  isCa: boolean;
  keyType?: string;
}

export interface CertManagerStatus {
  name: string;
  namespace: string;
  secretName?: string;
  notAfter?: string;
  renewalTime?: string;
  ready?: boolean;
  reason?: string;
  message?: string;
}

/** How a part of the check went that is not one certificate. */
export type PartStatus = { ok: true } | { ok: false; problem: string };

export interface CheckState {
  certificates: CertificateRecord[];
  /** Things that could not be read or do not parse: `where` and why. */
  unreadable: Array<{ where: string; problem: string }>;
  /** The client Secret: missing, or its chain leaf -> intermediate -> root. */
  /** `unread`: reading failed (see `errors`), so its absence says nothing. */
  clientChain:
    { present: false; where: string; unread?: boolean } | ({ present: true; where: string } & PartStatus);
  /** Our root in the trusted-client-CA bundle the broker checks clients against. */
  trustedCa: { where: string; state: 'published' | 'missing' | 'absent-bundle' | 'no-root' | 'unread' };
  /** The AIO CA bundle's fingerprints, and the AIO CA last propagated (as certs recorded it on the client Secret). */
  aioCa: { where: string; fingerprints: string[]; propagated?: string; unread?: boolean };
  /** The live TLS handshake with the broker's X.509 port. */
  server: { via: string } & ({ reached: false; problem: string } | ({ reached: true } & PartStatus));
  /** cert-manager Certificates in the AIO namespace, or why they could not be read. */
  certManager: CertManagerStatus[] | { unreadable: string };
  litmus: { configured: false } | ({ configured: true; where: string } & LitmusChecks);
  /** Parts of the check that failed to run at all (the cluster did not answer, ...). */
  errors: string[];
}

export interface LitmusChecks {
  /** The integration holds the same leaf as our Secret (undefined: it holds none, or we have none). */
  sameLeaf?: boolean;
  /** The CA the integration trusts verifies the broker's live chain (undefined: not checked). */
  trustsServer?: boolean;
  /** Litmus Edge says the integration is disabled (it sends nothing). */
  disabled?: boolean;
  /** It trusts every CA of the AIO bundle (the AIO CA is propagated, whoever put it there). */
  holdsAioBundle?: boolean;
  /** SHA-256 of CAs it trusts beside the AIO bundle that the broker's live chain no longer needs. */
  retiredCas?: string[];
  problem?: string;
}

export type FindingKind =
  | 'expired'
  | 'expiring'
  | 'not-yet-valid'
  | 'unreadable'
  | 'client-missing'
  | 'chain-broken'
  | 'trusted-ca-differs'
  | 'server-unreachable'
  | 'server-chain-untrusted'
  | 'aio-ca-changed'
  | 'aio-ca-missing'
  | 'integration-leaf-differs'
  | 'integration-ca-stale'
  | 'integration-disabled'
  | 'integration-ca-retired'
  | 'cert-manager-not-ready'
  | 'renewal-overdue'
  | 'smoke-failed'
  | 'check-failed';

/** What `rotate: true` does about a finding; a finding without one needs a person. */
export type Remedy = 'reissue-leaf' | 'republish-trusted-ca' | 'propagate-aio-ca';

export interface Finding {
  severity: Severity;
  kind: FindingKind;
  /** What it is about: a certificate's place, or an object. */
  where: string;
  message: string;
  fix: string;
  subject?: string;
  sha256?: string;
  daysLeft?: number;
  remedy?: Remedy;
}

export interface Thresholds {
  warnDays: number;
  failDays: number;
}

export const SEVERITY_RANK: Record<Severity, number> = { failure: 0, warning: 1, info: 2 };
