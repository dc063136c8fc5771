import { startFakeApi, type ApiReply, type ApiRequest, type FakeApi } from './api';

export interface SlackMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  /** The parent's ts, for a reply in a thread. */
  threadTs?: string;
  /** Every version, the first as posted. */
  edits: Record<string, unknown>[];
}

export interface FakeSlack extends FakeApi {
  /** The Web API base URL to configure (`<url>/api`). */
  apiUrl: string;
  /** Messages by ts. */
  messages: Map<string, SlackMessage>;
}

const error = (code: string): ApiReply => ({ status: 200, body: { ok: false, error: code } });

/**
 * Slack's Web API for chat.postMessage and chat.update as Slack answers them: HTTP 200 with
 * `{ok: false, error}` for a missing or unknown token (not_authed, invalid_auth), an unknown channel
 * (channel_not_found), nothing to say (no_text), an unknown ts (message_not_found) or thread
 * (thread_not_found), a body that is not JSON (invalid_json); 429 `{ok: false, error: "ratelimited"}`
 * with Retry-After while throttled; `{ok: true, channel, ts, message}` otherwise.
 */
export async function startFakeSlack(
  tokens: readonly string[],
  channels: readonly string[],
): Promise<FakeSlack> {
  const messages = new Map<string, SlackMessage>();
  let clock = 1_700_000_000;
  const answer = (req: ApiRequest): ApiReply => {
    const method = req.path.replace(/^\/api\//, '');
    if (req.method !== 'POST' || !['chat.postMessage', 'chat.update'].includes(method))
      return { status: 404, body: { ok: false, error: 'unknown_method' } };
    const auth = req.headers.authorization;
    if (!auth) return error('not_authed');
    if (!tokens.includes(auth.replace(/^Bearer /, ''))) return error('invalid_auth');
    if (!String(req.headers['content-type']).startsWith('application/json')) return error('invalid_arg_name');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return error('invalid_json');
    }
    const channel = String(body.channel ?? '');
    if (!channels.includes(channel)) return error('channel_not_found');
    const hasContent =
      typeof body.text === 'string' || Array.isArray(body.blocks) || Array.isArray(body.attachments);
    if (!hasContent) return error('no_text');
    const content = {
      ...(typeof body.text === 'string' && { text: body.text }),
      ...(Array.isArray(body.blocks) && { blocks: body.blocks }),
      ...(Array.isArray(body.attachments) && { attachments: body.attachments }),
    };
    if (method === 'chat.update') {
      const found = messages.get(String(body.ts));
      if (!found || found.channel !== channel) return error('message_not_found');
      Object.assign(found, content);
      found.edits.push(body);
      return { status: 200, body: { ok: true, channel, ts: found.ts, text: found.text ?? '' } };
    }
    const threadTs = body.thread_ts === undefined ? undefined : String(body.thread_ts);
    if (threadTs !== undefined && !messages.has(threadTs)) return error('thread_not_found');
    const ts = `${++clock}.000100`;
    const message: SlackMessage = { channel, ts, ...content, ...(threadTs && { threadTs }), edits: [body] };
    messages.set(ts, message);
    return { status: 200, body: { ok: true, channel, ts, message: { type: 'message', ts, ...content } } };
  };
  const fake = await startFakeApi(answer, () => ({ status: 429, body: { ok: false, error: 'ratelimited' } }));
  return { ...fake, apiUrl: `${fake.url}/api`, messages };
}
