// ACR's data plane with the job's Azure identity: the Entra token for Resource Manager is traded for an ACR refresh
// token (`POST https://<loginServer>/oauth2/exchange`), which is then a registry password for the fixed user
// 00000000-0000-0000-0000-000000000000 (what `az acr login` does): the registry's own Bearer flow
// (src/registry/auth.ts basicAuth) turns it into repository-scoped access tokens.
import { basicAuth } from '../registry/auth.js';
import type { RegistryAuth } from '../registry/auth.js';
import type { AzureAccess } from './azure-access.js';
import { AcrError } from './acr-importer.js';

/** The user name ACR expects with a refresh token as the password. */
export const ACR_REFRESH_TOKEN_USER = '00000000-0000-0000-0000-000000000000';

/** The Entra token ACR's /oauth2/exchange accepts: one for Resource Manager, from the same credential. */
async function armToken(az: AzureAccess): Promise<string> {
  const t = await az.credential.getToken(az.clientOptions.credentialScopes);
  if (!t) throw new AcrError(`${az.describe} returned no access token for Resource Manager`, undefined);
  return t.token;
}

/**
 * Trades the Entra token for an ACR refresh token. `loginServer` is `<name>.azurecr.io` (host[:port] in tests);
 * `f` carries the TLS trust in tests.
 */
export async function exchangeAcrRefreshToken(
  az: AzureAccess,
  loginServer: string,
  f: typeof fetch = fetch,
): Promise<string> {
  const res = await f(`https://${loginServer}/oauth2/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'access_token',
      service: loginServer,
      access_token: await armToken(az),
    }),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new AcrError(
      `${loginServer} refused to exchange the Entra token of ${az.describe} for a registry token (HTTP ${res.status}: ${text.slice(0, 300)})`,
      res.status === 401 || res.status === 403
        ? 'give the identity AcrPull (to read) or AcrPush on the registry, and check that the registry accepts Entra tokens (its authentication-as-arm policy)'
        : undefined,
    );
  }
  let token: unknown;
  try {
    token = (JSON.parse(text) as { refresh_token?: unknown }).refresh_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || !token) {
    throw new AcrError(
      `${loginServer}/oauth2/exchange answered without a refresh_token`,
      'check the registry host: it does not look like ACR',
    );
  }
  return token;
}

/** RegistryAuth for an ACR login server, signed in as the job's Azure identity; re-exchanges after a 401. */
export function acrRegistryAuth(az: AzureAccess, loginServer: string, f: typeof fetch = fetch): RegistryAuth {
  let inner: Promise<RegistryAuth> | undefined;
  const signIn = (): Promise<RegistryAuth> => {
    const p = exchangeAcrRefreshToken(az, loginServer, f).then((rt) => basicAuth(ACR_REFRESH_TOKEN_USER, rt));
    p.catch(() => {
      if (inner === p) inner = undefined;
    });
    return p;
  };
  return {
    describe: `${az.describe} (ACR token exchange)`,
    async authorization(challenge, scopes, o) {
      if (o.fresh || !inner) inner = signIn();
      return (await inner).authorization(challenge, scopes, o);
    },
  };
}
