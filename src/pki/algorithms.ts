// The key algorithms the broker accepts for X.509 client chains. AIO requires one algorithm across the chain.
import type { webcrypto } from 'node:crypto';

export const KEY_ALGORITHMS = ['ec-p256', 'rsa-2048', 'rsa-3072'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

type KeyGenParams = webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams;
type SignParams = webcrypto.EcdsaParams | webcrypto.Algorithm;

export interface AlgorithmParams {
  generate: KeyGenParams;
  /** What @peculiar/x509 signs with (hash included). */
  signing: (KeyGenParams | SignParams) & { hash?: string | { name: string } };
  /** Node's KeyObject.asymmetricKeyType for keys of this algorithm. */
  nodeKeyType: 'ec' | 'rsa';
}

export function algorithmParams(alg: KeyAlgorithm): AlgorithmParams {
  switch (alg) {
    case 'ec-p256':
      return {
        generate: { name: 'ECDSA', namedCurve: 'P-256' },
        signing: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as AlgorithmParams['signing'],
        nodeKeyType: 'ec',
      };
    case 'rsa-2048':
    case 'rsa-3072': {
      const rsa = {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: alg === 'rsa-2048' ? 2048 : 3072,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      };
      return { generate: rsa, signing: rsa, nodeKeyType: 'rsa' };
    }
  }
}
