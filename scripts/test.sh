#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing (Azurite from the
# committed package-lock.json, redis-server, chromium and chromium-driver from Debian packages), starts Azurite and Redis on
# loopback unless they already run, runs `dotnet test`, and stops only what it started.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Webhook").
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/local-stack.sh
source "$REPO_ROOT/scripts/lib/local-stack.sh"
trap stop_started EXIT
trap 'exit 130' INT TERM

start_local_stack
ensure_chromium_installed

cd "$REPO_ROOT"
dotnet test QPay.sln --configuration Release "$@"
