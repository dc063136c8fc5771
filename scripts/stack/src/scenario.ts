import { readFileSync } from 'node:fs';
import { Mailbox, sleep, waitFor, type StoredMail } from '@vigil/testkit';
import type { Stack } from './stack';

/** How long any one step may take before the scenario gives up. */
const STEP_TIMEOUT_MS = 60_000;

/**
 * The mails the stack's default routing and escalation (provisioning/alert-webhook/alert-webhook.compose.yml)
 * send about a critical incident before anyone acknowledges it: the team's as it opens, then one per
 * escalation step (the on-call engineer, then the team).
 */
const MAILS_BEFORE_ACK = 3;

export interface Incident {
  id: number;
  status: string;
  severity: string;
  service: string | null;
  team: string | null;
  title: string;
  acknowledged_by: string | null;
  resolved_at: string | null;
  common_labels: Record<string, string>;
  timeline: { at: string; kind: string; actor: string; message: string }[];
}

export interface ScenarioReport {
  timings: { faultToIncidentS: number; faultToEmailS: number; recoveryToResolvedS: number };
  opened: Incident;
  /** The mails about the incident up to the acknowledgement, in arrival order. */
  beforeAck: StoredMail[];
  /** Following the link from the last of them, then pressing its button; the incident's status after each. */
  ackPage: { status: number; html: string; incidentStatus: string };
  ackPost: { status: number; html: string; incidentStatus: string };
  /** The mails about the incident from the acknowledgement until the next escalation step would have gone. */
  afterAck: StoredMail[];
  resolved: Incident;
  /** The mails about the incident after the demo recovered. */
  afterRecovery: StoredMail[];
}

/** The incident a mail is about, from its link: Grafana's incident page, or the receiver's own (/view/<id>.…). */
const incidentOf = (mail: StoredMail) => Number(/\/(?:incidents|view)\/(\d+)\b/.exec(mail.text)?.[1]);
/** When the receiver created the incident (its opened_at is when the alert began, in Prometheus). */
function createdAt(incident: Incident): number {
  const opened = incident.timeline.find((e) => e.kind === 'opened');
  if (!opened) throw new Error(`incident ${incident.id} has no 'opened' timeline entry`);
  return Date.parse(opened.at);
}
const seconds = (ms: number) => Math.round(ms / 100) / 10;

async function ok(response: Promise<Response>): Promise<Response> {
  const r = await response;
  if (!r.ok) throw new Error(`${r.url}: ${r.status} ${await r.text()}`);
  return r;
}

/**
 * A user's first experience of Vigil, on a running stack: make the demo service fail, and follow the page
 * through Prometheus (the ServiceDown rule), Alertmanager and alert-webhook to the email; acknowledge it
 * with the email's link; recover the demo and see the incident resolve. Returns what it observed and how
 * long each leg took; it asserts nothing beyond waiting for each step.
 *
 * escalateAfterMs is the stack's wait between escalation steps: the scenario waits for the second step, so
 * that the acknowledgement is seen to stop a running escalation, then one wait more to see nothing follow.
 */
export async function faultToEmail(stack: Stack, escalateAfterMs: number): Promise<ScenarioReport> {
  const { demo, prometheus, 'alert-webhook': receiver } = stack.urls;
  const auth = { authorization: `Bearer ${readFileSync(stack.apiTokenFile, 'utf8').trim()}` };
  const getJson = async <T>(url: string) => (await (await ok(fetch(url, { headers: auth }))).json()) as T;
  const incident = (id: number) => getJson<Incident>(`${receiver}/api/v1/incidents/${id}`);
  const post = (url: string, body?: unknown) =>
    ok(
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
  const mailbox = new Mailbox(stack.mailDir);
  const mailsAbout = async (id: number) => (await mailbox.read()).filter((m) => incidentOf(m) === id);
  const wait = <T>(what: string, probe: () => Promise<T | undefined>) =>
    waitFor(what, probe, { timeoutMs: STEP_TIMEOUT_MS });

  // The clock starts at a healthy, fully scraped demo, so that no leg includes the stack's start.
  const healthy = encodeURIComponent('healthcheck_service_status{service="demo",status="ok"} == 1');
  await wait('Prometheus seeing the demo healthy', async () => {
    const { data } = await getJson<{ data: { result: unknown[] } }>(
      `${prometheus}/api/v1/query?query=${healthy}`,
    );
    return data.result.length > 0 || undefined;
  });

  await post(`${demo}/admin/fail`, { error_rate: 1 }); // /healthz now answers 503
  const faultAt = Date.now();
  const since = encodeURIComponent(new Date(faultAt).toISOString());
  const opened = await wait('an incident for ServiceDown on the demo', async () => {
    const { items } = await getJson<{ items: Incident[] }>(
      `${receiver}/api/v1/incidents?service=demo&since=${since}`,
    );
    const found = items.find((i) => i.common_labels.alertname === 'ServiceDown');
    return found && incident(found.id);
  });
  const first = await wait('the first email about it', async () => (await mailsAbout(opened.id))[0]);
  const beforeAck = await wait(`${MAILS_BEFORE_ACK} emails about it (escalation under way)`, async () => {
    const mails = await mailsAbout(opened.id);
    return mails.length >= MAILS_BEFORE_ACK ? mails : undefined;
  });

  // As a person would: open the link (a page with a button; opening alone must change nothing), press it.
  const link = /^Acknowledge: (\S+)$/m.exec(beforeAck.at(-1)?.text ?? '')?.[1];
  if (!link) throw new Error(`no acknowledge link in ${beforeAck.at(-1)?.file}`);
  const page = await fetch(link);
  const ackPage = {
    status: page.status,
    html: await page.text(),
    incidentStatus: (await incident(opened.id)).status,
  };
  const pressed = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
  });
  const ackedAt = Date.now();
  const ackPost = {
    status: pressed.status,
    html: await pressed.text(),
    incidentStatus: (await incident(opened.id)).status,
  };
  // The next step was due within one wait step of the last one, which came before the ack; the
  // margin covers the receiver's 1 s escalation tick and the delivery.
  await sleep(ackedAt + escalateAfterMs + 3000 - Date.now());
  const afterAck = (await mailsAbout(opened.id)).filter((m) => m.receivedAt >= ackedAt);

  await post(`${demo}/admin/recover`);
  const recoveredAt = Date.now();
  const resolved = await wait('the incident resolved', async () => {
    const current = await incident(opened.id);
    return current.status === 'resolved' ? current : undefined;
  });
  const afterRecovery = await wait('the resolve email', async () => {
    const mails = (await mailsAbout(opened.id)).filter((m) => m.receivedAt >= recoveredAt);
    return mails.length > 0 ? mails : undefined;
  });

  return {
    timings: {
      faultToIncidentS: seconds(createdAt(opened) - faultAt),
      faultToEmailS: seconds(first.receivedAt - faultAt),
      recoveryToResolvedS: seconds(Date.parse(resolved.resolved_at ?? '') - recoveredAt),
    },
    opened,
    beforeAck,
    ackPage,
    ackPost,
    afterAck,
    resolved,
    afterRecovery,
  };
}
