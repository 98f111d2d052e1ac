#!/usr/bin/env bash
# Database fallback against a running dev stack (scripts/dev.sh): the session's Redis copy is
# deleted before QPay's callback (as if its TTL had run out); the webhook loads the session from
# Table Storage and the orders are still created. Exits non-zero on failure.
# Env: APP_URL, SANDBOX_URL, REDIS_HOST (127.0.0.1), REDIS_PORT (6379).
source "$(dirname "${BASH_SOURCE[0]}")/lib/curl-checks.sh"
check_stack
command -v redis-cli >/dev/null || fail "redis-cli is needed (Debian package redis-tools)"
user=$(unique_user fallback)

step "1. seed a payment session"
seed "$user"

step "2. the session is cached in Redis, then deleted (Redis expiry)"
[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" EXISTS "payment-session:$SESSION_ID")" = 1 ] || fail "payment-session:$SESSION_ID is not in Redis"
redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" DEL "payment-session:$SESSION_ID" >/dev/null
[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" EXISTS "payment-session:$SESSION_ID")" = 0 ] || fail "the Redis copy is still there"
pass "payment-session:$SESSION_ID deleted"

step "3. the customer pays; the webhook finds the session in Table Storage"
pay
wait_for "$user" PROCESSED
[ "$(json "$TMP_DIR/status.json" 'j.orderIds.length')" = 2 ] || fail "expected 2 orders"
pass "orders created; the app log says \"Session loaded from database: $SESSION_ID\""

printf '\nDatabase fallback: all checks passed.\n'
