import { blockKitError } from '../src/fakes/slack-blocks';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const button = (extra: Record<string, unknown>) => ({ type: 'button', text: plain('Go'), ...extra });
const actions = (...elements: unknown[]) => ({ blocks: [{ type: 'actions', elements }] });

describe('Block Kit as the Slack fakes check it', () => {
  it('takes the blocks and attachments Vigil sends', () => {
    expect(
      blockKitError({
        blocks: [
          { type: 'header', text: plain('[CRITICAL] checkout') },
          { type: 'section', text: mrkdwn('*Status*'), fields: [mrkdwn('a'), plain('b')] },
          { type: 'context', elements: [mrkdwn('… and 3 more alerts')] },
          { type: 'divider' },
          {
            type: 'actions',
            elements: [
              button({ url: 'https://grafana.example/a' }),
              button({ action_id: 'ack', value: '7', style: 'primary' }),
            ],
          },
        ],
        attachments: [{ color: '#E01E5A', blocks: [{ type: 'section', text: mrkdwn('x') }] }],
      }),
    ).toBeUndefined();
  });

  it('refuses blocks past their limits, of no known type, or with text of the wrong kind', () => {
    for (const payload of [
      { blocks: 'not a list' },
      { blocks: [null] },
      { blocks: [{ type: 'carousel' }] },
      { blocks: [{ type: 'header', text: mrkdwn('headers are plain text') }] },
      { blocks: [{ type: 'header', text: plain('') }] },
      { blocks: [{ type: 'section' }] },
      { blocks: [{ type: 'section', text: mrkdwn('x'.repeat(3001)) }] },
      { blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => mrkdwn('f')) }] },
      { blocks: [{ type: 'section', fields: [mrkdwn('x'.repeat(2001))] }] },
      { blocks: [{ type: 'context', elements: [] }] },
      { blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) },
    ])
      expect({ payload, error: blockKitError(payload) }).toEqual({ payload, error: 'invalid_blocks' });
  });

  it('refuses buttons that neither open a URL nor carry an action_id, or break their limits', () => {
    for (const payload of [
      actions(),
      actions(button({})),
      actions(button({ url: 'javascript:alert(1)' })),
      actions(button({ url: 'not a url' })),
      actions(button({ action_id: 'a'.repeat(256) })),
      actions(button({ action_id: 'ack', value: 'v'.repeat(2001) })),
      actions(button({ action_id: 'ack', style: 'loud' })),
      actions({ type: 'select', text: plain('Go'), action_id: 'x' }),
      actions({ type: 'button', text: plain('x'.repeat(76)), action_id: 'x' }),
    ])
      expect({ payload, error: blockKitError(payload) }).toEqual({ payload, error: 'invalid_blocks' });
  });

  it('refuses attachments that are no list of objects, too many, coloured wrongly, or with bad blocks', () => {
    for (const payload of [
      { attachments: {} },
      { attachments: Array.from({ length: 101 }, () => ({})) },
      { attachments: ['text'] },
      { attachments: [{ color: 'red' }] },
    ])
      expect({ payload, error: blockKitError(payload) }).toEqual({ payload, error: 'invalid_attachments' });
    expect(blockKitError({ attachments: [{ blocks: [{ type: 'nope' }] }] })).toBe('invalid_blocks');
  });
});
