# Shared by scripts/test.sh and scripts/dev.sh: install and start the local stack (Azurite and
# Redis on loopback), remembering what this shell started so that only that is stopped.
# Source it; it defines functions and the STARTED_PIDS array.

STACK_STATE_DIR="${STACK_STATE_DIR:-$REPO_ROOT/.local}"
STARTED_PIDS=()

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
  local port=$1 what=$2 tries=${3:-100}
  for _ in $(seq "$tries"); do
    port_open "$port" && return 0
    sleep 0.1
  done
  log "$what did not open 127.0.0.1:$port; see $STACK_STATE_DIR/*.log"
  return 1
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

ensure_dotnet() {
  command -v dotnet >/dev/null || { log "the .NET 10 SDK (dotnet) is required: https://dot.net"; return 1; }
}

ensure_azurite_installed() {
  if [ ! -x "$REPO_ROOT/node_modules/.bin/azurite" ]; then
    command -v npm >/dev/null || { log "Node.js 20+ with npm is required to install Azurite"; return 1; }
    log "installing Azurite from package-lock.json (npm ci)"
    (cd "$REPO_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_redis_installed() {
  if ! command -v redis-server >/dev/null; then
    log "installing redis-server from Debian packages"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq redis-server >/dev/null
  fi
}

# Headless Chromium and its driver from Debian packages, for the checkout browser tests
# (QPay.Functions.Tests/Browser); skipped when both are already installed.
ensure_chromium_installed() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "installing chromium and chromium-driver from Debian packages (browser tests)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

start_azurite_if_needed() {
  if port_open 10000 && port_open 10001 && port_open 10002; then
    log "Azurite already running on 127.0.0.1:10000-10002"
    return 0
  fi
  ensure_azurite_installed
  mkdir -p "$STACK_STATE_DIR"
  "$REPO_ROOT/node_modules/.bin/azurite" --silent --inMemoryPersistence --disableTelemetry \
    --skipApiVersionCheck --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    >"$STACK_STATE_DIR/azurite.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port 10000 Azurite 300 && wait_for_port 10001 Azurite && wait_for_port 10002 Azurite
  log "started Azurite (pid $!) on 127.0.0.1:10000-10002"
}

start_redis_if_needed() {
  if port_open 6379; then
    log "Redis already running on 127.0.0.1:6379"
    return 0
  fi
  ensure_redis_installed
  mkdir -p "$STACK_STATE_DIR"
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize no \
    >"$STACK_STATE_DIR/redis.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port 6379 Redis
  log "started Redis (pid $!) on 127.0.0.1:6379"
}

# The .NET SDK, then Azurite and Redis on loopback, each installed and started only when missing.
# The caller has `trap stop_started EXIT` so that only what was started here is stopped.
start_local_stack() {
  ensure_dotnet
  start_azurite_if_needed
  start_redis_if_needed
}

# Stops what this shell started (and their children), newest first.
stop_started() {
  local i pid
  for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${STARTED_PIDS[$i]}
    if kill -0 "$pid" 2>/dev/null; then
      pkill -TERM -P "$pid" 2>/dev/null || true
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  STARTED_PIDS=()
}
