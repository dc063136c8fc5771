/**
 * The app's own settings. The shapes of alert-webhook's REST API come from @vigil/api-contract, the one
 * definition the receiver validates and answers with; they are re-exported here for the pages.
 */

/** Plugin settings: the field names are shared with provisioning/grafana (the app's provisioned settings). */
// Type aliases, not interfaces: @grafana/data wants them assignable to its KeyValue record.
export type AppJsonData = {
  /** alert-webhook's base URL as Grafana's server reaches it, e.g. http://127.0.0.1:9096 */
  url?: string;
};
export type AppSecureJsonData = {
  apiToken?: string;
};

export type {
  Alert,
  AuditEntry,
  AuditPage,
  Caller,
  Correlation,
  Delivery,
  Incident,
  IncidentDetail,
  IncidentPage,
  IncidentStatus,
  MaintenanceList,
  MaintenanceWindow,
  Notification,
  OnCallResponse,
  Role,
  Route,
  Shift,
  SlaReport,
  Ticket,
  TimelineEntry,
} from '@vigil/api-contract';
