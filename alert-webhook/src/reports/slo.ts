import type { SloAttainment, SloSection } from '@vigil/api-contract';
import { HttpClient, type HttpClientSettings } from '@vigil/service-kit';

/**
 * The series rules/ generates for every SLO (rules/src/slo/rules.ts), labelled service and slo: the rates of
 * bad and of all events over 5 minutes, and the objective as a ratio.
 */
export const ERROR_RATE_SERIES = 'slo:sli_error:rate5m';
export const TOTAL_RATE_SERIES = 'slo:sli_total:rate5m';
export const OBJECTIVE_SERIES = 'slo:objective:ratio';

/** SLO attainment over [from, to). */
export interface SloSource {
  attainment(from: Date, to: Date): Promise<SloSection>;
}

export const sloNotConfigured: SloSource = {
  attainment: () => Promise.resolve({ status: 'not_configured', error: null, objectives: [] }),
};

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

const key = (metric: Record<string, string>) => JSON.stringify([metric.service ?? '', metric.slo ?? '']);

/**
 * Reads SLO attainment from the Prometheus that evaluates the generated SLO rules. A period's error ratio
 * is its bad events over all its events, summed from the 5-minute rates as the rules' own long windows are
 * (so minutes without traffic weigh nothing); the budget it consumed is that ratio over the allowed one
 * (1 - objective). Should Prometheus not answer, the section
 * says so (status unavailable, the reason in error): a report is still worth sending without it.
 */
export class PrometheusSlo implements SloSource {
  private readonly client: HttpClient;

  constructor(
    private readonly url: string,
    http: HttpClientSettings,
  ) {
    this.client = new HttpClient(http);
  }

  async attainment(from: Date, to: Date): Promise<SloSection> {
    // One millisecond short of the period: Prometheus 2 ranges include their start, and the sample at
    // `from` belongs to the period before.
    const range = `${Math.max(1, to.getTime() - from.getTime() - 1)}ms`;
    const at = to.getTime() / 1000;
    try {
      const [errors, objectives] = await Promise.all([
        this.query(
          `sum by (service, slo) (sum_over_time(${ERROR_RATE_SERIES}[${range}]))\n/\n` +
            `sum by (service, slo) (sum_over_time(${TOTAL_RATE_SERIES}[${range}]))`,
          at,
        ),
        this.query(`max by (service, slo) (last_over_time(${OBJECTIVE_SERIES}[${range}]))`, at),
      ]);
      // A period without any event has no ratio (0/0).
      const errorRatios = new Map(
        errors
          .filter((s) => !Number.isNaN(Number(s.value[1])))
          .map((s) => [key(s.metric), Number(s.value[1])]),
      );
      return {
        status: 'ok',
        error: null,
        objectives: objectives
          .map((s): SloAttainment => {
            const objective = Number(s.value[1]);
            const errorRatio = errorRatios.get(key(s.metric)) ?? null;
            // Rounded as rules/ rounds it: 1 - 0.999 is 0.0010000000000000009.
            const budget = Number((1 - objective).toFixed(10));
            return {
              service: s.metric.service ?? '',
              slo: s.metric.slo ?? '',
              objective,
              error_ratio: errorRatio,
              budget_consumed:
                errorRatio === null || budget <= 0 ? null : Number((errorRatio / budget).toPrecision(12)),
            };
          })
          .sort((a, b) => a.service.localeCompare(b.service) || a.slo.localeCompare(b.slo)),
      };
    } catch (err) {
      return { status: 'unavailable', error: (err as Error).message, objectives: [] };
    }
  }

  private async query(expr: string, at: number): Promise<Sample[]> {
    const params = new URLSearchParams({ query: expr, time: String(at) });
    const where = `Prometheus at ${this.url}`;
    let response;
    try {
      response = await this.client.request(`${this.url.replace(/\/+$/, '')}/api/v1/query?${params}`);
    } catch (err) {
      throw new Error(`${where} did not answer: ${(err as Error).message}`);
    }
    let body: { status?: string; error?: string; data?: { resultType?: string; result?: Sample[] } };
    try {
      body = JSON.parse(response.text) as typeof body;
    } catch {
      throw new Error(`${where} answered ${response.status} ${response.statusText} without JSON`);
    }
    if (response.status !== 200 || body.status !== 'success')
      throw new Error(`${where} answered ${response.status}: ${body.error ?? response.statusText}`);
    if (body.data?.resultType !== 'vector' || !Array.isArray(body.data.result))
      throw new Error(`${where} answered an unexpected ${body.data?.resultType ?? 'missing'} result`);
    return body.data.result;
  }
}
