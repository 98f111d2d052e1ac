#!/usr/bin/env bash
# Prints a JWT for USER that the local settings accept (HS256 with AUTH_JWT_SECRET, with
# AUTH_JWT_ISSUER/AUTH_JWT_AUDIENCE when set, the user id in AUTH_USER_ID_CLAIM), for curl:
#   curl -H "Authorization: Bearer $(scripts/dev-token.sh alice)" ...
# Settings come from local.settings.json (or the sample, or $QPAY_SETTINGS_FILE); environment
# variables override them.
# Usage: scripts/dev-token.sh USER [LIFETIME_SECONDS=3600]
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 USER [LIFETIME_SECONDS]" >&2; exit 2; }
settings="${QPAY_SETTINGS_FILE:-$REPO_ROOT/local.settings.json}"
[ -f "$settings" ] || settings="$REPO_ROOT/local.settings.sample.json"

DEV_TOKEN_USER="$1" DEV_TOKEN_LIFETIME="${2:-3600}" DEV_TOKEN_SETTINGS="$settings" node -e '
const crypto = require("crypto");
const values = JSON.parse(require("fs").readFileSync(process.env.DEV_TOKEN_SETTINGS, "utf8")).Values || {};
const setting = (name) => process.env[name] ?? values[name] ?? "";
const secret = setting("AUTH_JWT_SECRET");
if (!secret) { console.error("AUTH_JWT_SECRET is empty: dev tokens need the local HS256 setup"); process.exit(1); }
const now = Math.floor(Date.now() / 1000);
const payload = { [setting("AUTH_USER_ID_CLAIM") || "sub"]: process.env.DEV_TOKEN_USER, iat: now, nbf: now, exp: now + Number(process.env.DEV_TOKEN_LIFETIME) };
if (setting("AUTH_JWT_ISSUER")) payload.iss = setting("AUTH_JWT_ISSUER");
if (setting("AUTH_JWT_AUDIENCE")) payload.aud = setting("AUTH_JWT_AUDIENCE");
const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const unsigned = part({ alg: "HS256", typ: "JWT" }) + "." + part(payload);
const signature = crypto.createHmac("sha256", secret).update(unsigned).digest("base64url");
console.log(unsigned + "." + signature);
'
