// Where the sandbox broker finds its server certificate for `tls: {mode: Automatic}` ports: as on AIO, where
// cert-manager issues it into a Secret in the AIO namespace and the broker serves what that Secret holds. Until
// something writes the Secret (aio-pki.ts: a rotation or renewal), the sandbox's own `brokerServerCert` is served.
import type { KubeSandbox } from '../kube-apiserver/index.js';

const AIO = 'azure-iot-operations';

/** The Secret (and cert-manager Certificate) of the broker's server certificate; the name is the sandbox's. */
export const AUTOMATIC_TLS_SECRET = 'aio-broker-frontend-server';

/** The server certificate and key cert-manager last wrote, when it has written one. */
export function automaticTls(kube: KubeSandbox): { cert: string; key: string } | undefined {
  const s = kube.store.get('secrets', AIO, AUTOMATIC_TLS_SECRET) as
    { data?: Record<string, string> } | undefined;
  const text = (k: string) => Buffer.from(s?.data?.[k] ?? '', 'base64').toString('utf8');
  return s?.data?.['tls.crt'] && s.data['tls.key']
    ? { cert: text('tls.crt'), key: text('tls.key') }
    : undefined;
}
