#!/usr/bin/env bash
# CI: `npm audit` of the production dependencies as locked in package-lock.json. Fails on a high or
# critical advisory. When the registry's audit endpoint cannot be reached (network error, a 5xx, or the
# endpoint refuses the request, as some registry mirrors do), it prints one line saying the audit was
# skipped and why, and passes. Anything else npm reports (e.g. no lockfile) fails.
#
# The outcome is read from `npm audit --json`, not from the exit code, which is 1 both for advisories
# and for a failed request: a report has `vulnerabilities` and `metadata`; a failed request gives the
# fetch error's `message` (and `statusCode` for an HTTP answer) and npm's `error` object.
set -euo pipefail
cd "$(dirname "$0")/.."

stderr=$(mktemp)
trap 'rm -f "$stderr"' EXIT
# One retry and a minute per attempt, so that a registry that never answers cannot hold CI for long.
report=$(npm audit --omit=dev --json --fetch-retries=1 --fetch-timeout=60000 2>"$stderr") || true

AUDIT_REPORT="$report" AUDIT_STDERR="$(cat "$stderr")" node - <<'EOF'
const SERIOUS = ['critical', 'high'];
const LEVELS = [...SERIOUS, 'moderate', 'low', 'info'];
// Network failures of npm's fetch (node's error codes, and how npm-registry-fetch words them).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ERR_SOCKET_TIMEOUT',
]);
const NETWORK_MESSAGE = /^request to \S+ failed, reason:|network timeout|Response timeout|socket hang up/i;

const fail = (line) => {
  console.log(`npm audit: FAILED, ${line}`);
  if (process.env.AUDIT_STDERR) console.log(process.env.AUDIT_STDERR);
  process.exit(1);
};
// Credentials in a registry URL (https://user:pass@host/) never reach the log.
const redact = (text) => String(text).replace(/\/\/[^/@\s]+@/g, '//***@');

let report;
try {
  report = JSON.parse(process.env.AUDIT_REPORT || '');
} catch {
  fail(`npm's output is not a JSON report: ${redact(process.env.AUDIT_REPORT || '(none)')}`);
}

const counts = report.metadata?.vulnerabilities;
if (report.vulnerabilities && counts) {
  const deps = report.metadata.dependencies?.prod ?? '?';
  const summary = LEVELS.map((level) => `${counts[level] ?? 0} ${level}`).join(', ');
  const serious = Object.values(report.vulnerabilities).filter((v) => SERIOUS.includes(v.severity));
  if (serious.length === 0) {
    console.log(`npm audit: passed, ${deps} production dependencies; advisories: ${summary}`);
    process.exit(0);
  }
  console.log(`npm audit: ${deps} production dependencies; advisories: ${summary}`);
  for (const v of serious) {
    const via = v.via.map((x) =>
      typeof x === 'string' ? `through ${x}` : `${x.title}, ${x.range} (${x.url})`,
    );
    console.log(`  ${v.severity}: ${v.name} (${v.nodes.join(', ')}): ${via.join('; ')}`);
  }
  fail('high or critical advisories in production dependencies (details: npm audit --omit=dev)');
}

const message = redact(report.message ?? report.error?.summary ?? '');
const skip = (why) => {
  console.log(`npm audit: SKIPPED, production dependencies not audited: ${why} (${message})`);
  process.exit(0);
};
if (report.error) {
  const endpoint = "the registry's audit endpoint";
  const status = Number.isInteger(report.statusCode) ? report.statusCode : 0;
  if (status >= 500) skip(`${endpoint} failed with HTTP ${status}`);
  if (status >= 400) skip(`${endpoint} refused the request, HTTP ${status}`);
  if (NETWORK_CODES.has(report.error.code) || NETWORK_MESSAGE.test(message)) {
    skip(`${endpoint} could not be reached`);
  }
}
fail(`${report.error?.code ?? 'no report'}: ${message || 'npm gave neither advisories nor an error'}`);
EOF
