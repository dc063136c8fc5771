import type { SlaReport } from '../types';

/** A month's SLA report as alert-webhook answers it, with every section filled. */
export const report: SlaReport = {
  from: '2026-11-02T12:00:00Z',
  to: '2026-12-02T12:00:00Z',
  incidents: { total: 17, by_severity: { critical: 15, warning: 2 }, by_service: { checkout: 12, db: 5 } },
  mtta_seconds: 250,
  mttr_seconds: 5400,
  sla: [
    { severity: 'critical', ack_within_seconds: 900, incidents: 15, met: 14, attainment: 14 / 15 },
    { severity: 'info', ack_within_seconds: 86400, incidents: 0, met: 0, attainment: null },
  ],
  noisiest_alerts: [
    { alertname: 'HighErrorRate', service: 'checkout', incidents: 9, occurrences: 40 },
    { alertname: 'DiskFull', service: 'db', incidents: 5, occurrences: 10 },
  ],
  by_day: [
    { date: '2026-11-30', opened: 2, mtta_seconds: 120, mttr_seconds: 3600 },
    { date: '2026-12-01', opened: 0, mtta_seconds: null, mttr_seconds: null },
    { date: '2026-12-02', opened: 4, mtta_seconds: 300, mttr_seconds: 7200 },
  ],
  slo: {
    status: 'ok',
    error: null,
    objectives: [
      {
        service: 'checkout',
        slo: 'availability',
        objective: 0.999,
        error_ratio: 0.0005,
        budget_consumed: 0.5,
      },
      { service: 'search', slo: 'latency', objective: 0.99, error_ratio: 0.012, budget_consumed: 1.2 },
    ],
  },
  comparison: {
    previous_from: '2026-10-03T12:00:00Z',
    previous_to: '2026-11-02T12:00:00Z',
    incidents: { current: 17, previous: 12, delta: 5 },
    mtta_seconds: { current: 250, previous: 300, delta: -50 },
    mttr_seconds: { current: 5400, previous: null, delta: null },
    sla: [{ severity: 'critical', attainment: { current: 14 / 15, previous: 1, delta: 14 / 15 - 1 } }],
    slo: [
      {
        service: 'checkout',
        slo: 'availability',
        budget_consumed: { current: 0.5, previous: 0.25, delta: 0.25 },
      },
      { service: 'search', slo: 'latency', budget_consumed: { current: 1.2, previous: null, delta: null } },
    ],
  },
};
