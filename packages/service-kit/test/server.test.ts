import { connect } from 'node:net';
import { listen } from '../src/server';

/** Sends a GET on the socket and resolves with the status line of the answer. */
function get(socket: ReturnType<typeof connect>): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\r\n\r\nok')) {
        socket.off('data', onData);
        resolve(text.split('\r\n')[0] as string);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed by the server after ${JSON.stringify(text)}`)));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
  });
}

describe('listen', () => {
  it("keeps an idle connection open past Node's 5 s, as Go's clients expect", async () => {
    const listening = await listen((_req, res) => res.end('ok'), {
      address: '127.0.0.1',
      port: 0,
      setBy: 'the test',
    });
    const socket = connect(Number(new URL(listening.url).port), '127.0.0.1');
    try {
      expect(await get(socket)).toBe('HTTP/1.1 200 OK');
      await new Promise((r) => setTimeout(r, 6000));
      expect(await get(socket)).toBe('HTTP/1.1 200 OK');
    } finally {
      socket.destroy();
      await listening.close(0);
    }
  }, 15_000);
});
