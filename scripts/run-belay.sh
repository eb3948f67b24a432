#!/usr/bin/env bash
# Runs Belay in a real VS Code on this machine: code-server on 127.0.0.1 with
# Belay installed from its freshly built VSIX, opened on a demo workspace in
# which a scripted agent session has left guarded, denied and rollback-able
# actions. Installs what it needs (Node 24, build headers, code-server).
#
#   scripts/run-belay.sh               foreground; Ctrl-C stops it
#   scripts/run-belay.sh --background  detaches, prints the PID and returns
#   scripts/run-belay.sh --stop        stops a background instance
#
# BELAY_PORT (default 8080) picks the port. State lives under $BELAY_TOOLS:
# demo/ (the workspace, recreated each run), demo-home/ (Belay's state for it,
# BELAY_HOME), run/ (code-server's user data, extensions and log).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source "$BELAY_ROOT/scripts/tools.sh"
cd "$BELAY_ROOT"

PORT="${BELAY_PORT:-8080}"
RUN_DIR="$BELAY_TOOLS/run"
DEMO="$BELAY_TOOLS/demo"
PID_FILE="$RUN_DIR/code-server.pid"
LOG_FILE="$RUN_DIR/code-server.log"
export BELAY_HOME="$BELAY_TOOLS/demo-home"

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

mode=foreground
for arg in "$@"; do
  case "$arg" in
    --background) mode=background ;;
    --stop) mode=stop ;;
    -h | --help) usage; exit 0 ;;
    *) belay_log "unknown argument: $arg"; usage >&2; exit 2 ;;
  esac
done

running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && printf '%s' "$pid"
}

stop_group() {
  local pid="$1" i
  kill -TERM -- "-$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
}

# The hook server the demo's hook calls started (it would exit when idle).
stop_hook_server() {
  if [ -f "$BELAY_ROOT/dist/belay.js" ]; then node "$BELAY_ROOT/dist/belay.js" serve stop >/dev/null 2>&1 || true; fi
}

if [ "$mode" = stop ]; then
  if pid="$(running_pid)"; then
    stop_group "$pid"
    belay_log "stopped Belay's code-server (pid $pid)"
  else
    belay_log "no background Belay running"
  fi
  stop_hook_server
  exit 0
fi

if pid="$(running_pid)"; then
  belay_log "Belay is already running (pid $pid); stop it with: scripts/run-belay.sh --stop"
  exit 1
fi

answers() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(1000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
}

if answers "http://127.0.0.1:$PORT/healthz" || node -e '
  const s = require("net").connect(Number(process.argv[1]), "127.0.0.1");
  s.on("connect", () => process.exit(0)); s.on("error", () => process.exit(1));' "$PORT"; then
  belay_log "port $PORT on 127.0.0.1 is in use; pick another with BELAY_PORT=NNNN"
  exit 1
fi

ensure_code_server
ensure_belay_vsix

# ---------------------------------------------------------------------------
# The demo workspace. scripts/demoSession.ts creates it (a small git repo
# with a Belay policy in .vscode/settings.json) and plays a scripted agent
# session through `belay hook claude`; without it, a bare workspace is made.
prepare_demo() {
  rm -rf "$DEMO" "$BELAY_HOME"
  mkdir -p "$BELAY_HOME"
  if [ -f "$BELAY_ROOT/scripts/demoSession.ts" ]; then
    node "$BELAY_ROOT/scripts/demoSession.ts" "$DEMO" >&2
  else
    mkdir -p "$DEMO/src" "$DEMO/.vscode"
    printf '# Demo\n' >"$DEMO/README.md"
    printf 'export const answer = 42;\n' >"$DEMO/src/app.ts"
    printf '{\n  "belay.policy": {}\n}\n' >"$DEMO/.vscode/settings.json"
    git -C "$DEMO" init -q -b main
    git -C "$DEMO" add -A
    git -C "$DEMO" -c user.name=Demo -c user.email=demo@example.invalid commit -q -m "Demo"
  fi
}
belay_log "preparing the demo workspace in $DEMO"
prepare_demo

# ---------------------------------------------------------------------------
# code-server with Belay installed.
mkdir -p "$RUN_DIR/user-data/User" "$RUN_DIR/extensions"
CONFIG="$RUN_DIR/code-server.yaml" # empty: keeps code-server out of ~/.config
: >"$CONFIG"
SETTINGS="$RUN_DIR/user-data/User/settings.json"
[ -f "$SETTINGS" ] || cat >"$SETTINGS" <<'EOF'
{
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false
}
EOF
CS_NODE="$NODE24_DIR/bin/node"
"$CS_NODE" "$BELAY_CODE_SERVER" --config "$CONFIG" --user-data-dir "$RUN_DIR/user-data" --extensions-dir "$RUN_DIR/extensions" \
  --force --install-extension "$BELAY_VSIX" >"$RUN_DIR/install.log" 2>&1 ||
  { belay_log "installing $BELAY_VSIX failed:"; cat "$RUN_DIR/install.log" >&2; exit 1; }

# The extension host, its agent hooks and terminals get the machine's PATH,
# as for a user: only code-server itself runs on our Node 24.
MACHINE_PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v "^$BELAY_TOOLS/" | paste -sd: -)"
CMD=("$CS_NODE" "$BELAY_CODE_SERVER" --config "$CONFIG" --bind-addr "127.0.0.1:$PORT" --auth none
  --disable-telemetry --disable-update-check --disable-workspace-trust
  --user-data-dir "$RUN_DIR/user-data" --extensions-dir "$RUN_DIR/extensions" "$DEMO")

: >"$LOG_FILE"
env -u VSCODE_IPC_HOOK_CLI PATH="$MACHINE_PATH" setsid "${CMD[@]}" >>"$LOG_FILE" 2>&1 </dev/null &
CS_PID=$!
echo "$CS_PID" >"$PID_FILE"

if [ "$mode" = foreground ]; then
  trap 'stop_group "$CS_PID"; exit 130' INT TERM HUP
fi

for _ in $(seq 1 300); do
  answers "http://127.0.0.1:$PORT/healthz" && break
  if ! kill -0 "$CS_PID" 2>/dev/null; then
    rm -f "$PID_FILE"
    belay_log "code-server exited; its log ($LOG_FILE):"
    tail -n 30 "$LOG_FILE" >&2
    exit 1
  fi
  sleep 0.1
done
if ! answers "http://127.0.0.1:$PORT/healthz"; then
  stop_group "$CS_PID"
  belay_log "code-server did not answer within 30 s; see $LOG_FILE"
  exit 1
fi

URL="http://127.0.0.1:$PORT/?folder=$DEMO"
echo
echo "Belay is running in VS Code: $URL"
echo "  (listening on 127.0.0.1 only; from another machine: ssh -L $PORT:127.0.0.1:$PORT <this host>)"
if [ "$mode" = background ]; then
  echo "  pid $CS_PID, log $LOG_FILE; stop it with: scripts/run-belay.sh --stop"
  echo "$CS_PID"
  exit 0
fi
echo "  Ctrl-C stops it."
wait "$CS_PID" || true
rm -f "$PID_FILE"
