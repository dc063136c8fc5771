import { readFileSync, readdirSync } from 'node:fs';
import type { Pool } from 'pg';

/**
 * `bench:webhook -- --profile`: where a run's time goes. CPU seconds per process from /proc (the receivers'
 * main threads, their merge threads and their other threads: GC, libuv), PostgreSQL's statements by
 * time (pg_stat_statements) and what its busy backends were waiting on, sampled.
 */

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node runs on

/** A process's or thread's /proc/…/stat fields from the state on (field 3 is [0]); none if it is gone. */
function statFields(statPath: string): string[] | undefined {
  try {
    const stat = readFileSync(statPath, 'utf8');
    // The command name before them may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (fields 14 and 15), in seconds; 0 for a process or thread gone meanwhile. */
function cpuSeconds(fields: string[] | undefined): number {
  return fields ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND : 0;
}

export interface CpuSample {
  /**
   * By label: the bench client, each receiver's main thread, its merge threads (the threads of nice
   * above 0, see merge-worker.ts) and its other threads (GC, libuv), PostgreSQL.
   */
  [label: string]: number;
}

/** CPU seconds so far of the bench itself, the receivers (by pid) and every `postgres` process. */
export function sampleCpu(receivers: number[]): CpuSample {
  const sample: CpuSample = { client: cpuSeconds(statFields('/proc/self/stat')) };
  receivers.forEach((pid, i) => {
    let merge = 0;
    let others = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      if (Number(tid) === pid) continue;
      const fields = statFields(`/proc/${pid}/task/${tid}/stat`);
      // Nice is field 19.
      if (Number(fields?.[16]) > 0) merge += cpuSeconds(fields);
      else others += cpuSeconds(fields);
    }
    sample[`receiver${i}_main`] = cpuSeconds(statFields(`/proc/${pid}/task/${pid}/stat`));
    sample[`receiver${i}_merge`] = merge;
    sample[`receiver${i}_threads`] = others;
  });
  let postgres = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm === 'postgres') postgres += cpuSeconds(statFields(`/proc/${pid}/stat`));
  }
  if (postgres > 0) sample.postgres = postgres;
  return sample;
}

/** Adds each label's CPU seconds between two samples to `total`: the sum over several stretches of a run. */
export function addCpu(total: CpuSample, before: CpuSample, after: CpuSample): void {
  for (const label of Object.keys(after)) {
    total[label] = (total[label] ?? 0) + (after[label] ?? 0) - (before[label] ?? 0);
  }
}

/** One line: each label's CPU seconds in a phase and its share of the phase's wall time (cores). */
export function cpuLine(phase: string, used: CpuSample, seconds: number): string {
  const parts = Object.entries(used).map(
    ([label, s]) => `${label}=${s.toFixed(2)}s/${(s / seconds).toFixed(2)}cores`,
  );
  return `profile_cpu phase=${phase} wall_s=${seconds.toFixed(2)} ${parts.join(' ')}`;
}

/** PostgreSQL server settings that --profile needs: pg_stat_statements loaded. */
export const PROFILE_SETTINGS = {
  shared_preload_libraries: 'pg_stat_statements',
  // Statements run inside others too, such as the foreign key checks of an insert.
  'pg_stat_statements.track': 'all',
};

/**
 * PostgreSQL's side of a run: statements by total time, and its active backends' wait events sampled every
 * 50 ms (lock waits show as `Lock/…`, commits as `IO/WALSync`, CPU as `running`).
 */
export class PostgresProfile {
  private readonly waits = new Map<string, number>();
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The sample in flight: stop() waits for it, or it would schedule the next after the pool has ended. */
  private sampling: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly pool: Pool) {}

  async start(): Promise<void> {
    await this.pool.query('create extension if not exists pg_stat_statements');
    await this.pool.query('select pg_stat_statements_reset()');
    const sample = async () => {
      const { rows } = await this.pool.query<{ wait: string; n: string }>(
        `select coalesce(wait_event_type || '/' || wait_event, 'running') as wait, count(*) as n
           from pg_stat_activity
          where state = 'active' and pid <> pg_backend_pid() and backend_type = 'client backend'
          group by 1`,
      );
      this.samples += 1;
      for (const r of rows) this.waits.set(r.wait, (this.waits.get(r.wait) ?? 0) + Number(r.n));
      if (!this.stopped) this.timer = setTimeout(() => (this.sampling = sample()), 50);
    };
    await (this.sampling = sample());
  }

  /** Lines to print: the top statements, then the mean number of backends in each wait state. */
  async stop(top = 10): Promise<string[]> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sampling;
    const { rows } = await this.pool.query<{
      calls: string;
      total_ms: number;
      mean_ms: number;
      rows: string;
      query: string;
    }>(
      `select calls, total_exec_time as total_ms, mean_exec_time as mean_ms, rows, query
         from pg_stat_statements
        where query not like '%pg_stat_%'
        order by total_exec_time desc limit $1`,
      [top],
    );
    const lines = rows.map(
      (r) =>
        `profile_statement total_ms=${Math.round(r.total_ms)} calls=${r.calls} mean_ms=${r.mean_ms.toFixed(3)} rows=${r.rows} query=${JSON.stringify(r.query.replace(/\s+/g, ' ').slice(0, 160))}`,
    );
    const waits = [...this.waits.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([wait, n]) => `${wait}=${(n / Math.max(1, this.samples)).toFixed(2)}`);
    lines.push(`profile_waits samples=${this.samples} mean_active_backends ${waits.join(' ')}`);
    return lines;
  }
}
