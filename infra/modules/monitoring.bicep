// Log Analytics and a workspace-based Application Insights with local (instrumentation key)
// auth off: telemetry is accepted only with an Entra token, which the app's identity gets through
// the Monitoring Metrics Publisher role (rbac.bicep) and APPLICATIONINSIGHTS_AUTHENTICATION_STRING.

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Azure region of both.')
param location string

@description('Tags for both.')
param tags object

@description('Days Log Analytics keeps data (30 is included in the price).')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

output logAnalyticsWorkspaceId string = workspace.id
output applicationInsightsName string = applicationInsights.name
// Not a secret: with local auth off the instrumentation key alone cannot send telemetry.
output applicationInsightsConnectionString string = applicationInsights.properties.ConnectionString
// Alert rules and the workbook (alerts.bicep) query the workspace's AppMetrics and AppTraces.
output workspaceId string = workspace.id
