/**
 * Tests' stand-in for Grafana's backend: setBackendSrv gets this fake, which records every request and answers
 * as alert-webhook would behind the plugin proxy. Its roles, state machine and shapes are the API contract's:
 * each request body is validated and each answer checked (strictly) against the operation's schemas, so the
 * fake cannot drift from the receiver.
 */
import { of, throwError, type Observable } from 'rxjs';
import { setBackendSrv, type BackendSrv, type BackendSrvRequest, type FetchResponse } from '@grafana/runtime';
import {
  ACTION_KINDS,
  applyTransition,
  findOperation,
  hasRole,
  isDocument,
  type Caller,
  type IncidentDetail,
  type Notification,
  type Postmortem,
  type PostmortemBody,
  type OnCallResponse,
  type SlaReport,
} from '@vigil/api-contract';
import { API_BASE } from '../constants';

export interface Recorded {
  method: string;
  /** Path below alert-webhook's /api/v1 for API calls; Grafana's own URL otherwise. */
  path: string;
  params?: Record<string, unknown>;
  data?: unknown;
}

interface Options {
  caller?: Caller;
  incidents?: IncidentDetail[];
  notifications?: Record<number, Notification[]>;
  oncall?: OnCallResponse;
  report?: SlaReport;
  /** The configured users (GET /users), who may own action items. */
  users?: string[];
  /** Postmortems already written, by incident id. */
  postmortems?: Record<number, Postmortem>;
}

class Refusal {
  constructor(
    readonly status: number,
    readonly data: unknown,
  ) {}
}
const refuse = (status: number, code: string, message: string, details: unknown[] = []) =>
  new Refusal(status, { error: { code, message, details } });

/** The path segment of each incident action; the timeline's kind is ACTION_KINDS[kind]. */
const ACTIONS = {
  acknowledge: 'acknowledge',
  resolve: 'resolve',
  reopen: 'reopen',
  notes: 'note',
  assign: 'assign',
} as const;
type Action = keyof typeof ACTIONS;

export function fakeVigil(options: Options = {}) {
  const caller = options.caller ?? { name: 'alice', role: 'responder' };
  const incidents = options.incidents ?? [];
  const requests: Recorded[] = [];
  /** Answers set by a test for one "METHOD path", taking precedence (e.g. a proxy refusal). */
  const overrides = new Map<string, Refusal>();
  let clock = Date.parse('2026-12-01T12:00:00Z');
  const now = () => new Date((clock += 1000)).toISOString();
  const users = options.users ?? ['alice', 'bob'];
  const postmortems = new Map(Object.entries(options.postmortems ?? {}).map(([k, v]) => [Number(k), v]));

  /** PUT /incidents/{id}/postmortem as the receiver checks and stores it (owners, timeline entries). */
  function writePostmortem(incident: IncidentDetail, body: Required<PostmortemBody>): Postmortem {
    const problems = [
      ...body.action_items.flatMap((item, i) =>
        item.owner && !users.includes(item.owner)
          ? [{ field: `action_items.${i}.owner`, message: `"${item.owner}" is not a Vigil user` }]
          : [],
      ),
      ...body.timeline_entry_ids.flatMap((id, i) =>
        incident.timeline.some((e) => e.id === id)
          ? []
          : [
              {
                field: `timeline_entry_ids.${i}`,
                message: `is not an entry of incident ${incident.id}'s timeline`,
              },
            ],
      ),
    ];
    if (problems.length) throw refuse(400, 'invalid_request', 'invalid body', problems);
    const at = now();
    const before = postmortems.get(incident.id);
    const written: Postmortem = {
      incident_id: incident.id,
      summary: body.summary,
      impact: body.impact,
      root_cause: body.root_cause,
      timeline: incident.timeline.filter((e) => body.timeline_entry_ids.includes(e.id)),
      action_items: body.action_items.map((item) => ({
        title: item.title,
        owner: item.owner ?? null,
        status: item.status ?? 'open',
        due_date: item.due_date ?? null,
      })),
      created_at: before?.created_at ?? at,
      created_by: before?.created_by ?? caller.name,
      updated_at: at,
      updated_by: caller.name,
    };
    postmortems.set(incident.id, written);
    return written;
  }

  function find(id: string) {
    const incident = incidents.find((i) => i.id === Number(id));
    if (!incident) throw refuse(404, 'not_found', `incident ${id} does not exist`);
    return incident;
  }

  function act(incident: IncidentDetail, action: Action, body: Record<string, unknown>) {
    const kind = ACTIONS[action];
    const at = now();
    let message: string;
    if (kind === 'note') {
      message = body.text as string;
    } else if (kind === 'assign') {
      incident.assignee = (body.assignee as string | null) ?? null;
      message = incident.assignee === null ? 'unassigned' : `assigned to ${incident.assignee}`;
    } else {
      const step = applyTransition(incident.status, kind);
      if (step.outcome === 'invalid')
        throw refuse(409, 'invalid_transition', `cannot ${kind} an incident that is ${incident.status}`);
      if (step.outcome === 'changed') {
        incident.status = step.status;
        if (kind === 'acknowledge')
          Object.assign(incident, { acknowledged_at: at, acknowledged_by: caller.name });
        if (kind === 'resolve') Object.assign(incident, { resolved_at: at, resolved_by: caller.name });
        if (kind === 'reopen')
          Object.assign(incident, {
            acknowledged_at: null,
            acknowledged_by: null,
            resolved_at: null,
            resolved_by: null,
          });
      }
      message = ACTION_KINDS[kind];
    }
    incident.updated_at = at;
    incident.timeline.push({
      id: incident.timeline.length + 1,
      incident_id: incident.id,
      at,
      kind: ACTION_KINDS[kind],
      actor: caller.name,
      message,
      data: { kind, ...body },
    });
    return incident;
  }

  function answer(method: string, path: string, params: Record<string, string>, data: unknown): unknown {
    let m: RegExpMatchArray | null;
    if (method === 'GET' && path === '/whoami') return caller;
    if (method === 'GET' && path === '/incidents') {
      const csv = (v?: string) => v?.split(',').filter(Boolean);
      const statuses = csv(params.status);
      const severities = csv(params.severity);
      const items = incidents
        .filter(
          (i) =>
            (!statuses || statuses.includes(i.status)) &&
            (!severities || severities.includes(i.severity)) &&
            (!params.service || i.service === params.service) &&
            (!params.team || i.team === params.team) &&
            (!params.since || i.opened_at >= params.since),
        )
        .sort((a, b) => b.id - a.id)
        // The list answers incidents without their alerts, timeline, tickets and correlations, as the receiver does.
        .map(({ alerts: _a, timeline: _t, tickets: _k, correlations: _c, ...incident }) => incident);
      const limit = Number(params.limit ?? 50);
      const page = items.slice(0, limit);
      return { items: page, next_cursor: items.length > limit ? String(page.at(-1)!.id) : null };
    }
    if (method === 'GET' && (m = path.match(/^\/incidents\/([^/]+)$/))) return find(m[1]!);
    if (method === 'GET' && (m = path.match(/^\/incidents\/([^/]+)\/notifications$/)))
      return { items: options.notifications?.[find(m[1]!).id] ?? [] };
    if (
      method === 'POST' &&
      (m = path.match(/^\/incidents\/([^/]+)\/(acknowledge|resolve|reopen|notes|assign)$/))
    )
      return act(find(m[1]!), m[2] as Action, (data ?? {}) as Record<string, unknown>);
    if ((m = path.match(/^\/incidents\/([^/]+)\/postmortem$/))) {
      const incident = find(m[1]!);
      if (method === 'PUT') return writePostmortem(incident, data as Required<PostmortemBody>);
      const found = postmortems.get(incident.id);
      if (!found) throw refuse(404, 'not_found', `incident ${incident.id} has no postmortem yet`);
      return found;
    }
    if (method === 'GET' && path === '/users') return { items: users.map((name) => ({ name })) };
    if (method === 'GET' && path === '/oncall' && options.oncall) return options.oncall;
    if (method === 'GET' && path === '/reports/sla' && options.report) return options.report;
    throw refuse(404, 'not_found', 'no such endpoint');
  }

  /** The answer, after the contract's checks: access role, query and body, and the response's own schema. */
  function checked(method: string, path: string, params: Record<string, string>, data: unknown): unknown {
    const op = findOperation(method, `/api/v1${path}`);
    if (!op) throw refuse(404, 'not_found', 'no such endpoint');
    if ((op.access === 'responder' || op.access === 'admin') && !hasRole(caller.role, op.access))
      throw refuse(
        403,
        'forbidden',
        `this action needs the ${op.access} role; token "${caller.name}" is ${caller.role}`,
      );
    const invalid = (where: string, issues: Array<{ path: PropertyKey[]; message: string }>) =>
      refuse(
        400,
        'invalid_request',
        `invalid ${where}`,
        issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
      );
    const query = op.query?.safeParse(params);
    if (query && !query.success) throw invalid('query parameters', query.error.issues);
    const body = op.body?.safeParse(data ?? {});
    if (body && !body.success) throw invalid('body', body.error.issues);
    const answered = answer(method, path, params, body?.data ?? data);
    if (!isDocument(op.response)) op.response.parse(answered);
    return answered;
  }

  const fetch = <T>(req: BackendSrvRequest): Observable<FetchResponse<T>> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const api = req.url.startsWith(API_BASE);
    const path = api ? req.url.slice(API_BASE.length) : req.url;
    requests.push({ method, path, params: req.params, data: req.data });
    try {
      const override = overrides.get(`${method} ${path}`);
      if (override) throw override;
      // Grafana's own endpoints (plugin settings) just accept.
      const body = api ? checked(method, path, req.params ?? {}, req.data) : {};
      // A copy, as over the wire: the page must not share objects with the fake's state.
      const data = JSON.parse(JSON.stringify(body)) as T;
      return of({ data, status: 200, ok: true, config: req } as FetchResponse<T>);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      return throwError(() => ({ status: err.status, data: err.data, config: req }));
    }
  };

  const backend = { fetch } as unknown as BackendSrv;
  setBackendSrv(backend);
  return {
    requests,
    incidents,
    postmortems,
    /** Makes "METHOD path" answer this status and alert-webhook error body from now on. */
    refuse: (route: string, status: number, code: string, message: string) =>
      overrides.set(route, refuse(status, code, message)),
    /** Makes "METHOD path" answer as Grafana itself does for its own errors ({message}). */
    refuseAsGrafana: (route: string, status: number, message: string) =>
      overrides.set(route, new Refusal(status, { message })),
    /** Requests sent to alert-webhook (method and path), in order. */
    calls: () => requests.map((r) => `${r.method} ${r.path}`),
  };
}

let nextId = 1;
/** An incident as GET /api/v1/incidents/{id} answers it. */
export function incident(overrides: Partial<IncidentDetail> = {}): IncidentDetail {
  const id = overrides.id ?? nextId++;
  return {
    id,
    status: 'triggered',
    severity: 'critical',
    service: 'checkout',
    team: 'payments',
    component: null,
    title: `HighErrorRate checkout ${id}`,
    receiver: 'vigil',
    group_key: `{}:{alertname="HighErrorRate", service="checkout"}`,
    group_labels: { alertname: 'HighErrorRate' },
    common_labels: { alertname: 'HighErrorRate', service: 'checkout' },
    external_url: 'http://alertmanager.local:9093',
    opened_at: '2026-12-01T11:00:00.000Z',
    updated_at: '2026-12-01T11:00:00.000Z',
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    assignee: null,
    route: null,
    routes: [],
    flapping_since: null,
    likely_cause: null,
    alerts: [
      {
        id: id * 10,
        incident_id: id,
        fingerprint: `fp${id}`,
        status: 'firing',
        severity: 'critical',
        starts_at: '2026-12-01T10:59:00.000Z',
        ends_at: null,
        labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical' },
        annotations: {
          summary: 'Error ratio above 5%',
          runbook_url: 'https://runbooks.local/high-error-rate',
        },
        generator_url: 'http://prometheus.local:9090/graph',
        last_seen_at: '2026-12-01T11:00:00.000Z',
        extra: {},
      },
    ],
    timeline: [
      {
        id: 1,
        incident_id: id,
        at: '2026-12-01T11:00:00.000Z',
        kind: 'opened',
        actor: 'alertmanager',
        message: '1 alert fired',
        data: null,
      },
    ],
    tickets: [],
    correlations: [],
    ...overrides,
  };
}
