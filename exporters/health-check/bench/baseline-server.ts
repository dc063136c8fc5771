import http from 'node:http';

/**
 * The control for scrape latency: a Node.js server in its own process that answers every request with
 * the same number of bytes as an exporter scrape and does nothing else. What its latency shows is the
 * machine's (scheduling, loopback), not the exporter's. Argument: the body size in bytes.
 */
const body = Buffer.alloc(Number(process.argv[2]), 'x');
const server = http.createServer((_req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
process.on('disconnect', () => process.exit(0));
