// check-certs' rules, table-driven: one healthy state, one change per case, the findings it must produce.
import { describe, expect, test } from 'vitest';
import { findings, hasFailure, needsAttention } from '../../src/check-certs/findings.js';
import type { CertificateRecord, CheckState, Finding } from '../../src/check-certs/model.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();
const T = { warnDays: 28, failDays: 14 };

let serial = 0;
function cert(o: Partial<CertificateRecord> & { days?: number } = {}): CertificateRecord {
  const { days = 80, ...rest } = o;
  const n = ++serial;
  return {
    role: 'client-leaf',
    ownership: 'ours',
    where: `place ${n}`,
    subject: `CN=cert ${n}`,
    issuer: 'CN=issuer',
    serial: String(n),
    sha256: `AA:${String(n).padStart(2, '0')}`,
    notBefore: at(-30),
    notAfter: at(days + 0.5),
    daysLeft: days,
    isCa: false,
    ...rest,
  };
}

function healthy(): CheckState {
  return {
    certificates: [
      cert({ role: 'client-leaf', where: 'Secret le/client key tls.crt', subject: 'CN=aiomqttconnector' }),
      cert({ role: 'client-intermediate', isCa: true, days: 1800 }),
      cert({ role: 'client-root', isCa: true, days: 3600 }),
      cert({ role: 'aio-ca', ownership: 'aio', isCa: true, days: 300 }),
      cert({ role: 'broker-server', ownership: 'auto', days: 25 }),
    ],
    unreadable: [],
    clientChain: { present: true, where: 'Secret le/client', ok: true },
    trustedCa: { where: 'ConfigMap aio/litmusedge-ca key client_ca.pem', state: 'published' },
    aioCa: { where: 'ConfigMap aio/trust-bundle key ca.crt', fingerprints: ['AIO:1'], propagated: 'AIO:1' },
    server: { via: 'port-forward', reached: true, ok: true },
    certManager: [],
    litmus: { configured: false },
    errors: [],
  };
}

const leaf = (s: CheckState) => s.certificates[0]!;
const setDays = (r: CertificateRecord, days: number) => {
  r.daysLeft = days;
  r.notAfter = at(days + 0.5);
};

type Case = [string, (s: CheckState) => void, Array<Partial<Finding>>];

const cases: Case[] = [
  ['healthy: nothing', () => undefined, []],
  ['leaf with 29 days: nothing', (s) => setDays(leaf(s), 29), []],
  [
    'leaf with 28 days (warn-days): warning, re-issued by rotate',
    (s) => setDays(leaf(s), 28),
    [{ severity: 'warning', kind: 'expiring', remedy: 'reissue-leaf', daysLeft: 28 }],
  ],
  ['leaf with 15 days: warning', (s) => setDays(leaf(s), 15), [{ severity: 'warning', kind: 'expiring' }]],
  [
    'leaf with 14 days (fail-days): failure',
    (s) => setDays(leaf(s), 14),
    [{ severity: 'failure', kind: 'expiring', remedy: 'reissue-leaf' }],
  ],
  [
    'leaf expired: failure',
    (s) => {
      setDays(leaf(s), -2);
      leaf(s).notAfter = at(-1.5);
    },
    [{ severity: 'failure', kind: 'expired', remedy: 'reissue-leaf' }],
  ],
  [
    'leaf not yet valid: failure',
    (s) => void (leaf(s).notBefore = at(2)),
    [{ severity: 'failure', kind: 'not-yet-valid' }],
  ],
  [
    'intermediate with 10 days: failure, needs rotate-ca (no remedy)',
    (s) => setDays(s.certificates[1]!, 10),
    [{ severity: 'failure', kind: 'expiring', fix: expect.stringContaining('rotate-ca') as string }],
  ],
  [
    'AIO CA with 20 days: warning',
    (s) => setDays(s.certificates[3]!, 20),
    [{ severity: 'warning', kind: 'expiring' }],
  ],
  ['broker server with 12 days: fine (AIO renews at 10)', (s) => setDays(s.certificates[4]!, 12), []],
  [
    'broker server with 9 days: renewal overdue',
    (s) => setDays(s.certificates[4]!, 9),
    [{ severity: 'warning', kind: 'renewal-overdue' }],
  ],
  [
    'broker server with 3 days: failure',
    (s) => setDays(s.certificates[4]!, 3),
    [{ severity: 'failure', kind: 'expiring' }],
  ],
  [
    "someone else's root expiring in 5 days: warning at most",
    (s) => s.certificates.push(cert({ role: 'trusted-client-ca', ownership: 'other', isCa: true, days: 5 })),
    [{ severity: 'warning', kind: 'expiring' }],
  ],
  [
    'our previous root expired: not a finding (kept until it expires)',
    (s) =>
      s.certificates.push(
        cert({ role: 'client-previous-root', ownership: 'retiring', isCa: true, days: -1, notAfter: at(-1) }),
      ),
    [],
  ],
  [
    'client chain does not verify: failure, re-issued by rotate',
    (s) =>
      void (s.clientChain = {
        present: true,
        where: 'Secret le/client',
        ok: false,
        problem: 'not issued by the intermediate',
      }),
    [{ severity: 'failure', kind: 'chain-broken', remedy: 'reissue-leaf' }],
  ],
  [
    'client Secret missing: failure',
    (s) => void (s.clientChain = { present: false, where: 'Secret le/client' }),
    [{ severity: 'failure', kind: 'client-missing' }],
  ],
  [
    'client Secret not readable: only the error',
    (s) => {
      s.clientChain = { present: false, where: 'Secret le/client', unread: true };
      s.errors = ['get Secret le/client: forbidden (HTTP 403)'];
    },
    [{ severity: 'failure', kind: 'check-failed' }],
  ],
  [
    'published trusted CA lacks our root: failure, republished by rotate',
    (s) => void (s.trustedCa.state = 'missing'),
    [{ severity: 'failure', kind: 'trusted-ca-differs', remedy: 'republish-trusted-ca' }],
  ],
  [
    'trusted CA ConfigMap missing: failure',
    (s) => void (s.trustedCa.state = 'absent-bundle'),
    [{ severity: 'failure', kind: 'trusted-ca-differs' }],
  ],
  [
    'AIO CA replaced (the propagated one gone): failure',
    (s) => void (s.aioCa.fingerprints = ['AIO:2']),
    [{ severity: 'failure', kind: 'aio-ca-changed', remedy: 'propagate-aio-ca' }],
  ],
  [
    'AIO CA replaced, and the integration (read) already trusts it (the connector put it there): nothing to do',
    (s) => {
      s.aioCa.fingerprints = ['AIO:2'];
      s.litmus = { configured: true, where: 'Litmus Edge x', holdsAioBundle: true, trustsServer: true };
    },
    [],
  ],
  [
    'AIO CA added beside the propagated one: warning',
    (s) => void (s.aioCa.fingerprints = ['AIO:2', 'AIO:1']),
    [{ severity: 'warning', kind: 'aio-ca-changed', remedy: 'propagate-aio-ca' }],
  ],
  [
    'AIO trust bundle empty: failure; the unverifiable server chain is not a second finding',
    (s) => {
      s.aioCa.fingerprints = [];
      s.server = { via: 'port-forward', reached: true, ok: false, problem: 'not verified' };
    },
    [{ severity: 'failure', kind: 'aio-ca-missing' }],
  ],
  [
    'live server chain does not verify against the trust bundle: failure',
    (s) =>
      void (s.server = {
        via: 'port-forward',
        reached: true,
        ok: false,
        problem: 'its issuer is not in the AIO trust bundle',
      }),
    [{ severity: 'failure', kind: 'server-chain-untrusted' }],
  ],
  [
    'broker not reachable: failure',
    (s) => void (s.server = { via: 'direct 10.0.0.5:18884', reached: false, problem: 'ECONNREFUSED' }),
    [{ severity: 'failure', kind: 'server-unreachable' }],
  ],
  [
    'cert-manager Certificate not Ready and past its renewal time: two warnings',
    (s) =>
      void (s.certManager = [
        {
          name: 'aio-broker-frontend',
          namespace: 'aio',
          ready: false,
          reason: 'Issuing',
          renewalTime: at(-1),
          notAfter: at(9),
        },
      ]),
    [
      { severity: 'warning', kind: 'cert-manager-not-ready' },
      { severity: 'warning', kind: 'renewal-overdue' },
    ],
  ],
  [
    'Litmus Edge integration holds another leaf and a stale CA: two failures',
    (s) =>
      void (s.litmus = { configured: true, where: 'Litmus Edge x', sameLeaf: false, trustsServer: false }),
    [
      { severity: 'failure', kind: 'integration-leaf-differs', remedy: 'reissue-leaf' },
      { severity: 'failure', kind: 'integration-ca-stale', remedy: 'propagate-aio-ca' },
    ],
  ],
  [
    'Litmus Edge says the integration is disabled: a warning (rotate leaves it: a person may have disabled it)',
    (s) => void (s.litmus = { configured: true, where: 'Litmus Edge x', disabled: true }),
    [{ severity: 'warning', kind: 'integration-disabled' }],
  ],
  [
    'Litmus Edge still trusts a retired AIO CA beside the bundle: a warning rotate prunes',
    (s) =>
      void (s.litmus = {
        configured: true,
        where: 'Litmus Edge x',
        trustsServer: true,
        retiredCas: ['AB:CD'],
      }),
    [{ severity: 'warning', kind: 'integration-ca-retired', remedy: 'propagate-aio-ca' }],
  ],
  [
    'a certificate that does not parse: failure',
    (s) => void s.unreadable.push({ where: 'ConfigMap x key y', problem: 'bad' }),
    [{ severity: 'failure', kind: 'unreadable' }],
  ],
];

describe('check-certs findings', () => {
  test.each(cases)('%s', (_name, change, expected) => {
    const s = healthy();
    change(s);
    const found = findings(s, T, NOW);
    expect(found).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(found[i]).toMatchObject(e));
    for (const f of found) {
      expect(f.message.length).toBeGreaterThan(10);
      expect(f.fix.length).toBeGreaterThan(10);
    }
  });

  test('the same certificate in two places is one finding naming both', () => {
    const s = healthy();
    setDays(leaf(s), 5);
    s.certificates.push({
      ...leaf(s),
      role: 'litmus-client',
      where: 'Litmus Edge integration client certificate',
    });
    const found = findings(s, T, NOW);
    expect(found).toHaveLength(1);
    expect(found[0]!.where).toBe('Secret le/client key tls.crt; Litmus Edge integration client certificate');
  });

  test('failures first, then fewest days left', () => {
    const s = healthy();
    setDays(s.certificates[3]!, 20);
    setDays(leaf(s), 25);
    setDays(s.certificates[1]!, 3);
    expect(findings(s, T, NOW).map((f) => [f.severity, f.daysLeft])).toEqual([
      ['failure', 3],
      ['warning', 20],
      ['warning', 25],
    ]);
  });

  test('needsAttention and hasFailure', () => {
    const s = healthy();
    expect(needsAttention(findings(s, T, NOW))).toBe(false);
    setDays(leaf(s), 20);
    expect(needsAttention(findings(s, T, NOW))).toBe(true);
    expect(hasFailure(findings(s, T, NOW))).toBe(false);
  });
});
