import { readFileSync, statSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '@vigil/testkit';
import { Pool } from 'pg';
import { percentile, postBody } from './load';
import { start } from './process';
import { benchArgs, storageArg } from './args';

/**
 * Soak: a long storm against one receiver (a separate process) with retention pruning as it goes, to see
 * that memory, the database and latency level off. Groups fire, some of their incidents are acknowledged
 * through the API, then they resolve; the next round fires them again as new occurrences (new incidents).
 * Every --sample seconds it prints the receiver's RSS, the database's size and the p99 of that interval's
 * deliveries; at the end the slope of each over the first and the second half of the run.
 * Retention is short so that pruning runs throughout: deliveries 10s, incidents and notifications 30s.
 * A round starts once merging is at most a round behind (vigil_inbox_pending), as Alertmanager's
 * group_interval paces a real storm: the run measures what the receiver sustains, not a backlog growing.
 */
const args = benchArgs(
  'usage: npm run bench:soak -- [--alerts 5000000] [--groups 200] [--batch 50] [--concurrency 16]\n  [--sample 10] [--storage sqlite|postgres]',
  {
    options: {
      alerts: { type: 'string', default: '5000000' },
      groups: { type: 'string', default: '200' },
      batch: { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '16' },
      sample: { type: 'string', default: '10' },
      storage: { type: 'string', default: 'sqlite' },
    },
  },
);
const storage = storageArg(args.storage);
const totalAlerts = Number(args.alerts);
const groups = Number(args.groups);
const batch = Number(args.batch);
const concurrency = Number(args.concurrency);
const sampleMs = Number(args.sample) * 1000;
const TOKEN = 'soak-token';

/** A group's notification of round `round`: its alerts firing, or resolved. */
function body(group: number, round: number, status: 'firing' | 'resolved'): Buffer {
  const startsAt = new Date(Date.UTC(2026, 0, 1) + round * 60_000).toISOString();
  const alerts = Array.from({ length: batch }, (_, i) => ({
    status,
    labels: {
      alertname: 'SoakAlert',
      service: `svc-${group % 20}`,
      instance: `host-${i}`,
      severity: 'warning',
    },
    annotations: { summary: `soak alert ${i} of group ${group}` },
    startsAt,
    endsAt:
      status === 'resolved' ? new Date(Date.parse(startsAt) + 30_000).toISOString() : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph',
    fingerprint: `${group.toString(16)}-${i.toString(16)}`,
  }));
  return Buffer.from(
    JSON.stringify({
      version: '4',
      groupKey: `{}:{alertname="SoakAlert", group="${group}"}`,
      truncatedAlerts: 0,
      status,
      receiver: 'vigil',
      groupLabels: { group: String(group) },
      commonLabels: { alertname: 'SoakAlert' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts,
    }),
  );
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(line?.[1] ?? 0) * 1024;
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function openStore(kind: 'sqlite' | 'postgres', dir: string) {
  if (kind === 'sqlite') {
    const path = join(dir, 'soak.db');
    const size = (file: string) => {
      try {
        return statSync(file).size;
      } catch {
        return 0;
      }
    };
    return {
      config: `{ sqlite: { path: ${path} } }`,
      size: async () => size(path) + size(`${path}-wal`),
      close: async () => undefined,
    };
  }
  const server = await startPostgres({ durable: true });
  await server.createDatabase('vigil_soak');
  const pool = new Pool({ connectionString: server.urlFor('vigil_soak'), max: 1 });
  return {
    config: `{ postgres: { host: ${server.host}, port: ${server.port}, database: vigil_soak, user: ${server.user} } }`,
    size: async () =>
      Number((await pool.query('select pg_database_size(current_database()) as n')).rows[0].n),
    close: async () => {
      await pool.end();
      await server.stop();
    },
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-soak-'));
  const store = await openStore(storage, dir);
  try {
    const configPath = join(dir, 'config.yml');
    writeFileSync(
      configPath,
      [
        'server: { listen_address: 127.0.0.1, port: 0 }',
        `storage: ${store.config}`,
        `api: { tokens: [{ name: soak, role: responder, token: { env: SOAK_TOKEN } }] }`,
        'retention: { inbox: 10s, incidents: 30s, notifications: 30s, audit: 30s, interval: 2s, batch_size: 500 }',
        'log_level: info',
      ].join('\n'),
    );
    process.env.SOAK_TOKEN = TOKEN;
    const receiver = await start('../src/main.js', ['--config', configPath]);
    const base = `http://127.0.0.1:${receiver.port}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const target = new URL(`${base}/api/v1/alertmanager`);
    const started = Date.now();
    let sent = 0;
    let failures = 0;
    let latencies: number[] = [];
    const samples: { t: number; rss: number; db: number; p99: number; alerts: number }[] = [];
    const sampler = setInterval(() => {
      void store.size().then((db) => {
        const t = (Date.now() - started) / 1000;
        const sample = {
          t,
          rss: rssBytes(receiver.child.pid),
          db,
          p99: percentile(latencies, 99),
          alerts: sent,
        };
        latencies = [];
        samples.push(sample);
        console.log(
          `t_s=${t.toFixed(0)} alerts=${sent} rss_mb=${(sample.rss / 2 ** 20).toFixed(1)} db_mb=${(db / 2 ** 20).toFixed(1)} p99_ms=${Number.isFinite(sample.p99) ? sample.p99.toFixed(1) : 'none'}`,
        );
      });
    }, sampleMs);
    const post = async (b: Buffer) => {
      const t0 = process.hrtime.bigint();
      const status = await postBody(agent, target, b);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (status !== 200) failures += 1;
      sent += batch;
    };
    const wave = async (round: number, status: 'firing' | 'resolved') => {
      let next = 0;
      const worker = async () => {
        while (next < groups) await post(body(next++, round, status));
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    };
    const acknowledgeSome = async () => {
      const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
      const res = await fetch(`${base}/api/v1/incidents?status=triggered&limit=10`, { headers });
      const { items } = (await res.json()) as { items: { id: number }[] };
      for (const { id } of items) {
        await fetch(`${base}/api/v1/incidents/${id}/acknowledge`, { method: 'POST', headers, body: '{}' });
      }
    };
    /** Merging behind by more than a round: the next round waits, as Alertmanager's group_interval paces it. */
    const mergingCaughtUp = async () => {
      for (;;) {
        const metrics = await (await fetch(`${base}/metrics`)).text();
        const pending = Number(/^vigil_inbox_pending (\d+)/m.exec(metrics)?.[1] ?? 0);
        if (pending <= groups) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    for (let round = 0; sent < totalAlerts; round++) {
      await wave(round, 'firing');
      await acknowledgeSome();
      await wave(round, 'resolved');
      await mergingCaughtUp();
    }
    clearInterval(sampler);
    agent.destroy();
    await receiver.child.stop();
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `setup alerts=${sent} groups=${groups} batch=${batch} concurrency=${concurrency} storage=${storage} seconds=${seconds.toFixed(0)} failures=${failures}`,
    );
    // Slopes per minute over each half: a store that levels off grows in the first half, hardly in the second.
    const half = Math.floor(samples.length / 2);
    for (const [name, pick, unit] of [
      ['rss', (s: (typeof samples)[number]) => s.rss / 2 ** 20, 'mb'],
      ['db', (s: (typeof samples)[number]) => s.db / 2 ** 20, 'mb'],
      ['p99', (s: (typeof samples)[number]) => s.p99, 'ms'],
    ] as const) {
      // An interval without deliveries (the next round waiting for merging) has no p99: left out.
      const per = (part: typeof samples) =>
        slope(
          part.map((s): [number, number] => [s.t / 60, pick(s)]).filter(([, y]) => Number.isFinite(y)),
        ).toFixed(2);
      console.log(
        `slope ${name}_${unit}_per_min first_half=${per(samples.slice(0, half))} second_half=${per(samples.slice(half))}`,
      );
    }
    if (failures > 0) throw new Error(`${failures} deliveries failed`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
