// Image references as the distribution reference grammar writes them: `host[:port]/repository[:tag][@sha256:...]`.
// Pure: no I/O. docker.io short names (`alpine`, `user/app`) get the `library/` prefix Docker Hub uses.
import type { ImageRef } from './types.js';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** True for `sha256:<64 hex>` (or sha512), lower-case hex. */
export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

function isHost(h: string): boolean {
  if (/^\[[0-9a-fA-F:.]+\](?::\d{1,5})?$/.test(h)) return true; // [IPv6]:port
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(h);
  if (!m?.[1]) return false;
  if (m[2] !== undefined && Number(m[2]) > 65535) return false;
  return m[1].split('.').every((l) => HOST_LABEL.test(l));
}

/** The first path component names a registry when it has a dot or a port, or is `localhost` (Docker's rule). */
function looksLikeHost(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[');
}

/** `host[:port]/repo[:tag][@digest]` → ImageRef; undefined when the text is not a valid reference. */
export function parseImageRef(s: string): ImageRef | undefined {
  if (s.length === 0 || s.length > 1024 || /\s/.test(s) || s.includes('://')) return undefined;
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const slash = rest.indexOf('/');
  let registry = 'docker.io';
  let repository = rest;
  if (slash > 0 && looksLikeHost(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
    if (!isHost(registry)) return undefined;
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io';
  if (repository.length === 0 || repository.length > 255) return undefined;
  if (!repository.split('/').every((c) => COMPONENT.test(c))) return undefined;
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  return {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** `host/repo:tag@digest`, as written for messages. */
export function formatImageRef(r: ImageRef): string {
  return `${r.registry}/${r.repository}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** The base URL of a registry's API: https://<host>, with docker.io mapped to registry-1.docker.io. */
export function registryBaseUrl(registry: string): URL {
  return new URL(`https://${registry === 'docker.io' ? 'registry-1.docker.io' : registry}`);
}
