// The trusted-client-CA bundle is shared state: every Litmus Edge namespace this tool manages publishes its root
// in the same ConfigMap key, and other tools or people may have put roots there too. Each root this tool manages
// is claimed in an annotation with its owner (`<namespace>/<ca-secret>`) and expiry; a run adds and removes only
// its own roots and never drops a certificate no claim names. Pure: no I/O.
import { X509Certificate } from 'node:crypto';

export const ROOTS_ANNOTATION = 'litmus-aio.io/roots';

export interface RootClaim {
  owner: string;
  notAfter: string;
}

export interface TrustBundle {
  /** PEM blocks in order, verbatim (each ends with a newline). */
  blocks: string[];
  /** By SHA-256 fingerprint (lower-case hex, no colons). */
  claims: Record<string, RootClaim>;
}

const terminated = (pem: string): string => (pem.endsWith('\n') ? pem : `${pem}\n`);

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** Lower-case hex SHA-256 of the certificate, or undefined when the block is not one. */
export function fingerprintOf(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
  } catch {
    return undefined;
  }
}

/** The bundle as stored; a claims annotation that is not valid JSON is a problem, not an empty claim list. */
export function parseTrustBundle(
  text: string | undefined,
  annotation: string | undefined,
  where: string,
): { bundle: TrustBundle } | { problem: string } {
  const blocks = (text?.match(PEM_BLOCK) ?? []).map((b) => `${b}\n`);
  if (annotation === undefined) return { bundle: { blocks, claims: {} } };
  try {
    const parsed = JSON.parse(annotation) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    const claims: Record<string, RootClaim> = {};
    for (const [fp, c] of Object.entries(parsed as Record<string, Partial<RootClaim>>)) {
      if (typeof c?.owner !== 'string') throw new Error(`entry ${fp} has no owner`);
      claims[fp] = { owner: c.owner, notAfter: String(c.notAfter ?? '') };
    }
    return { bundle: { blocks, claims } };
  } catch (e) {
    return {
      problem: `${where} annotation ${ROOTS_ANNOTATION} is not a JSON map of {"<sha256>": {"owner", "notAfter"}} (${(e as Error).message}). Fix: correct it, or remove the annotation (every root in the bundle is then kept as not managed by this tool)`,
    };
  }
}

const notAfterOf = (pem: string): string => new Date(new X509Certificate(pem).validTo).toISOString();

/**
 * The bundle with `owner`'s roots set to `mine` (in that order), everything else kept in place. `known`: roots
 * the owner's own state names (current and previous): unclaimed copies of them (published before claims
 * existed) are adopted. The owner's new roots go where its first existing root was, else at the end.
 */
export function withOwnRoots(
  current: TrustBundle,
  owner: string,
  ownRoots: string[],
  known: string[],
): TrustBundle {
  const mine = ownRoots.map(terminated);
  const mineFps = mine.map((p) => fingerprintOf(p)!);
  const knownFps = new Set([...mineFps, ...known.map(fingerprintOf).filter((f) => f !== undefined)]);
  const isMine = (fp: string | undefined): boolean =>
    fp !== undefined && (current.claims[fp]?.owner === owner || (!current.claims[fp] && knownFps.has(fp)));
  const present = new Set(current.blocks.map(fingerprintOf));
  const added = mine.filter((_, i) => !present.has(mineFps[i]));
  const blocks: string[] = [];
  const seen = new Set<string>();
  let inserted = false;
  for (const block of current.blocks) {
    const fp = fingerprintOf(block);
    if (fp !== undefined && seen.has(fp)) continue;
    if (fp !== undefined) seen.add(fp);
    if (isMine(fp)) {
      if (!inserted) blocks.push(...added);
      inserted = true;
      if (!mineFps.includes(fp!)) continue;
    }
    blocks.push(block);
  }
  if (!inserted) blocks.push(...added);
  const claims: Record<string, RootClaim> = {};
  for (const [fp, c] of Object.entries(current.claims)) if (c.owner !== owner) claims[fp] = c;
  mine.forEach((pem, i) => {
    if (!current.claims[mineFps[i]!] || current.claims[mineFps[i]!]!.owner === owner) {
      claims[mineFps[i]!] = { owner, notAfter: notAfterOf(pem) };
    }
  });
  return { blocks, claims };
}

export const bundleText = (b: TrustBundle): string => b.blocks.join('');

/** The annotation value: keys sorted, so the same claims always serialise the same. */
export const claimsAnnotation = (b: TrustBundle): string =>
  JSON.stringify(Object.fromEntries(Object.entries(b.claims).sort(([a], [c]) => a.localeCompare(c))));
