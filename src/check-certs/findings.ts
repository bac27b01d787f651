// The rules: what in a CheckState needs attention, how badly, and what fixes it. Pure: state, thresholds and
// `now` in, findings out (sorted: failures first, then fewest days left).
import type {
  CertificateRecord,
  CheckState,
  Finding,
  FindingKind,
  Remedy,
  Severity,
  Thresholds,
} from './model.js';
import { SEVERITY_RANK } from './model.js';

/** AIO renews the broker's server certificates 240 h (10 days) before they expire (DESIGN: 720 h, renewed at 480 h). */
export const AUTO_RENEW_DAYS = 10;
/** An auto-renewed certificate this close to expiry fails the check, whatever fail-days says. */
export const AUTO_FAIL_DAYS = 3;
/** cert-manager gets this long past its renewalTime before the renewal counts as overdue. */
const RENEWAL_GRACE_MS = 3_600_000;

const ROLE_WORDS: Record<CertificateRecord['role'], string> = {
  'client-leaf': 'client certificate',
  'client-intermediate': 'intermediate CA',
  'client-root': 'client root CA',
  'client-previous-root': 'previous client root CA',
  'trusted-client-ca': 'trusted client CA',
  'aio-ca': 'AIO CA',
  'broker-server': 'broker server certificate',
  'litmus-client': 'Litmus Edge client certificate',
  'litmus-broker-ca': "Litmus Edge's broker CA",
};

const FIX = {
  leaf: 'rotate: true re-issues it (or run the certs stage with renew-before-days above its days left)',
  ca: 'replace the client CA with the certs stage and rotate-ca (e.g. rotate-ca: <year-month>); the broker trusts the new root beside the old one until it expires',
  aio: 'AIO rotates its CA itself (cert-manager, about yearly); once it has, propagate the new CA to Litmus Edge (rotate: true with the integration configured) so clients keep trusting the broker',
  server:
    'AIO renews it through cert-manager: check its Certificate and issuer in aio-namespace (kubectl describe certificate -n azure-iot-operations)',
  other: 'ask whoever added it to the trusted client CA bundle to renew or remove it',
} as const;

function certFix(r: CertificateRecord): { fix: string; remedy?: Remedy } {
  if (r.role === 'client-leaf' || (r.role === 'litmus-client' && !r.isCa))
    return { fix: FIX.leaf, remedy: 'reissue-leaf' };
  if (r.ownership === 'ours') return { fix: FIX.ca };
  if (r.ownership === 'auto') return { fix: FIX.server };
  if (r.ownership === 'aio') return { fix: FIX.aio };
  return { fix: FIX.other };
}

/** The verdict on one certificate's dates, or undefined when they are fine. */
function judgeDates(
  r: CertificateRecord,
  t: Thresholds,
  now: Date,
): { severity: Severity; kind: FindingKind; why: string } | undefined {
  const cap = (s: Severity): Severity => (r.ownership === 'other' && s === 'failure' ? 'warning' : s);
  const day = r.notAfter.slice(0, 10);
  if (new Date(r.notBefore) > now) {
    return { severity: cap('failure'), kind: 'not-yet-valid', why: `is not valid until ${r.notBefore}` };
  }
  if (new Date(r.notAfter) <= now)
    return { severity: cap('failure'), kind: 'expired', why: `expired on ${day}` };
  const left = `expires in ${r.daysLeft} day(s), on ${day}`;
  if (r.ownership === 'auto') {
    if (r.daysLeft <= Math.min(t.failDays, AUTO_FAIL_DAYS))
      return { severity: 'failure', kind: 'expiring', why: left };
    if (r.daysLeft < AUTO_RENEW_DAYS) {
      return {
        severity: 'warning',
        kind: 'renewal-overdue',
        why: `${left}: AIO renews it ${AUTO_RENEW_DAYS} days before expiry, so its renewal is overdue`,
      };
    }
    return undefined;
  }
  if (r.daysLeft <= t.failDays)
    return { severity: cap('failure'), kind: 'expiring', why: `${left} (fail-days ${t.failDays})` };
  if (r.daysLeft <= t.warnDays)
    return { severity: 'warning', kind: 'expiring', why: `${left} (warn-days ${t.warnDays})` };
  return undefined;
}

function certificateFindings(st: CheckState, t: Thresholds, now: Date): Finding[] {
  const out: Finding[] = [];
  for (const r of st.certificates) {
    if (r.ownership === 'retiring') continue;
    const v = judgeDates(r, t, now);
    if (!v) continue;
    out.push({
      severity: v.severity,
      kind: v.kind,
      where: r.where,
      message: `${ROLE_WORDS[r.role]} '${r.subject}' ${v.why}`,
      subject: r.subject,
      sha256: r.sha256,
      daysLeft: r.daysLeft,
      ...certFix(r),
    });
  }
  return out;
}

const finding = (
  severity: Severity,
  kind: FindingKind,
  where: string,
  message: string,
  fix: string,
  remedy?: Remedy,
): Finding => ({ severity, kind, where, message, fix, ...(remedy ? { remedy } : {}) });

function clientFindings(st: CheckState): Finding[] {
  const c = st.clientChain;
  if (!c.present) {
    if (c.unread) return [];
    return [
      finding(
        'failure',
        'client-missing',
        c.where,
        `${c.where} does not exist: Litmus Edge has no client certificate for the broker`,
        'run the certs stage (command: run, stages: certs) to create the client PKI',
        'reissue-leaf',
      ),
    ];
  }
  if (c.ok) return [];
  return [
    finding(
      'failure',
      'chain-broken',
      c.where,
      `the client chain in ${c.where} does not verify: ${c.problem}`,
      'rotate: true re-issues the client certificate from the current intermediate CA (if the CA itself is broken, run certs with rotate-ca)',
      'reissue-leaf',
    ),
  ];
}

function trustFindings(st: CheckState): Finding[] {
  const out: Finding[] = [];
  const { trustedCa: tc, aioCa: aio } = st;
  if (tc.state === 'missing' || tc.state === 'absent-bundle') {
    const why =
      tc.state === 'missing' ? `${tc.where} does not hold our client root CA` : `${tc.where} does not exist`;
    out.push(
      finding(
        'failure',
        'trusted-ca-differs',
        tc.where,
        `${why}: the broker refuses Litmus Edge's client certificate`,
        'rotate: true (or the certs stage) republishes the root',
        'republish-trusted-ca',
      ),
    );
  }
  if (!aio.unread && aio.fingerprints.length === 0) {
    out.push(
      finding(
        'failure',
        'aio-ca-missing',
        aio.where,
        `${aio.where} holds no CA certificate: the broker cannot be verified`,
        'check the AIO installation (trust-manager writes it), or set broker-ca-configmap/broker-ca-key',
      ),
    );
  } else if (aio.propagated && aio.fingerprints[0] !== aio.propagated && !integrationHoldsAio(st)) {
    const gone = !aio.fingerprints.includes(aio.propagated);
    out.push(
      finding(
        gone ? 'failure' : 'warning',
        'aio-ca-changed',
        aio.where,
        gone
          ? `the AIO CA changed: ${aio.where} no longer holds ${aio.propagated}, the CA last propagated to Litmus Edge, but ${aio.fingerprints[0]}: Litmus Edge's broker trust file is stale`
          : `AIO added a CA (${aio.fingerprints[0]}) beside ${aio.propagated}, the one last propagated to Litmus Edge: propagate it before the broker's server certificate is issued by it`,
        'rotate: true propagates it when the Litmus Edge integration is configured; otherwise paste the new AIO CA into the integration, then run the certs stage to record it',
        'propagate-aio-ca',
      ),
    );
  }
  return out;
}

function serverFindings(st: CheckState): Finding[] {
  const s = st.server;
  const where = `broker live chain via ${s.via}`;
  if (!s.reached) {
    return [
      finding(
        'failure',
        'server-unreachable',
        where,
        `no TLS handshake with the broker via ${s.via}: ${s.problem}`,
        'check broker-service, broker-port (the X.509 port authpolicy adds) or smoke-broker-address, and the broker pods',
      ),
    ];
  }
  if (s.ok || st.aioCa.fingerprints.length === 0) return [];
  return [
    finding(
      'failure',
      'server-chain-untrusted',
      where,
      `the broker's live server chain does not verify against the AIO trust bundle: ${s.problem}`,
      "clients that trust the AIO CA (Litmus Edge) cannot connect: wait for AIO's trust-manager to publish the CA that issued the server certificate, or check tls-server-name",
    ),
  ];
}

function certManagerFindings(st: CheckState, t: Thresholds, now: Date): Finding[] {
  if (!Array.isArray(st.certManager)) return [];
  const out: Finding[] = [];
  for (const c of st.certManager) {
    const where = `Certificate ${c.namespace}/${c.name}`;
    if (c.ready === false) {
      out.push(
        finding(
          'warning',
          'cert-manager-not-ready',
          where,
          `${where} is not Ready${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`,
          `kubectl describe certificate -n ${c.namespace} ${c.name}`,
        ),
      );
    }
    if (c.renewalTime && new Date(c.renewalTime).getTime() + RENEWAL_GRACE_MS < now.getTime()) {
      out.push(
        finding(
          'warning',
          'renewal-overdue',
          where,
          `${where} was due for renewal at ${c.renewalTime} and has not been renewed`,
          `kubectl describe certificate -n ${c.namespace} ${c.name} (and the cert-manager logs)`,
        ),
      );
    }
    const left = c.notAfter
      ? Math.floor((new Date(c.notAfter).getTime() - now.getTime()) / 86_400_000)
      : undefined;
    if (left !== undefined && left <= Math.min(t.failDays, AUTO_FAIL_DAYS)) {
      out.push({
        ...finding(
          'failure',
          left < 0 ? 'expired' : 'expiring',
          where,
          `${where} ${left < 0 ? 'expired' : `expires in ${left} day(s)`} (${c.notAfter})`,
          FIX.server,
        ),
        daysLeft: left,
      });
    }
  }
  return out;
}

/** What the integration holds is the truth when it was read: it trusts every CA of the AIO bundle already. */
const integrationHoldsAio = (st: CheckState): boolean => st.litmus.configured && !!st.litmus.holdsAioBundle;

function litmusFindings(st: CheckState): Finding[] {
  const l = st.litmus;
  if (!l.configured) return [];
  const out: Finding[] = [];
  if (l.problem) {
    out.push(
      finding(
        'failure',
        'check-failed',
        l.where,
        `${l.where} could not be read: ${l.problem}`,
        'check the Litmus Edge API settings and that the connector stage created the integration',
      ),
    );
  }
  if (l.sameLeaf === false) {
    out.push(
      finding(
        'failure',
        'integration-leaf-differs',
        l.where,
        `${l.where} holds another client certificate than ${st.clientChain.where}`,
        'rotate: true (or the connector stage) puts the current client certificate into the integration',
        'reissue-leaf',
      ),
    );
  }
  if (l.disabled) {
    out.push(
      finding(
        'warning',
        'integration-disabled',
        l.where,
        `${l.where} is disabled: Litmus Edge sends nothing to the broker`,
        'enable it in the Litmus Edge portal, or run the connector stage (it enables the integration it configures)',
      ),
    );
  }
  if (l.retiredCas && l.trustsServer !== false) {
    out.push(
      finding(
        'warning',
        'integration-ca-retired',
        l.where,
        `${l.where} still trusts ${l.retiredCas.join(', ')} beside the AIO CA, which the broker's server certificate no longer comes from`,
        'rotate: true leaves only the CAs the broker needs (the AIO bundle)',
        'propagate-aio-ca',
      ),
    );
  }
  if (l.trustsServer === false) {
    out.push(
      finding(
        'failure',
        'integration-ca-stale',
        l.where,
        `the broker CA in ${l.where} does not verify the broker's live server chain: Litmus Edge cannot connect`,
        'rotate: true propagates the AIO CA to the integration',
        'propagate-aio-ca',
      ),
    );
  }
  return out;
}

/** One finding per certificate and kind, however many places hold it (their places listed together). */
function merged(list: Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const f of list) {
    const key = f.sha256 ? `${f.kind}|${f.sha256}` : `${f.kind}|${f.where}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, f);
    else {
      if (!seen.where.split('; ').includes(f.where)) seen.where = `${seen.where}; ${f.where}`;
      if (SEVERITY_RANK[f.severity] < SEVERITY_RANK[seen.severity]) seen.severity = f.severity;
      if (!seen.remedy && f.remedy) seen.remedy = f.remedy;
    }
  }
  return [...byKey.values()];
}

export function findings(st: CheckState, t: Thresholds, now: Date): Finding[] {
  const all = merged([
    ...st.errors.map((e) =>
      finding(
        'failure',
        'check-failed',
        'cluster',
        `could not check: ${e}`,
        'fix the access (the message says how) and run again',
      ),
    ),
    ...st.unreadable.map((u) =>
      finding(
        'failure',
        'unreadable',
        u.where,
        `${u.where}: ${u.problem}`,
        'restore it (run the certs stage for our own objects)',
      ),
    ),
    ...clientFindings(st),
    ...trustFindings(st),
    ...serverFindings(st),
    ...certificateFindings(st, t, now),
    ...certManagerFindings(st, t, now),
    ...litmusFindings(st),
  ]);
  return all.sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      (a.daysLeft ?? Number.MAX_SAFE_INTEGER) - (b.daysLeft ?? Number.MAX_SAFE_INTEGER),
  );
}

/** Something needs a person (or rotate): any warning or failure. */
export const needsAttention = (f: readonly Finding[]): boolean => f.some((x) => x.severity !== 'info');
export const hasFailure = (f: readonly Finding[]): boolean => f.some((x) => x.severity === 'failure');
