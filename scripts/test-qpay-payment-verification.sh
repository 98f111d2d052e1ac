#!/usr/bin/env bash
# The whole payment against a running dev stack (scripts/dev.sh): seed a session, pay in the QPay
# sandbox (which calls the webhook back as QPay does), poll the status until the orders exist, and
# check that a replayed callback is a DUPLICATE and a forged one INVALID_TOKEN. Exits non-zero on failure.
# Env: APP_URL (http://127.0.0.1:7071), SANDBOX_URL (http://127.0.0.1:7080).
source "$(dirname "${BASH_SOURCE[0]}")/lib/curl-checks.sh"
check_stack
user=$(unique_user verify)

step "1. seed a payment session (public route, dev JWT)"
seed "$user"

step "2. before payment the session is PENDING"
wait_for "$user" PENDING

step "3. the customer pays; QPay calls the webhook"
pay

step "4. the webhook verified the payment with QPay; orders are created from the queue"
wait_for "$user" PROCESSED
[ "$(json "$TMP_DIR/status.json" 'j.orderIds.length')" = 2 ] || fail "expected one order per seller (2)"
[ "$(json "$TMP_DIR/status.json" 'j.paidAmount')" = "$(json "$TMP_DIR/status.json" 'j.expectedAmount')" ] || fail "paid and expected amounts differ"
pass "2 orders, paid = expected = $(json "$TMP_DIR/status.json" 'j.expectedAmount') MNT"

step "5. QPay's callback replayed: DUPLICATE, nothing created twice"
http GET "$SANDBOX_URL/sandbox/invoices/$INVOICE_ID" "$TMP_DIR/invoice.json" >/dev/null
callback=$(json "$TMP_DIR/invoice.json" 'j.callbackUrl')
code=$(http GET "$callback&qpay_payment_id=replayed" "$TMP_DIR/replay.json" -H 'Accept: application/json')
expect_status "$code" 200 "replayed callback" "$TMP_DIR/replay.json"
[ "$(json "$TMP_DIR/replay.json" 'j.reason')" = DUPLICATE ] || fail "replay was not a DUPLICATE: $(cat "$TMP_DIR/replay.json")"
pass "reason DUPLICATE"

step "6. a forged token is refused (still HTTP 200, as webhooks always are)"
code=$(http GET "$APP_URL/payments/qpay/webhook?sessionId=$SESSION_ID&token=forged&qpay_payment_id=1" "$TMP_DIR/forged.txt")
expect_status "$code" 200 "forged callback" "$TMP_DIR/forged.txt"
header=$(curl -sS -D - -o /dev/null "$APP_URL/payments/qpay/webhook?sessionId=$SESSION_ID&token=forged" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-webhook-reason"{print $2}')
[ "$header" = INVALID_TOKEN ] || fail "expected X-Webhook-Reason INVALID_TOKEN, got '$header'"
pass "plain-text SUCCESS with X-Webhook-Reason: INVALID_TOKEN"

printf '\nPayment verification: all checks passed.\n'
