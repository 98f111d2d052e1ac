# Shared by the scripts/test-qpay-*.sh checks: talk to a running dev stack with curl, read JSON
# with node (already needed for Azurite), fail loudly. Source it.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
APP_URL="${APP_URL:-http://127.0.0.1:7071}"
SANDBOX_URL="${SANDBOX_URL:-http://127.0.0.1:7080}"
REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${REDIS_PORT:-6379}"
SETTINGS_FILE="${QPAY_SETTINGS_FILE:-$REPO_ROOT/local.settings.json}"
[ -f "$SETTINGS_FILE" ] || SETTINGS_FILE="$REPO_ROOT/local.settings.sample.json"
export QPAY_SETTINGS_FILE="$SETTINGS_FILE"
TMP_DIR="$(mktemp -d)"
trap 'rm -rf "$TMP_DIR"' EXIT

step() { printf '\n== %s\n' "$*"; }
pass() { printf '   ok: %s\n' "$*"; }
fail() { printf '   FAILED: %s\n' "$*" >&2; exit 1; }

# json FILE EXPR: evaluates a JavaScript expression on the parsed file (bound to `j`).
json() { node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = eval(process.argv[2]); console.log(typeof v === "object" ? JSON.stringify(v) : v);' "$1" "$2"; }

# setting NAME: the value in the environment, else in the settings file.
setting() { local name=$1; if [ -n "${!name:-}" ]; then echo "${!name}"; else node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).Values || {}; console.log(v[process.argv[2]] ?? "")' "$SETTINGS_FILE" "$name"; fi; }

# http METHOD URL OUT_FILE [curl args...]: prints the status code; the body goes to OUT_FILE.
http() { local method=$1 url=$2 out=$3; shift 3; curl -sS -o "$out" -w '%{http_code}' -X "$method" "$url" "$@"; }

expect_status() { [ "$1" = "$2" ] && pass "$3 (HTTP $1)" || fail "$3: expected HTTP $2, got $1: $(cat "$4" 2>/dev/null | head -c 400)"; }

check_stack() {
  curl -sf -o /dev/null "$APP_URL/health" || fail "the app does not answer at $APP_URL/health: start it with scripts/dev.sh"
  curl -sf -o /dev/null "$SANDBOX_URL/sandbox/stats" || fail "the QPay sandbox does not answer at $SANDBOX_URL: start it with scripts/dev.sh"
}

# seed USER: creates a payment session for a two-seller cart; sets SESSION_ID and INVOICE_ID.
seed() {
  local token; token="$("$REPO_ROOT/scripts/dev-token.sh" "$1")"
  local code; code=$(http POST "$APP_URL/payments/qpay/seed-session" "$TMP_DIR/seed.json" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"cart":[{"productId":"p-mug","quantity":2,"sale_price":10.25,"shopId":"shop-a"},{"productId":"p-tea","quantity":1,"sale_price":5,"shopId":"shop-b"}],"sellers":["shop-a","shop-b"],"totalAmount":23.5,"coupon":{"code":"SAVE2","discountAmount":2}}')
  expect_status "$code" 200 "seed-session" "$TMP_DIR/seed.json"
  SESSION_ID=$(json "$TMP_DIR/seed.json" 'j.sessionId')
  INVOICE_ID=$(json "$TMP_DIR/seed.json" 'j.invoice.invoiceId')
  pass "session $SESSION_ID, QPay invoice $INVOICE_ID"
}

# status USER: GET /payments/qpay/status for SESSION_ID; prints the HTTP code, body in status.json.
status() { http GET "$APP_URL/payments/qpay/status?sessionId=$SESSION_ID" "$TMP_DIR/status.json" -H "Authorization: Bearer $("$REPO_ROOT/scripts/dev-token.sh" "$1")"; }

# wait_for USER STATUS: polls the status endpoint (every second, 30 s at most).
wait_for() {
  for _ in $(seq 30); do
    if [ "$(status "$1")" = 200 ] && [ "$(json "$TMP_DIR/status.json" 'j.status')" = "$2" ]; then
      pass "status $2: $(cat "$TMP_DIR/status.json")"
      return 0
    fi
    sleep 1
  done
  fail "status never became $2; last answer: $(cat "$TMP_DIR/status.json")"
}

# pay: the sandbox records a full payment and calls the app back as QPay does (GET + qpay_payment_id).
pay() {
  local code; code=$(http POST "$SANDBOX_URL/sandbox/invoices/$INVOICE_ID/pay" "$TMP_DIR/pay.json" -H 'Content-Type: application/json' -d '{}')
  expect_status "$code" 200 "sandbox payment" "$TMP_DIR/pay.json"
  [ "$(json "$TMP_DIR/pay.json" 'j.callbackStatus')" = 200 ] && [ "$(json "$TMP_DIR/pay.json" 'j.callbackBody')" = SUCCESS ] \
    || fail "QPay's callback was not answered 200 SUCCESS: $(cat "$TMP_DIR/pay.json")"
  pass "QPay's callback answered 200 SUCCESS (payment $(json "$TMP_DIR/pay.json" 'j.paymentId'))"
}

unique_user() { echo "$1-$(date +%s%N | tail -c 9)"; }
