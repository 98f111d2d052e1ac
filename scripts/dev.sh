#!/usr/bin/env bash
# Runs the whole stack locally: Azurite and Redis on loopback (installed when missing), the QPay
# sandbox simulator on http://127.0.0.1:7080, and the functions app on http://127.0.0.1:7071 with
# `func start` (Azure Functions Core Tools) or, where Core Tools is missing, with the repository's
# own Functions host (tools/QPay.FunctionsHost: same routes, same port, no function keys).
# Once the app answers, loads the demo catalogue (scripts/demo-catalog: the products and coupons the
# README's carts and scripts/test-qpay-*.sh buy) through the internal catalogue routes. Prints the URLs
# a dev JWT and the checkout demo's URL. Build and host output go to .local/*.log (errors still show).
# Ctrl-C (or a kill) stops everything this script started.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/local-stack.sh
source "$REPO_ROOT/scripts/lib/local-stack.sh"
# shellcheck source=lib/catalog.sh
source "$REPO_ROOT/scripts/lib/catalog.sh"
trap stop_started EXIT
trap 'exit 130' INT TERM HUP

APP_PORT=7071
SANDBOX_PORT=7080

start_local_stack

cd "$REPO_ROOT"
mkdir -p "$STACK_STATE_DIR"
if [ ! -f local.settings.json ]; then
  cp local.settings.sample.json local.settings.json
  log "created local.settings.json from local.settings.sample.json (git-ignored; edit freely)"
fi

log "building the app, the QPay sandbox and the Functions host"
# The build's output (restore and build warnings) goes to .local/build.log; only errors are shown.
: >"$STACK_STATE_DIR/build.log"
for project in QPay.Functions tools/QPay.Sandbox tools/QPay.FunctionsHost; do
  if ! dotnet build "$project" --configuration Debug --nologo -v quiet >>"$STACK_STATE_DIR/build.log" 2>&1; then
    grep -E ": error " "$STACK_STATE_DIR/build.log" | sort -u >&2 || true
    log "building $project failed (errors above; the whole output: .local/build.log)"
    exit 1
  fi
done

if port_open "$SANDBOX_PORT"; then
  log "something already listens on 127.0.0.1:$SANDBOX_PORT; using it as the QPay sandbox"
else
  dotnet tools/QPay.Sandbox/bin/Debug/net10.0/QPay.Sandbox.dll --urls "http://127.0.0.1:$SANDBOX_PORT" \
    >"$STACK_STATE_DIR/sandbox.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port "$SANDBOX_PORT" "QPay sandbox" 300
  log "started the QPay sandbox on http://127.0.0.1:$SANDBOX_PORT (log: .local/sandbox.log)"
fi

port_open "$APP_PORT" && { log "127.0.0.1:$APP_PORT is taken: stop what runs there first"; exit 1; }
if command -v func >/dev/null; then
  log "starting the functions app with func start"
  (cd QPay.Functions/bin/Debug/net10.0 && exec func start --port "$APP_PORT") >"$STACK_STATE_DIR/app.log" 2>&1 &
else
  log "func (Azure Functions Core Tools) is not on PATH: using tools/QPay.FunctionsHost instead"
  dotnet tools/QPay.FunctionsHost/bin/Debug/net10.0/QPay.FunctionsHost.dll \
    --app QPay.Functions/bin/Debug/net10.0 --port "$APP_PORT" --settings local.settings.json >"$STACK_STATE_DIR/app.log" 2>&1 &
fi
APP_PID=$!
STARTED_PIDS+=("$APP_PID")
wait_for_port "$APP_PORT" "the functions app" 600
wait_for_app "http://127.0.0.1:$APP_PORT" 120 || exit 1
# Local hosts (func start, tools/QPay.FunctionsHost) enforce no function keys: none is sent.
load_demo_catalog "http://127.0.0.1:$APP_PORT" || { log "could not load the demo catalogue (see above)"; exit 1; }

token="$("$REPO_ROOT/scripts/dev-token.sh" dev-user 43200)"
cat >&2 <<TXT

  Pay in a browser  http://127.0.0.1:$APP_PORT/checkout/demo?lang=en
                    opens a demo cart's checkout (user "checkout-demo"; CHECKOUT_DEMO_ENABLED in local.settings.json).
                    Then pay its invoice (the newest) in the sandbox, and the page turns to PROCESSED:
        curl -s -X POST -H 'content-type: application/json' -d '{}' "http://127.0.0.1:$SANDBOX_PORT/sandbox/invoices/\$(curl -s http://127.0.0.1:$SANDBOX_PORT/sandbox/invoices | node -pe "JSON.parse(require('fs').readFileSync(0)).at(-1).invoiceId")/pay"

  QPay backend      http://127.0.0.1:$APP_PORT      (GET /health; log: .local/app.log)
  QPay sandbox      http://127.0.0.1:$SANDBOX_PORT      (QPay API under /v2, control API under /sandbox)
  Azurite           127.0.0.1:10000-10002 (UseDevelopmentStorage=true)
  Redis             redis://127.0.0.1:6379
  Catalogue         demo loaded (scripts/demo-catalog/*.json); yours: PUT /order/api/internal/catalog/{products,coupons} -H 'x-internal-request: true'

  Dev JWT for user "dev-user" (12 h; scripts/dev-token.sh USER makes others):
  $token

  Try:  curl -s http://127.0.0.1:$APP_PORT/health
        scripts/test-qpay-payment-verification.sh     (the whole payment, see README)

  Ctrl-C stops everything this script started.

TXT
wait "$APP_PID"
