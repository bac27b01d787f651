#!/usr/bin/env bash
# One command from a fresh clone to a working checkout: the test peers and tools, then the npm packages.
# Run as root on Debian/Ubuntu (or with sudo): `bash scripts/setup.sh` (or `npm run setup`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-test-tools.sh
bash scripts/install-node-runtimes.sh
npm ci --no-audit --no-fund
echo "setup: done. Next: npm test (the test suite) or npm run demo (the sandbox demo)."
