#!/usr/bin/env bash
# Runs the app locally: Azurite and Redis on loopback (installed when missing), then the
# functions app on http://127.0.0.1:7071 with `func start` (Azure Functions Core Tools) or, where
# Core Tools is missing, with the repository's own Functions host (tools/QPay.FunctionsHost).
# Ctrl-C stops everything this script started.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/local-stack.sh
source "$REPO_ROOT/scripts/lib/local-stack.sh"
trap stop_started EXIT
trap 'exit 130' INT TERM

ensure_dotnet
start_azurite_if_needed
start_redis_if_needed

cd "$REPO_ROOT"
if [ ! -f local.settings.json ]; then
  cp local.settings.sample.json local.settings.json
  log "created local.settings.json from local.settings.sample.json (git-ignored; edit freely)"
fi

dotnet build QPay.Functions --configuration Debug --nologo -v quiet

if command -v func >/dev/null; then
  log "starting the functions app with func start on http://127.0.0.1:7071"
  (cd QPay.Functions/bin/Debug/net10.0 && func start --port 7071) &
else
  # Where Azure Functions Core Tools cannot be installed, the repository's own Functions host
  # serves the same routes on the same port (tools/QPay.FunctionsHost, no function keys).
  dotnet build tools/QPay.FunctionsHost --configuration Debug --nologo -v quiet
  log "starting the functions app with tools/QPay.FunctionsHost on http://127.0.0.1:7071"
  dotnet tools/QPay.FunctionsHost/bin/Debug/net10.0/QPay.FunctionsHost.dll \
    --app QPay.Functions/bin/Debug/net10.0 --port 7071 --settings local.settings.json &
fi
STARTED_PIDS+=($!)
wait "$!"
