#!/usr/bin/env bash
# npm run test:e2e: Chromium drives a real VS Code (code-server) with Belay
# installed from its VSIX, as a person would; screenshots land in
# test-results/screenshots. Installs the tools it needs; builds the VSIX when
# it is missing or stale (or uses $BELAY_VSIX). Arguments: test files to run
# (default: all of test/e2e). Files run one at a time: each starts its own
# code-server and browser.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source "$BELAY_ROOT/scripts/tools.sh"
cd "$BELAY_ROOT"
ensure_chromium
ensure_code_server
ensure_belay_vsix
if [ $# -eq 0 ]; then
  set -- test/e2e/*.test.ts
fi
exec node --test --test-concurrency=1 "$@"
