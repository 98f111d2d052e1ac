#!/usr/bin/env bash
# The status endpoint against a running dev stack (scripts/dev.sh): each status as the payment
# moves, ownership (another user gets 404), 400/401, and the per-user rate limit (429 with
# Retry-After once STATUS_RATE_LIMIT_PER_MINUTE is used up). Exits non-zero on failure.
# Env: APP_URL, SANDBOX_URL; STATUS_RATE_LIMIT_PER_MINUTE (else read from local.settings.json).
source "$(dirname "${BASH_SOURCE[0]}")/lib/curl-checks.sh"
check_stack
user=$(unique_user status)
limit=$(setting STATUS_RATE_LIMIT_PER_MINUTE)
limit=${limit:-120}

step "1. seed a payment session; status PENDING with the expected MNT amount"
seed "$user"
wait_for "$user" PENDING

step "2. bad requests"
code=$(http GET "$APP_URL/payments/qpay/status?sessionId=$SESSION_ID" "$TMP_DIR/noauth.json")
expect_status "$code" 401 "no JWT" "$TMP_DIR/noauth.json"
code=$(http GET "$APP_URL/payments/qpay/status" "$TMP_DIR/nosession.json" -H "Authorization: Bearer $("$REPO_ROOT/scripts/dev-token.sh" "$user")")
expect_status "$code" 400 "no sessionId" "$TMP_DIR/nosession.json"
code=$(status "$(unique_user intruder)")
expect_status "$code" 404 "another user's session" "$TMP_DIR/status.json"

step "3. pay; status PAID then PROCESSED"
pay
wait_for "$user" PROCESSED

step "4. rate limit: at most $limit polls per minute per user"
# A user whose window starts with this loop: the first user's window opened during the waits above
# and could roll over mid-loop.
poller=$(unique_user poller)
seed "$poller"
token="$("$REPO_ROOT/scripts/dev-token.sh" "$poller")"
limited=""
for i in $(seq "$((limit + 5))"); do
  code=$(curl -sS -o "$TMP_DIR/rl.json" -D "$TMP_DIR/rl.headers" -w '%{http_code}' -H "Authorization: Bearer $token" "$APP_URL/payments/qpay/status?sessionId=$SESSION_ID")
  if [ "$code" = 429 ]; then limited=$i; break; fi
  [ "$code" = 200 ] || fail "poll $i answered HTTP $code"
done
[ -n "$limited" ] || fail "no 429 after $((limit + 5)) polls"
retry=$(tr -d '\r' < "$TMP_DIR/rl.headers" | awk -F': ' 'tolower($1)=="retry-after"{print $2}')
[ -n "$retry" ] || fail "the 429 has no Retry-After header"
[ "$(json "$TMP_DIR/rl.json" 'j.error')" = RATE_LIMITED ] || fail "the 429 body is not RATE_LIMITED: $(cat "$TMP_DIR/rl.json")"
pass "poll $limited answered 429, Retry-After: $retry s, $(json "$TMP_DIR/rl.json" 'j.message')"

printf '\nStatus endpoint: all checks passed.\n'
