# The demo catalogue (scripts/demo-catalog/*.json): the products and coupons that the README's carts,
# the seed card and scripts/test-qpay-*.sh buy. Seed-session prices every cart line from the server's
# catalogue, so an app with an empty one refuses them (400 PRODUCT_UNAVAILABLE). Source it; it only
# defines functions and needs nothing but curl.

DEMO_CATALOG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../demo-catalog" && pwd)"

# wait_for_app APP_URL [SECONDS]: until GET APP_URL/health answers 200 (Core Tools opens its port
# before the worker has loaded the functions).
wait_for_app() {
  local app=${1%/} seconds=${2:-120} i
  for ((i = 0; i < seconds * 4; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$app/health" 2>/dev/null)" = 200 ] && return 0
    sleep 0.25
  done
  printf '[catalog] %s/health did not answer 200 within %s s\n' "$app" "$seconds" >&2
  return 1
}

# load_demo_catalog APP_URL [FUNCTION_KEY]: PUTs products.json and coupons.json to the app's internal
# catalogue routes (x-internal-request: true; the key only where keys are enforced, i.e. in Azure or
# a host started with one). Upserts, so running it again is harmless. Fails, printing the answer, on
# anything but 200.
load_demo_catalog() {
  local app=${1%/} key=${2:-} kind code answer summary=()
  local headers=(-H 'Content-Type: application/json' -H 'x-internal-request: true')
  [ -n "$key" ] && headers+=(-H "x-functions-key: $key")
  answer="$(mktemp)"
  for kind in products coupons; do
    code=$(curl -sS -o "$answer" -w '%{http_code}' --max-time 30 -X PUT "${headers[@]}" \
      --data-binary "@$DEMO_CATALOG_DIR/$kind.json" "$app/order/api/internal/catalog/$kind") || code=${code:-000}
    if [ "$code" != 200 ]; then
      printf '[catalog] PUT %s/order/api/internal/catalog/%s (scripts/demo-catalog/%s.json) answered HTTP %s: %s\n' \
        "$app" "$kind" "$kind" "$code" "$(head -c 600 "$answer")" >&2
      rm -f "$answer"
      return 1
    fi
    summary+=("$(sed -n 's/.*"written":\([0-9]*\).*/\1/p' "$answer") $kind")
  done
  rm -f "$answer"
  printf '[catalog] loaded the demo catalogue into %s: %s, %s (scripts/demo-catalog)\n' "$app" "${summary[0]}" "${summary[1]}" >&2
}
