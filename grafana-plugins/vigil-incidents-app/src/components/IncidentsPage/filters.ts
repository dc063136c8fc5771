import type { IncidentStatus } from '../../types';

/** The list's filters live in the URL, so that a view can be shared and dashboards can link to it. */
export interface IncidentFilters {
  status: 'open' | IncidentStatus | 'all';
  severity: string;
  service: string;
  team: string;
  range: keyof typeof RANGES | 'all';
  /** Seconds between automatic reloads; 0 is off. */
  refresh: number;
}

export const STATUS_OPTIONS: Array<{ label: string; value: IncidentFilters['status'] }> = [
  { label: 'Open', value: 'open' },
  { label: 'Triggered', value: 'triggered' },
  { label: 'Acknowledged', value: 'acknowledged' },
  { label: 'Resolved', value: 'resolved' },
  { label: 'All', value: 'all' },
];

export const SEVERITY_OPTIONS = ['all', 'critical', 'error', 'warning', 'info'].map((v) => ({
  label: v === 'all' ? 'All' : v,
  value: v,
}));

/**
 * The severity choices, with the one in force when it is none of the usual (`none`, which alert-webhook
 * gives alerts without a severity, or a custom one a report links to).
 */
export function severityOptions(current: string) {
  return SEVERITY_OPTIONS.some((o) => o.value === current)
    ? SEVERITY_OPTIONS
    : [...SEVERITY_OPTIONS, { label: current, value: current }];
}

const HOUR = 3_600_000;
export const RANGES = { '1h': HOUR, '6h': 6 * HOUR, '24h': 24 * HOUR, '7d': 168 * HOUR, '30d': 720 * HOUR };
export const RANGE_OPTIONS = [
  ...Object.keys(RANGES).map((r) => ({ label: r, value: r as IncidentFilters['range'] })),
  { label: 'any time', value: 'all' as const },
];

export const REFRESH_OPTIONS = [
  { label: 'Off', value: 0 },
  { label: '10s', value: 10 },
  { label: '30s', value: 30 },
  { label: '1m', value: 60 },
  { label: '5m', value: 300 },
];

export const DEFAULTS: IncidentFilters = {
  status: 'open',
  severity: 'all',
  service: '',
  team: '',
  range: 'all',
  refresh: 30,
};

const oneOf = <T>(options: Array<{ value: T }>, value: unknown, fallback: T): T =>
  options.find((o) => String(o.value) === value)?.value ?? fallback;

export function readFilters(params: URLSearchParams): IncidentFilters {
  return {
    status: oneOf(STATUS_OPTIONS, params.get('status'), DEFAULTS.status),
    // Any severity: alert labels are free-form, and a report's bar links to the one it counts.
    severity: params.get('severity')?.trim() || DEFAULTS.severity,
    service: params.get('service') ?? '',
    team: params.get('team') ?? '',
    range: oneOf(RANGE_OPTIONS, params.get('range'), DEFAULTS.range),
    refresh: oneOf(REFRESH_OPTIONS, params.get('refresh'), DEFAULTS.refresh),
  };
}

/** Only what differs from the defaults goes into the URL. */
export function writeFilters(filters: IncidentFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value !== DEFAULTS[key as keyof IncidentFilters]) params.set(key, String(value));
  }
  return params;
}

/** alert-webhook's GET /incidents query parameters for the filters, at time `now`. */
export function toQuery(filters: IncidentFilters, limit: number, now: number) {
  return { ...toFilterQuery(filters, now), limit };
}

/** The filters alone, as GET /incidents and its CSV export (GET /incidents.csv) both take them. */
export function toFilterQuery(filters: IncidentFilters, now: number) {
  return {
    status:
      filters.status === 'open'
        ? 'triggered,acknowledged'
        : filters.status === 'all'
          ? undefined
          : filters.status,
    severity: filters.severity === 'all' ? undefined : filters.severity,
    service: filters.service.trim() || undefined,
    team: filters.team.trim() || undefined,
    since: filters.range === 'all' ? undefined : new Date(now - RANGES[filters.range]).toISOString(),
  };
}
