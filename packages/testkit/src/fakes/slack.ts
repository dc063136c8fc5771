import { startFakeApi, type ApiReply, type ApiRequest, type FakeApi } from './api';
import { blockKitError } from './slack-blocks';

export interface SlackMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  /** The parent's ts, for a reply in a thread. */
  threadTs?: string;
  /** Message metadata posted with it (event_type and event_payload). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
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

/** Write methods take JSON; read methods form fields (Slack ignores a JSON body there). */
const WRITE_METHODS = ['chat.postMessage', 'chat.update'];
const READ_METHODS = ['conversations.history'];

/** Slack's rule for metadata: an event_type of letters, digits and underscores, an object payload. */
function validMetadata(metadata: unknown): metadata is SlackMessage['metadata'] {
  const m = metadata as SlackMessage['metadata'];
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.event_type === 'string' &&
    /^[A-Za-z0-9_]{1,255}$/.test(m.event_type) &&
    typeof m.event_payload === 'object' &&
    m.event_payload !== null &&
    !Array.isArray(m.event_payload)
  );
}

/** A message as the Web API lists it: metadata only when asked for. */
function listed(m: SlackMessage, withMetadata: boolean) {
  return {
    type: 'message',
    ts: m.ts,
    ...(m.text !== undefined && { text: m.text }),
    ...(m.threadTs !== undefined && { thread_ts: m.threadTs }),
    ...(withMetadata && m.metadata && { metadata: m.metadata }),
  };
}

/**
 * Slack's Web API for chat.postMessage, chat.update and conversations.history as Slack answers them: HTTP
 * 200 with `{ok: false, error}` for a missing or unknown token (not_authed, invalid_auth), an unknown
 * channel (channel_not_found), nothing to say (no_text), an unknown ts (message_not_found) or thread
 * (thread_not_found: thread_ts must be a message of the same channel), malformed metadata
 * (invalid_metadata_format), a body that is not JSON (invalid_json); 429 `{ok: false, error: "ratelimited"}`
 * with Retry-After while throttled; `{ok: true, channel, ts, message}` otherwise. conversations.history
 * (form fields) lists the channel's top-level messages newest first, from `oldest`, `limit` at a time with
 * a `cursor`, their metadata only with `include_all_metadata`.
 */
export async function startFakeSlack(
  tokens: readonly string[],
  channels: readonly string[],
): Promise<FakeSlack> {
  const messages = new Map<string, SlackMessage>();
  // ts as Slack makes them: the time of posting in seconds, to the microsecond, each one later than the last.
  let lastUs = 0;
  const nextTs = () => {
    lastUs = Math.max(lastUs + 1, Date.now() * 1000);
    return `${Math.floor(lastUs / 1e6)}.${String(lastUs % 1e6).padStart(6, '0')}`;
  };
  const history = (fields: URLSearchParams): ApiReply => {
    const channel = fields.get('channel') ?? '';
    if (!channels.includes(channel)) return error('channel_not_found');
    const limit = Math.min(Number(fields.get('limit') ?? 100) || 100, 999);
    const oldest = Number(fields.get('oldest') ?? 0);
    const withMetadata = ['true', '1'].includes(fields.get('include_all_metadata') ?? '');
    const all = [...messages.values()]
      .filter((m) => m.channel === channel && m.threadTs === undefined && Number(m.ts) > oldest)
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const cursor = fields.get('cursor');
    const from = cursor
      ? Number(
          Buffer.from(cursor, 'base64')
            .toString('utf8')
            .replace(/^next:/, ''),
        )
      : 0;
    if (!Number.isInteger(from) || from < 0) return error('invalid_cursor');
    const page = all.slice(from, from + limit);
    const more = from + limit < all.length;
    return {
      status: 200,
      body: {
        ok: true,
        messages: page.map((m) => listed(m, withMetadata)),
        has_more: more,
        response_metadata: {
          next_cursor: more ? Buffer.from(`next:${from + limit}`).toString('base64') : '',
        },
      },
    };
  };
  const answer = (req: ApiRequest): ApiReply => {
    const method = req.path.replace(/^\/api\//, '');
    if (req.method !== 'POST' || ![...WRITE_METHODS, ...READ_METHODS].includes(method))
      return { status: 404, body: { ok: false, error: 'unknown_method' } };
    const auth = req.headers.authorization;
    if (!auth) return error('not_authed');
    if (!tokens.includes(auth.replace(/^Bearer /, ''))) return error('invalid_auth');
    const type = String(req.headers['content-type']);
    if (READ_METHODS.includes(method)) {
      if (!type.startsWith('application/x-www-form-urlencoded')) return error('invalid_arguments');
      return history(new URLSearchParams(req.body));
    }
    if (!type.startsWith('application/json')) return error('invalid_arg_name');
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
    if (typeof body.text === 'string' && body.text.length > 40_000) return error('msg_too_long');
    const blocks = blockKitError(body);
    if (blocks) return error(blocks);
    if (body.metadata !== undefined && !validMetadata(body.metadata)) return error('invalid_metadata_format');
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
    if (threadTs !== undefined && messages.get(threadTs)?.channel !== channel)
      return error('thread_not_found');
    const ts = nextTs();
    const metadata = body.metadata as SlackMessage['metadata'];
    const message: SlackMessage = {
      channel,
      ts,
      ...content,
      ...(threadTs && { threadTs }),
      ...(metadata && { metadata }),
      edits: [body],
    };
    messages.set(ts, message);
    return { status: 200, body: { ok: true, channel, ts, message: { type: 'message', ts, ...content } } };
  };
  const fake = await startFakeApi(answer, () => ({ status: 429, body: { ok: false, error: 'ratelimited' } }));
  return { ...fake, apiUrl: `${fake.url}/api`, messages };
}
