import { get, probeUrl } from './support';

/**
 * Sends blackbox_exporter one /probe per target per interval, evenly spread, as Prometheus would; paced by
 * the clock, so a late timer does not lower the rate. Answers a message from the parent with the number
 * of failed probes. Arguments: blackbox port, target server port, targets, interval in seconds.
 */
const [blackboxPort, targetPort, checks, intervalS] = process.argv.slice(2).map(Number) as [
  number,
  number,
  number,
  number,
];
let sent = 0;
let failures = 0;
const started = performance.now();
setInterval(() => {
  const due = Math.floor(((performance.now() - started) / 1000 / intervalS) * checks);
  for (; sent < due; sent++) {
    get(probeUrl(blackboxPort, targetPort, sent % checks)).then(
      ({ body }) => void (/^probe_success 1$/m.test(body.toString()) || failures++),
      () => failures++,
    );
  }
}, 10);
process.on('message', () => process.send?.({ failures }));
process.on('disconnect', () => process.exit(0));
