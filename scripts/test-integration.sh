#!/usr/bin/env bash
# npm run test:integration: the suite of test/integration/suite runs inside a
# real VS Code extension host (code-server, driven by Chromium), with Belay
# installed from its VSIX. Installs the tools it needs; builds the VSIX when
# it is missing or stale (or uses $BELAY_VSIX). Prints "N passed, N failed".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source "$BELAY_ROOT/scripts/tools.sh"
cd "$BELAY_ROOT"
ensure_chromium
ensure_code_server
ensure_belay_vsix
exec node test/integration/run.ts
