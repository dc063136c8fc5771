import express from 'express';

/** The benchmark's yardstick: a bare express server that only parses the JSON body and answers 200. */
const app = express();
app.post('/api/v1/alertmanager', express.json({ limit: '5mb' }), (req, res) => {
  res.json({ status: 'accepted', alerts: (req.body as { alerts?: unknown[] }).alerts?.length ?? 0 });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
