/** data-testid values, shared by the components, their tests and the browser harness. */
export const testIds = {
  appConfig: {
    url: 'vigil-config-url',
    apiToken: 'vigil-config-api-token',
    save: 'vigil-config-save',
    test: 'vigil-config-test',
    result: 'vigil-config-result',
  },
  incidents: {
    page: 'vigil-incidents-page',
    table: 'vigil-incidents-table',
    row: 'vigil-incidents-row',
    service: 'vigil-incidents-filter-service',
    team: 'vigil-incidents-filter-team',
    more: 'vigil-incidents-more',
  },
  incident: {
    page: 'vigil-incident-page',
    status: 'vigil-incident-status',
    alert: 'vigil-incident-alert',
    annotations: 'vigil-incident-annotations',
    timeline: 'vigil-incident-timeline',
    notifications: 'vigil-incident-notifications',
    actionError: 'vigil-incident-action-error',
    note: 'vigil-incident-note',
    assignee: 'vigil-incident-assignee',
  },
  oncall: { page: 'vigil-oncall-page', schedule: 'vigil-oncall-schedule' },
  reports: { page: 'vigil-reports-page', chart: 'vigil-reports-chart' },
  maintenance: {
    page: 'vigil-maintenance-page',
    window: 'vigil-maintenance-window',
    covered: 'vigil-maintenance-covered',
    form: 'vigil-maintenance-form',
    matcher: 'vigil-maintenance-matcher',
    formError: 'vigil-maintenance-form-error',
  },
};
