#!/usr/bin/env bash
# Runs the benchmark (tools/QPay.Benchmarks) against the local stack: starts Azurite and Redis when
# missing (and stops only what it started), builds Release, then runs the console, which starts an
# in-process QPay sandbox and the compiled worker through the repository's Functions host on free
# ports. Prints the Markdown table on stdout (progress on stderr) and writes artifacts/benchmark.json.
# Extra arguments go to the console: --scale 0.3 (a quicker, noisier run), --output FILE, --logs FILE
# (instance A's captured log), --no-orders-on-a (the webhook without order creation on the same worker).
# --published runs the worker as Azure runs it: `dotnet publish` (ReadyToRun, linux-x64) into
# artifacts/publish/QPay.Functions, passed to the console as QPAY_BENCH_WORKER_DIR.
# --backlog [N] runs only the backlog scenario instead (N pending sessions, default 10,000, with
# --paid-percent, --expiry-sec, --until-expiry, --max-minutes; JSON to artifacts/benchmark-backlog.json).
# --cost-only [N] runs only the cost phase (N payments, default 50, on an Azurite and a redis-server of its own;
# JSON to artifacts/benchmark-cost.json); every latency run also ends with it (N = 50 x --scale).
# --start-only [N] runs only N worker starts one after another (default 7; JSON to artifacts/benchmark-start.json).
# See docs/performance.md for what is measured and how to read it.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/local-stack.sh
source "$REPO_ROOT/scripts/lib/local-stack.sh"
trap stop_started EXIT
trap 'exit 130' INT TERM

start_local_stack

cd "$REPO_ROOT"
log "building Release (the worker, the host, the sandbox and the benchmark)"
dotnet build tools/QPay.Benchmarks/QPay.Benchmarks.csproj --configuration Release --nologo -v:quiet "-clp:ErrorsOnly;NoSummary" >&2
args=()
published=false
for arg in "$@"; do
  if [[ "$arg" == "--published" ]]; then published=true; else args+=("$arg"); fi
done
set -- "${args[@]+"${args[@]}"}"
if [[ "$published" == true ]]; then
  log "publishing the worker (Release, ReadyToRun, linux-x64) to artifacts/publish/QPay.Functions"
  rm -rf "$REPO_ROOT/artifacts/publish/QPay.Functions"
  dotnet publish QPay.Functions/QPay.Functions.csproj --configuration Release --nologo -v:quiet "-clp:ErrorsOnly;NoSummary" \
    --output "$REPO_ROOT/artifacts/publish/QPay.Functions" >&2
  export QPAY_BENCH_WORKER_DIR="$REPO_ROOT/artifacts/publish/QPay.Functions"
fi
output="$REPO_ROOT/artifacts/benchmark.json"
for arg in "$@"; do
  if [[ "$arg" == "--backlog" ]]; then
    output="$REPO_ROOT/artifacts/benchmark-backlog.json" # a later --output still wins
  elif [[ "$arg" == "--cost-only" ]]; then
    output="$REPO_ROOT/artifacts/benchmark-cost.json"
  elif [[ "$arg" == "--start-only" ]]; then
    output="$REPO_ROOT/artifacts/benchmark-start.json"
  fi
done
dotnet tools/QPay.Benchmarks/bin/Release/net10.0/QPay.Benchmarks.dll --output "$output" "$@"
