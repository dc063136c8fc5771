import http from 'node:http';

/**
 * The probed service, in its own process so that its CPU counts for neither prober. Counts the requests
 * of each prober (told apart by User-Agent) and reports the counts when the parent asks.
 */
const counts = { exporter: 0, blackbox: 0 };
const server = http.createServer((req, res) => {
  if (req.headers['user-agent']?.startsWith('Blackbox Exporter')) counts.blackbox++;
  else counts.exporter++;
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as { port: number }).port });
});
process.on('message', () => process.send?.({ counts }));
process.on('disconnect', () => process.exit(0));
