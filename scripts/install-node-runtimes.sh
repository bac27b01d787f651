#!/usr/bin/env bash
# Installs the Node.js runtimes the CLI's entry tests run on, from the npm registry's node-linux-<arch> packages:
#   .tools/node/min  the minimum the CLI declares (package.json engines.node, e.g. >=22.19.0 -> 22.19.0)
#   .tools/node/old  a release older than that (Node 20), on which the CLI must refuse with a clear message
# The action itself runs on node24, which the `node` devDependency provides in node_modules/.bin.
# Idempotent: installs only what is missing.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OLD_VERSION="${OLD_NODE_VERSION:-20.19.5}"
log() { printf 'install-node-runtimes: %s\n' "$*"; }

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) log "no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac
range="$(sed -n 's/.*"node": *">=\([0-9][0-9.]*\)".*/\1/p' "${REPO_ROOT}/package.json" | head -n 1)"
if [ -z "$range" ]; then
  log "package.json engines.node must read \">=X.Y.Z\"" >&2
  exit 1
fi

install_runtime() { # <slot> <version>
  local dir="${REPO_ROOT}/.tools/node/$1" version="$2"
  local bin="${dir}/node_modules/node-linux-${arch}/bin/node"
  if [ -x "$bin" ] && [ "$("$bin" --version)" = "v${version}" ]; then
    log "$1: Node.js v${version} present"
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock --silent "node-linux-${arch}@${version}"
  if [ "$("$bin" --version)" != "v${version}" ]; then
    log "$1: installed node-linux-${arch}@${version} but ${bin} does not report v${version}" >&2
    exit 1
  fi
  log "$1: installed Node.js v${version} -> ${bin}"
}

install_runtime min "$range"
install_runtime old "$OLD_VERSION"
