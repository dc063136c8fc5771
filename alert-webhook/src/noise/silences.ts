import type { HttpClient } from '@vigil/service-kit';
import type { Matcher } from '../routing/matchers';

export interface SilenceRequest {
  matchers: readonly Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/**
 * Alertmanager's v2 silence API (POST /api/v2/silences, DELETE /api/v2/silence/{id}). Our matcher text
 * is Alertmanager's own syntax, so values (regexes included, `(?i)` too) pass through unchanged.
 */
export class AlertmanagerSilences {
  private readonly base: string;

  constructor(
    url: string,
    private readonly client: HttpClient,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  /** Resolves with the new silence's id; rejects with Alertmanager's own words when it refuses. */
  async create(s: SilenceRequest): Promise<string> {
    const body = {
      matchers: s.matchers.map((m) => ({
        name: m.name,
        value: m.value,
        isRegex: m.op === '=~' || m.op === '!~',
        isEqual: m.op === '=' || m.op === '=~',
      })),
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      createdBy: s.createdBy,
      comment: s.comment,
    };
    const res = await this.request('POST', '/api/v2/silences', JSON.stringify(body));
    const parsed = JSON.parse(res) as { silenceID?: unknown };
    if (typeof parsed.silenceID !== 'string') throw new Error('Alertmanager answered without a silenceID');
    return parsed.silenceID;
  }

  /** Expires the silence (Alertmanager keeps expired ones for its retention period). */
  async expire(id: string): Promise<void> {
    await this.request('DELETE', `/api/v2/silence/${encodeURIComponent(id)}`);
  }

  private async request(method: string, path: string, body?: string): Promise<string> {
    const res = await this.client.request(`${this.base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body !== undefined && { body }),
    });
    const { status, text } = res;
    if (status < 200 || status >= 300)
      throw new Error(`Alertmanager ${method} ${path}: HTTP ${status} ${text.slice(0, 200)}`);
    return text;
  }
}
