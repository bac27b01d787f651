// Where helm publishes a release, pure: get.helm.sh/helm-v<version>-<os>-<arch>.tar.gz (a .zip on Windows), each
// archive beside a .sha256sum file ("<64 hex>  <file name>"), the binary inside at <os>-<arch>/helm.

export interface HelmPlatform {
  /** helm's names: linux, darwin, windows. */
  os: string;
  /** helm's names: amd64, arm64, 386, arm, ppc64le, s390x, riscv64. */
  arch: string;
  archive: 'tar.gz' | 'zip';
  binary: 'helm' | 'helm.exe';
}

const OS: Partial<Record<NodeJS.Platform, string>> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
/** Node's process.arch → helm's; Node says ppc64 for the little-endian POWER builds helm ships. */
const ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  ia32: '386',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** helm's build for this machine; undefined where helm publishes none. */
export function helmPlatform(platform: NodeJS.Platform, arch: string): HelmPlatform | undefined {
  const os = OS[platform];
  const a = ARCH[arch];
  if (!os || !a) return undefined;
  const windows = os === 'windows';
  return { os, arch: a, archive: windows ? 'zip' : 'tar.gz', binary: windows ? 'helm.exe' : 'helm' };
}

/** `4.1.4` or `v4.1.4` → `4.1.4`. */
export const bareVersion = (version: string): string => version.trim().replace(/^v/, '');

/** helm-v4.1.4-linux-amd64.tar.gz */
export function helmArchiveName(version: string, p: HelmPlatform): string {
  return `helm-v${bareVersion(version)}-${p.os}-${p.arch}.${p.archive}`;
}

/** The archive's URL under `base` (a mirror may add a path: https://mirror.example/helm). */
export function helmArchiveUrl(base: string, name: string): string {
  return `${base.replace(/\/+$/, '')}/${name}`;
}

/** The directory inside the archive that holds the binary. */
export const helmArchiveDir = (p: HelmPlatform): string => `${p.os}-${p.arch}`;

/**
 * The SHA-256 (lower-case hex) a .sha256sum file gives for `name`: sha256sum's "<hex>  <name>" (or "<hex> *<name>"),
 * or a bare hash; undefined when it names no hash for that file.
 */
export function parseSha256Sum(text: string, name: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]{64})(?:\s+\*?(\S+))?\s*$/.exec(line.trim());
    if (m && (m[2] === undefined || m[2] === name || m[2].endsWith(`/${name}`))) return m[1]!.toLowerCase();
  }
  return undefined;
}
