#!/usr/bin/env bash
# Runs every Belay test tier on a fresh machine: installs what it needs
# (Node 24, Debian packages, Chromium, code-server), then lint, type-check,
# build, unit tests, VSIX packaging, integration tests inside a real VS Code
# (code-server) and end-to-end tests driving it with Chromium.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source "$BELAY_ROOT/scripts/tools.sh"
cd "$BELAY_ROOT"

step() { printf '\n[belay] === %s\n' "$*" >&2; }

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

step "unit tests"
npm run --silent test:unit

step "integration tests (in code-server)"
npm run --silent test:integration

step "end-to-end tests (Chromium + code-server)"
npm run --silent test:e2e

step "all tests passed"
