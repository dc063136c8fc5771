import { startFakeSlack, waitFor, type FakeSlack } from '@vigil/testkit';
import { notification, tempDir } from '../helpers';
import { buildReceiver, startReceiver, type ReceiverProcess } from '../processes';

/**
 * The Slack app's crash gap, in the receiver process: killed (-9) after Slack posted the incident's message
 * and before the receiver saved its ts, the restarted receiver finds the message in the channel's history
 * by its metadata and posts no second one.
 */
const TOKEN = 'xoxb-crash-test-token';
const CHANNEL = 'C0CRASH01';
let slack: FakeSlack;
const { dir, cleanup } = tempDir('vigil-slack-crash-');

beforeAll(async () => {
  buildReceiver();
  slack = await startFakeSlack([TOKEN], [CHANNEL]);
});
afterAll(async () => {
  await slack.close();
  cleanup();
});

const config = () => ({
  api: { tokens: [{ name: 'ops', role: 'responder', token: { env: 'API_TOKEN' } }] },
  notifications: {
    channels: {
      chat: {
        kind: 'slack_app',
        bot_token: { env: 'SLACK_TOKEN' },
        signing_secret: { env: 'SLACK_TOKEN' },
        channel: CHANNEL,
        api_url: slack.apiUrl,
      },
    },
    retry: { max_attempts: 5, initial_delay: '100ms', max_delay: '200ms' },
  },
  routing: { team: 'ops', channels: ['chat'] },
  log_level: 'warn',
});
const env = { SLACK_TOKEN: TOKEN, API_TOKEN: 'a'.repeat(20) };
const topLevel = () => [...slack.messages.values()].filter((m) => !m.threadTs);

it('a receiver killed between Slack posting and saving the ts posts no second message after restart', async () => {
  const doc = config();
  slack.withhold(1);
  let receiver: ReceiverProcess = await startReceiver(dir, doc, env);
  try {
    const res = await fetch(`${receiver.url}/api/v1/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notification([{ fingerprint: 'crash', labels: { severity: 'critical' } }])),
    });
    expect(res.status).toBe(200);
    await waitFor('Slack to have the message', async () => (topLevel().length > 0 ? true : undefined));
    receiver.child.kill('SIGKILL');
    await receiver.exited;

    receiver = await startReceiver(dir, doc, env);
    await waitFor('the history to be looked up', async () =>
      slack.requests.some((q) => q.path === '/api/conversations.history') ? true : undefined,
    );
    const ack = await fetch(`${receiver.url}/api/v1/incidents/1/acknowledge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.API_TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ack.status).toBe(200);
    const [root] = topLevel();
    const replies = () =>
      [...slack.messages.values()].filter((m) => m.threadTs === root!.ts).map((m) => m.text);
    // The edit and the thread reply are two calls; both must have arrived before counting.
    await waitFor('the message to be edited and answered in its thread', async () =>
      root!.edits.length > 1 && replies().length > 0 ? true : undefined,
    );
    expect(topLevel()).toHaveLength(1);
    expect(root!.text).toMatch(/^\[ACKNOWLEDGED\]/);
    expect(replies()).toEqual(['Acknowledged by ops.']);
  } finally {
    await receiver.stop();
  }
});
