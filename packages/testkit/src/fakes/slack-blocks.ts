/**
 * Block Kit as Slack checks it, for the fakes of its incoming webhooks and Web API
 * (api.slack.com/reference/block-kit/blocks: limits per block type, 50 blocks a message).
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function textObject(v: unknown, max: number, types = ['plain_text', 'mrkdwn']): boolean {
  return (
    isObject(v) &&
    types.includes(v.type as string) &&
    typeof v.text === 'string' &&
    v.text.length > 0 &&
    v.text.length <= max
  );
}

function validUrl(v: unknown): boolean {
  if (typeof v !== 'string' || v.length > 3000) return false;
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}

/** A button opens a URL, or is an interactive one (action_id, value) whose press Slack posts to the app. */
function validButton(e: unknown): boolean {
  if (!isObject(e) || e.type !== 'button' || !textObject(e.text, 75, ['plain_text'])) return false;
  if (e.url !== undefined && !validUrl(e.url)) return false;
  if (e.action_id !== undefined && (typeof e.action_id !== 'string' || e.action_id.length > 255))
    return false;
  if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > 2000)) return false;
  if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') return false;
  return e.url !== undefined || e.action_id !== undefined;
}

function validBlock(block: unknown): boolean {
  if (!isObject(block)) return false;
  switch (block.type) {
    case 'header':
      return textObject(block.text, 150, ['plain_text']);
    case 'section': {
      const fields = block.fields;
      if (block.text === undefined && fields === undefined) return false;
      if (block.text !== undefined && !textObject(block.text, 3000)) return false;
      return (
        fields === undefined ||
        (Array.isArray(fields) && fields.length <= 10 && fields.every((f) => textObject(f, 2000)))
      );
    }
    case 'context':
      return (
        Array.isArray(block.elements) &&
        block.elements.length >= 1 &&
        block.elements.length <= 10 &&
        block.elements.every((e) => textObject(e, 3000))
      );
    case 'actions':
      return (
        Array.isArray(block.elements) &&
        block.elements.length >= 1 &&
        block.elements.length <= 25 &&
        block.elements.every(validButton)
      );
    case 'divider':
      return true;
    default:
      return false;
  }
}

function validBlocks(blocks: unknown): boolean {
  return Array.isArray(blocks) && blocks.length <= 50 && blocks.every(validBlock);
}

/** The error Slack answers for a message's blocks and attachments, or undefined when they are fine. */
export function blockKitError(payload: Json): 'invalid_blocks' | 'invalid_attachments' | undefined {
  if (payload.blocks !== undefined && !validBlocks(payload.blocks)) return 'invalid_blocks';
  const attachments = payload.attachments ?? [];
  if (!Array.isArray(attachments) || attachments.length > 100) return 'invalid_attachments';
  for (const attachment of attachments) {
    if (!isObject(attachment)) return 'invalid_attachments';
    if (attachment.color !== undefined && !/^#[0-9A-Fa-f]{6}$/.test(String(attachment.color)))
      return 'invalid_attachments';
    if (attachment.blocks !== undefined && !validBlocks(attachment.blocks)) return 'invalid_blocks';
  }
  return undefined;
}
