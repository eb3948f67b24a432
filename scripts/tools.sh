# Sourced after env.sh by the scripts that need a real VS Code: installs what
# a fresh machine of this kind lacks, and is quiet when everything is there.
#   ensure_apt_packages [PKG...]  Debian packages (default: the headers and
#                                 tools code-server's native modules build with)
#   ensure_chromium               Debian Chromium -> $BELAY_CHROMIUM
#   ensure_code_server            code-server $BELAY_CODE_SERVER_VERSION under
#                                 $BELAY_TOOLS/code-server -> $BELAY_CODE_SERVER
# Sets no shell options of its own (the calling script does).

BELAY_CODE_SERVER_VERSION="${BELAY_CODE_SERVER_VERSION:-4.139.1}"
BELAY_CODE_SERVER_PREFIX="$BELAY_TOOLS/code-server"
BELAY_CODE_SERVER_DIR="$BELAY_CODE_SERVER_PREFIX/node_modules/code-server"
export BELAY_CODE_SERVER_VERSION BELAY_CODE_SERVER_DIR
export BELAY_CODE_SERVER="$BELAY_CODE_SERVER_DIR/out/node/entry.js"
export BELAY_CHROMIUM="${BELAY_CHROMIUM:-/usr/bin/chromium}"

# Build headers for code-server's native modules (kerberos, native-keymap,
# spdlog, ...) and the compiler toolchain node-gyp needs.
BELAY_BUILD_PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev python3 make g++ pkg-config git)

# Native modules code-server cannot start without; they are compiled by its
# postinstall step, so their absence means the install scripts did not run.
BELAY_CODE_SERVER_NATIVE=(
  lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node
  lib/vscode/node_modules/@vscode/sqlite3/build/Release/vscode-sqlite3.node
  lib/vscode/node_modules/@vscode/native-watchdog/build/Release/watchdog.node
  lib/vscode/node_modules/kerberos/build/Release/kerberos.node
)

_belay_apt_updated=""

_belay_dpkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

ensure_apt_packages() {
  local pkgs=("$@") missing=() p
  [ ${#pkgs[@]} -gt 0 ] || pkgs=("${BELAY_BUILD_PACKAGES[@]}")
  for p in "${pkgs[@]}"; do
    _belay_dpkg_installed "$p" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    belay_log "missing Debian packages: ${missing[*]} (no apt-get here: install them by hand)"
    return 1
  fi
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  belay_log "installing Debian packages: ${missing[*]}"
  if [ -z "$_belay_apt_updated" ]; then
    $sudo apt-get update -qq >/dev/null
    _belay_apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_chromium() {
  if [ ! -x "$BELAY_CHROMIUM" ]; then
    ensure_apt_packages chromium
  fi
  if [ ! -x "$BELAY_CHROMIUM" ]; then
    belay_log "Chromium not found at $BELAY_CHROMIUM after installing the Debian package"
    return 1
  fi
}

_belay_code_server_ok() {
  local f
  [ -f "$BELAY_CODE_SERVER_DIR/package.json" ] || return 1
  [ "$(node -p "require('$BELAY_CODE_SERVER_DIR/package.json').version")" = "$BELAY_CODE_SERVER_VERSION" ] || return 1
  for f in "${BELAY_CODE_SERVER_NATIVE[@]}"; do
    [ -f "$BELAY_CODE_SERVER_DIR/$f" ] || return 1
  done
}

ensure_code_server() {
  local stamp="$BELAY_CODE_SERVER_PREFIX/.installed-$BELAY_CODE_SERVER_VERSION-node$(node -p 'process.versions.modules')"
  # The stamp is written only after the native modules were seen built for
  # this Node ABI, so the common case costs one stat.
  [ -f "$stamp" ] && [ -f "$BELAY_CODE_SERVER" ] && return 0
  if ! _belay_code_server_ok; then
    ensure_apt_packages
    belay_log "installing code-server@$BELAY_CODE_SERVER_VERSION into $BELAY_CODE_SERVER_PREFIX (takes a few minutes: it compiles native modules against Node $(node -v))"
    mkdir -p "$BELAY_CODE_SERVER_PREFIX"
    rm -f "$BELAY_CODE_SERVER_PREFIX"/.installed-*
    # npm 11 gates dependency install scripts behind allowScripts; code-server's
    # postinstall builds its VS Code server, argon2's builds its addon. Name-only
    # entries: the user's npmrc may omit lockfile URLs, which pinned ones need.
    cat >"$BELAY_CODE_SERVER_PREFIX/package.json" <<EOF
{
  "name": "belay-tools-code-server",
  "private": true,
  "dependencies": { "code-server": "$BELAY_CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
EOF
    local log="$BELAY_CODE_SERVER_PREFIX/install.log"
    if ! (cd "$BELAY_CODE_SERVER_PREFIX" && npm install --no-audit --no-fund --foreground-scripts >"$log" 2>&1); then
      belay_log "code-server install failed; last lines of $log:"
      tail -n 30 "$log" >&2
      return 1
    fi
    if ! _belay_code_server_ok; then
      # Scripts skipped (an npm that blocks unreviewed scripts outright):
      # run them explicitly for the two packages that need them.
      belay_log "code-server's native modules are missing; running its install scripts"
      if ! (cd "$BELAY_CODE_SERVER_PREFIX" && npm rebuild --foreground-scripts --dangerously-allow-all-scripts code-server argon2 >>"$log" 2>&1) || ! _belay_code_server_ok; then
        belay_log "code-server's native modules were not built; see $log"
        return 1
      fi
    fi
  fi
  : >"$stamp"
}

# Belay's VSIX for the test tiers and run-belay.sh: $BELAY_VSIX when set,
# else dist/belay.vsix, rebuilt (npm run build && npm run package) when it is
# missing or older than a source it is built from. Exports BELAY_VSIX.
ensure_belay_vsix() {
  if [ -n "${BELAY_VSIX:-}" ]; then
    [ -f "$BELAY_VSIX" ] || { belay_log "BELAY_VSIX=$BELAY_VSIX does not exist"; return 1; }
    export BELAY_VSIX
    return 0
  fi
  local vsix="$BELAY_ROOT/dist/belay.vsix" stale=""
  if [ -f "$vsix" ]; then
    stale="$(cd "$BELAY_ROOT" && find src webview media plugin package.json package-lock.json esbuild.mjs README.md CHANGELOG.md .vscodeignore \
      -newer "$vsix" -type f -print -quit 2>/dev/null || true)"
  else
    stale="(none yet)"
  fi
  if [ -n "$stale" ]; then
    if [ ! -d "$BELAY_ROOT/node_modules" ]; then
      belay_log "installing npm dependencies (npm ci)"
      (cd "$BELAY_ROOT" && npm ci --no-audit --no-fund >/dev/null)
    fi
    belay_log "building and packaging Belay (dist/belay.vsix)"
    (cd "$BELAY_ROOT" && npm run --silent build && npm run --silent package >/dev/null)
  fi
  export BELAY_VSIX="$vsix"
}
