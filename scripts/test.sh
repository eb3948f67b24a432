#!/usr/bin/env bash
# Runs every Belay test tier on a fresh machine: installs what it needs
# (Node 24, Debian packages, Chromium, code-server), then lint, type-check,
# build, unit tests, VSIX packaging, integration tests inside a real VS Code
# (code-server) and end-to-end tests driving it with Chromium. Ends with one
# line counting the tests of every tier.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source "$BELAY_ROOT/scripts/tools.sh"
cd "$BELAY_ROOT"
# Hook servers that the tests' hook calls start exit soon after their last call.
export BELAY_HOOK_SERVER_IDLE_MINUTES="${BELAY_HOOK_SERVER_IDLE_MINUTES:-2}"

LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT
passed=0
failed=0

step() { printf '\n[belay] === %s\n' "$*" >&2; }

# Runs one test tier, showing its output and adding up its pass/fail counts
# (node:test's "ℹ pass N"/"ℹ fail N", or the integration runner's "N passed, N failed").
tier() {
  local name="$1"
  shift
  step "$name"
  local log="$LOGS/$name.log" status=0
  "$@" 2>&1 | tee "$log" || status=$?
  local p f summary
  # (grep finds nothing in some tiers: never let that end the script)
  p=$( (grep -aoE '^ℹ pass [0-9]+' "$log" || true) | awk '{s+=$3} END {print s+0}')
  f=$( (grep -aoE '^ℹ fail [0-9]+' "$log" || true) | awk '{s+=$3} END {print s+0}')
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
    summary=$( (grep -aoE '^[0-9]+ passed, [0-9]+ failed' "$log" || true) | tail -n 1)
    p=$(printf '%s\n' "$summary" | awk '{print $1+0}')
    f=$(printf '%s\n' "$summary" | awk '{print $3+0}')
  fi
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ "$status" -ne 0 ]; then
    echo "[belay] $name failed (exit $status)" >&2
    echo "tests: $passed passed, $((failed > 0 ? failed : 1)) failed"
    exit "$status"
  fi
}

step "tools"
ensure_apt_packages
ensure_chromium
ensure_code_server

step "dependencies"
npm ci --no-audit --no-fund

step "lint and type-check"
npm run --silent lint
npm run --silent typecheck

step "build and package"
npm run --silent build
npm run --silent package

tier unit npm run --silent test:unit
tier integration npm run --silent test:integration
tier e2e npm run --silent test:e2e

step "all tiers passed"
echo "tests: $passed passed, $failed failed"
