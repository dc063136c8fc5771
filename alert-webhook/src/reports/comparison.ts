import type { Change, PeriodComparison, SlaReport, SloSection } from '@vigil/api-contract';

/** The report's incident figures, without what is added from Prometheus and the previous period. */
export type IncidentFigures = Omit<SlaReport, 'slo' | 'comparison'>;

const change = (current: number | null, previous: number | null): Change => ({
  current,
  previous,
  // To 12 significant digits: 0.3 - 0.1 is 0.19999999999999998.
  delta: current === null || previous === null ? null : Number((current - previous).toPrecision(12)),
});

const sloKey = (o: { service: string; slo: string }) => JSON.stringify([o.service, o.slo]);

/** Each figure of `current` beside the same of `previous`; severities and SLOs of either period. */
export function comparePeriods(
  current: IncidentFigures & { slo: SloSection },
  previous: IncidentFigures & { slo: SloSection },
): PeriodComparison {
  const severities = [...new Set([...current.sla, ...previous.sla].map((s) => s.severity))];
  const attainment = (r: IncidentFigures, severity: string) =>
    r.sla.find((s) => s.severity === severity)?.attainment ?? null;
  const slos = new Map(
    [...current.slo.objectives, ...previous.slo.objectives].map((o) => [
      sloKey(o),
      { service: o.service, slo: o.slo },
    ]),
  );
  const budget = (section: SloSection, k: string) =>
    section.objectives.find((o) => sloKey(o) === k)?.budget_consumed ?? null;
  return {
    previous_from: previous.from,
    previous_to: previous.to,
    incidents: change(current.incidents.total, previous.incidents.total),
    mtta_seconds: change(current.mtta_seconds, previous.mtta_seconds),
    mttr_seconds: change(current.mttr_seconds, previous.mttr_seconds),
    sla: severities.map((severity) => ({
      severity,
      attainment: change(attainment(current, severity), attainment(previous, severity)),
    })),
    slo: [...slos].map(([k, o]) => ({
      ...o,
      budget_consumed: change(budget(current.slo, k), budget(previous.slo, k)),
    })),
  };
}
