// Parameters of main.bicep, read from environment variables so nothing secret is committed.
//
// azd: `azd env set NAME value` stores a value in .azure/<env>/.env, and `azd up` / `azd provision`
// run with those values in the environment (AZURE_ENV_NAME, AZURE_LOCATION and AZURE_PRINCIPAL_ID
// are set by azd itself). Plain Azure CLI: export the variables, then
//   az deployment sub create --location "$AZURE_LOCATION" --parameters infra/main.bicepparam
// A variable read without a default is required: building these parameters without it fails,
// naming the variable, before anything is deployed.
// A .bicepparam file rather than main.parameters.json: it may carry these comments, it is typed
// against main.bicep (a misspelt or missing parameter fails `bicep build-params`, which CI runs),
// and both azd and the Azure CLI read it. Values are resolved on the machine that deploys;
// secure parameters never appear in the deployment's stored inputs. README "Deploy to Azure"
// explains each parameter.
using 'main.bicep'

// ---------------------------------------------------------------- environment (azd sets these)
param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION')
// The signed-in user (azd) or pipeline principal gets Key Vault Secrets Officer, to rotate secrets.
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')
param resourceGroupName = readEnvironmentVariable('AZURE_RESOURCE_GROUP', '')
// Production: the app in a VNet, Storage, Key Vault and Redis only through private endpoints.
// VNET_ENABLED=false: public endpoints, for a quick trial (cheaper, reachable from a laptop).
param vnetEnabled = bool(readEnvironmentVariable('VNET_ENABLED', 'true'))

// ---------------------------------------------------------------- QPay merchant (required)
param qpayBaseUrl = readEnvironmentVariable('QPAY_BASE_URL', 'https://merchant.qpay.mn')
param qpayClientId = readEnvironmentVariable('QPAY_CLIENT_ID')
param qpayInvoiceCode = readEnvironmentVariable('QPAY_INVOICE_CODE')
// Secrets: they go to Key Vault only (QPAY-CLIENT-SECRET, QPAY-WEBHOOK-SECRET).
param qpayClientSecret = readEnvironmentVariable('QPAY_CLIENT_SECRET')
// At least 32 bytes, e.g. `openssl rand -hex 32`. Keep it stable: changing it invalidates the
// callback URLs of open sessions unless the old key is passed as QPAY_WEBHOOK_SECRET_PREVIOUS.
param qpayWebhookSecret = readEnvironmentVariable('QPAY_WEBHOOK_SECRET')
param qpayWebhookSecretPrevious = readEnvironmentVariable('QPAY_WEBHOOK_SECRET_PREVIOUS', '')
// Empty: QPay calls the function app's own https://<default host name>.
param callbackPublicBaseUrl = readEnvironmentVariable('QPAY_CALLBACK_PUBLIC_BASE_URL', '')

// ---------------------------------------------------------------- payment flow (defaults as in README "Settings")
param qpayUsdToMntRate = readEnvironmentVariable('QPAY_USD_TO_MNT_RATE', '3400')
param qpayAttemptTimeoutSec = int(readEnvironmentVariable('QPAY_ATTEMPT_TIMEOUT_SEC', '10'))
param qpayTotalTimeoutSec = int(readEnvironmentVariable('QPAY_TOTAL_TIMEOUT_SEC', '30'))
param paymentSessionTtlSec = int(readEnvironmentVariable('PAYMENT_SESSION_TTL_SEC', '600'))
param statusRateLimitPerMinute = int(readEnvironmentVariable('STATUS_RATE_LIMIT_PER_MINUTE', '120'))
// New payment sessions per user per minute (each creates a QPay invoice).
param seedSessionRateLimitPerMinute = int(readEnvironmentVariable('SEED_SESSION_RATE_LIMIT_PER_MINUTE', '10'))
// New payment sessions per minute per instance over all users, while Redis is down.
param seedSessionInstanceRatePerMinute = int(readEnvironmentVariable('SEED_SESSION_INSTANCE_RATE_PER_MINUTE', '120'))
// Open (PENDING) sessions per user; a new one over it expires the user's oldest.
param maxOpenSessionsPerUser = int(readEnvironmentVariable('MAX_OPEN_SESSIONS_PER_USER', '5'))
param paymentSessionExpirySec = int(readEnvironmentVariable('PAYMENT_SESSION_EXPIRY_SEC', '1800'))
param latePaymentPolicy = readEnvironmentVariable('LATE_PAYMENT_POLICY', 'fulfil')
param internalWebhookDebug = bool(readEnvironmentVariable('INTERNAL_WEBHOOK_DEBUG', 'false'))
// Retention: audit events after this many days; finished sessions only when SESSION_RETENTION_DAYS is set (0 keeps them).
param auditRetentionDays = int(readEnvironmentVariable('AUDIT_RETENTION_DAYS', '90'))
param sessionRetentionDays = int(readEnvironmentVariable('SESSION_RETENTION_DAYS', '0'))
// The checkout demo seeds carts with dev tokens: never on in Azure.
param checkoutDemoEnabled = false
// Browser origins allowed by site CORS, comma-separated (CORS_ALLOWED_ORIGINS); empty: none.
param corsAllowedOrigins = empty(readEnvironmentVariable('CORS_ALLOWED_ORIGINS', '')) ? [] : split(readEnvironmentVariable('CORS_ALLOWED_ORIGINS', ''), ',')

// ---------------------------------------------------------------- e-receipts
param ebarimtEnabled = bool(readEnvironmentVariable('QPAY_EBARIMT_ENABLED', 'false'))
param ebarimtDefaultReceiverType = readEnvironmentVariable('QPAY_EBARIMT_DEFAULT_RECEIVER_TYPE', 'CITIZEN')
param ebarimtDistrictCode = readEnvironmentVariable('QPAY_EBARIMT_DISTRICT_CODE', '')
param ebarimtClassificationCode = readEnvironmentVariable('QPAY_EBARIMT_CLASSIFICATION_CODE', '')

// ---------------------------------------------------------------- user JWTs: an OIDC authority (production) or an HS256 secret
param authJwtAuthority = readEnvironmentVariable('AUTH_JWT_AUTHORITY', '')
param authJwtAudience = readEnvironmentVariable('AUTH_JWT_AUDIENCE', 'qpay-backend')
// Required: in Azure the app refuses to start without the iss its user JWTs must carry.
param authJwtIssuer = readEnvironmentVariable('AUTH_JWT_ISSUER')
param authUserIdClaim = readEnvironmentVariable('AUTH_USER_ID_CLAIM', 'sub')
// Only without an authority; goes to Key Vault as AUTH-JWT-SECRET.
param authJwtSecret = readEnvironmentVariable('AUTH_JWT_SECRET', '')

// ---------------------------------------------------------------- internal callers: function key, or also an Entra ID app role
param internalAuthMode = readEnvironmentVariable('INTERNAL_AUTH_MODE', 'FunctionKey')
param internalAuthEntraTenantId = readEnvironmentVariable('INTERNAL_AUTH_ENTRA_TENANT_ID', '')
param internalAuthEntraAuthority = readEnvironmentVariable('INTERNAL_AUTH_ENTRA_AUTHORITY', '')
param internalAuthEntraAudience = readEnvironmentVariable('INTERNAL_AUTH_ENTRA_AUDIENCE', '')
param internalAuthEntraRole = readEnvironmentVariable('INTERNAL_AUTH_ENTRA_ROLE', 'Payments.Internal')

// ---------------------------------------------------------------- sizing
param keyVaultRefreshIntervalSec = int(readEnvironmentVariable('KEY_VAULT_REFRESH_INTERVAL_SEC', '300'))
param functionMaximumInstanceCount = int(readEnvironmentVariable('FUNCTION_MAXIMUM_INSTANCE_COUNT', '40'))
param redisSkuName = readEnvironmentVariable('AZURE_REDIS_SKU', 'Balanced_B0')

// ---------------------------------------------------------------- alerts
// Who the alert rules e-mail; empty: no e-mail (alerts still show in the portal).
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')
