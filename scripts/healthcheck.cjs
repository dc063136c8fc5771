// Container health check for our Node images, which have neither curl nor wget:
// `node scripts/healthcheck.cjs <url>` exits 0 when the URL answers 2xx within 3 s, 1 otherwise.
const url = process.argv[2];
fetch(url, { signal: AbortSignal.timeout(3000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
