// Alert rules over the app's own telemetry (README "Metrics"), routed to one action group, and
// the on-call workbook. Every rule is a log search alert over the workspace-based Application
// Insights tables: AppMetrics (Name = the instrument name, Sum/ItemCount/Min/Max per export
// interval, Properties = the tags; a gauge's value is in Sum, Min and Max are set for histograms
// only) and AppTraces (Properties.EventName = the log event name, which the exporter adds).
// QPay.Functions.Tests/Infra/AlertsTemplateTests checks that every name a query uses is emitted.

@description('Prefix of the alert rule and action group names (the deployment\'s resource token).')
param resourceToken string

@description('Azure region of the alert rules and the workbook (the workspace\'s).')
param location string

@description('Tags for every resource.')
param tags object

@description('Resource id of the Log Analytics workspace that Application Insights writes to.')
param workspaceId string

@description('E-mail address the action group notifies; empty: the group has no receiver (alerts still show in the portal).')
param alertEmail string = ''

// One row per rule. query ends in a `value` column: the rule fires when value passes threshold.
// A query that returns no row (too little traffic to judge) never fires.
var rules = [
  {
    name: 'gateway-error-rate'
    description: 'QPay refuses or does not answer invoice creations: over 10% of them failed in 15 minutes (at least 10).'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 10
    query: '''
AppMetrics
| where Name in ("qpay.invoices.created", "qpay.invoices.failed")
| summarize total = sum(Sum), failed = sumif(Sum, Name == "qpay.invoices.failed")
| where total >= 10
| project value = 100.0 * failed / total
'''
  }
  {
    name: 'verification-timeouts'
    description: 'Webhooks or reconciler checks answered VERIFICATION_FAILED (QPay or storage failing or timing out): more than 5 in 15 minutes.'
    severity: 2
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 5
    query: '''
AppMetrics
| where Name == "qpay.webhook.outcomes" and tostring(Properties["reason"]) == "VERIFICATION_FAILED"
| summarize value = coalesce(sum(Sum), 0.0)
'''
  }
  {
    name: 'webhook-unexpected-errors'
    description: 'A webhook failed with an unexpected exception (log event WebhookFailed).'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 0
    query: '''
AppTraces
| where tostring(Properties["EventName"]) == "WebhookFailed"
| summarize value = count()
'''
  }
  {
    name: 'session-missing-spike'
    description: 'Callbacks for sessions we do not have (SESSION_MISSING): more than 20 in 15 minutes (a storage misconfiguration, or guessing).'
    severity: 2
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 20
    query: '''
AppMetrics
| where Name == "qpay.webhook.outcomes" and tostring(Properties["reason"]) == "SESSION_MISSING"
| summarize value = coalesce(sum(Sum), 0.0)
'''
  }
  {
    name: 'payment-check-latency'
    description: 'QPay payment/check is slow: the 95th percentile of the per-interval maximum duration over 15 minutes is above 5 s.'
    severity: 2
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 5
    query: '''
AppMetrics
| where Name == "qpay.payment_check.duration"
| summarize value = percentile(Max, 95), calls = sum(ItemCount)
| where calls >= 5
| project value
'''
  }
  {
    name: 'payment-check-error-rate'
    description: 'QPay payment/check errors or does not answer: over 10% of the calls in 15 minutes were FAILED (at least 10 calls).'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 10
    query: '''
AppMetrics
| where Name == "qpay.payment_check.calls"
| summarize total = sum(Sum), failed = sumif(Sum, tostring(Properties["result"]) == "FAILED")
| where total >= 10
| project value = 100.0 * failed / total
'''
  }
  {
    name: 'low-verified-share'
    description: 'Under 50% of the public webhooks in an hour were PROCESSED (at least 20): callbacks are being refused.'
    severity: 2
    frequency: 'PT15M'
    window: 'PT1H'
    operator: 'LessThan'
    threshold: 50
    query: '''
AppMetrics
| where Name == "qpay.webhook.outcomes" and tostring(Properties["source"]) == "public"
| summarize total = sum(Sum), processed = sumif(Sum, tostring(Properties["reason"]) == "PROCESSED")
| where total >= 20
| project value = 100.0 * processed / total
'''
  }
  {
    name: 'no-traffic'
    description: 'No webhook outcome at all (public, reconciler or admin) in 6 hours: callbacks do not arrive and the reconciler does not run.'
    severity: 2
    frequency: 'PT1H'
    window: 'PT6H'
    operator: 'LessThan'
    threshold: 1
    query: '''
AppMetrics
| where Name == "qpay.webhook.outcomes"
| summarize value = coalesce(sum(Sum), 0.0)
'''
  }
  {
    name: 'poison-messages'
    description: 'A queue message failed 5 times and went to a poison queue (OrderCreationPoisoned, RefundMessagePoisoned, ReconcileMessagePoisoned, ReceiptMessagePoisoned, ReceiptPoisoned): fix, then POST /poison/replay.'
    severity: 1
    frequency: 'PT15M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 0
    query: '''
AppTraces
| where tostring(Properties["EventName"]) in ("OrderCreationPoisoned", "RefundMessagePoisoned", "ReconcileMessagePoisoned", "ReceiptMessagePoisoned", "ReceiptPoisoned")
| summarize value = count()
'''
  }
  {
    name: 'ledger-unmatched'
    description: 'The ledger check found PAID payments no session, order or refund accounts for (qpay.ledger.unmatched > 0): see GET /ledger/{date}.'
    severity: 1
    frequency: 'PT1H'
    window: 'PT1H'
    operator: 'GreaterThan'
    threshold: 0
    query: '''
AppMetrics
| where Name == "qpay.ledger.unmatched"
| summarize value = coalesce(sum(Sum), 0.0)
'''
  }
  {
    name: 'reconciler-backlog-growing'
    description: 'The reconcile queue holds over 500 messages and more than half an hour earlier: the reconciler falls behind.'
    severity: 2
    frequency: 'PT15M'
    window: 'PT1H'
    operator: 'GreaterThan'
    threshold: 500
    query: '''
AppMetrics
| where Name == "qpay.reconciler.backlog"
| summarize recent = maxif(Sum, TimeGenerated > ago(30m)), earlier = maxif(Sum, TimeGenerated <= ago(30m))
| where recent > earlier
| project value = recent
'''
  }
]

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-qpay-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'qpay-oncall'
    enabled: true
    emailReceivers: empty(alertEmail)
      ? []
      : [
          {
            name: 'on-call'
            emailAddress: alertEmail
            useCommonAlertSchema: true
          }
        ]
  }
}

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [
  for rule in rules: {
    name: 'alert-qpay-${rule.name}-${resourceToken}'
    location: location
    tags: tags
    properties: {
      displayName: 'QPay: ${rule.name}'
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        workspaceId
      ]
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Maximum'
            metricMeasureColumn: 'value'
            operator: rule.operator
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'qpay-payments-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'QPay payments (on call)'
    category: 'workbook'
    sourceId: workspaceId
    serializedData: loadTextContent('../workbooks/payments.workbook.json')
  }
}

output actionGroupId string = actionGroup.id
output ruleNames array = [for (rule, i) in rules: alertRules[i].name]
