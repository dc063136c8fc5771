export const PLUGIN_ID = 'vigil-incidents-app';
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

/** alert-webhook's REST API through Grafana's plugin proxy: the `vigil` route of plugin.json adds URL and token. */
export const API_BASE = `/api/plugin-proxy/${PLUGIN_ID}/vigil/api/v1`;

export const ROUTES = {
  incidents: `${PLUGIN_BASE_URL}/incidents`,
  incident: (id: number | string) => `${PLUGIN_BASE_URL}/incidents/${id}`,
  postmortem: (id: number | string) => `${PLUGIN_BASE_URL}/incidents/${id}/postmortem`,
  oncall: `${PLUGIN_BASE_URL}/oncall`,
  reports: `${PLUGIN_BASE_URL}/reports`,
  maintenance: `${PLUGIN_BASE_URL}/maintenance`,
};
