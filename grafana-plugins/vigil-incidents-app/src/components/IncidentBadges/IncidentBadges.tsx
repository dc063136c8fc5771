import { Badge, type BadgeColor } from '@grafana/ui';
import type { IncidentStatus } from '../../types';

const STATUS_COLOR: Record<IncidentStatus, BadgeColor> = {
  triggered: 'red',
  acknowledged: 'orange',
  resolved: 'green',
};

const SEVERITY_COLOR: Record<string, BadgeColor> = {
  critical: 'red',
  error: 'red',
  warning: 'orange',
  info: 'blue',
};

export function StatusBadge({ status }: { status: IncidentStatus }) {
  return <Badge text={status} color={STATUS_COLOR[status]} />;
}

export function SeverityBadge({ severity }: { severity: string }) {
  return <Badge text={severity} color={SEVERITY_COLOR[severity.toLowerCase()] ?? 'darkgrey'} />;
}
