#!/bin/sh
# VS Code agent-mode hook of the Belay extension: runs the bundled `belay`
# CLI (dist/belay.js) with a JavaScript runtime that can load Belay's native
# SQLite binary, and answers for every event. It fails closed: when no
# runtime can be found it denies (exit 2) rather than letting a tool run.
here=$(cd "$(dirname "$0")" && pwd)
cli="$here/../../dist/belay.js"
state="${BELAY_HOME:-$HOME/.belay}"

run() {
  # Electron (desktop VS Code) runs as plain Node with this variable.
  ELECTRON_RUN_AS_NODE=1 exec "$1" "$cli" hook vscode
}

# 1. The extension host's own runtime, exported by the active extension.
if [ -n "${BELAY_NODE:-}" ] && [ -x "$BELAY_NODE" ]; then run "$BELAY_NODE"; fi
# 2. The runtime the extension recorded when it last activated.
if [ -r "$state/runtime" ]; then
  recorded=$(head -n 1 "$state/runtime")
  if [ -n "$recorded" ] && [ -x "$recorded" ]; then run "$recorded"; fi
fi
# 3. A Node.js >= 22 on PATH.
if command -v node >/dev/null 2>&1; then
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "${major:-0}" -ge 22 ] 2>/dev/null; then run node; fi
fi
echo "Belay: no runtime found to run its guard (is the Belay extension enabled?); denied to stay safe." >&2
exit 2
