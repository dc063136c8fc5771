import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU time (user + system) a process has used so far, from /proc/<pid>/stat, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces; utime and stime are
  // the 14th and 15th fields of the line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resolves on the first message from the child matching `pick`. */
export function message<T>(child: ChildProcess, pick: (m: unknown) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      const value = pick(m);
      if (value === undefined) return;
      child.off('message', onMessage);
      resolve(value);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited (${code})`)));
  });
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * GETs a URL over a keep-alive connection; resolves to the status, the milliseconds to the last byte and
 * the body as bytes (decoding 300 kB scrapes as they arrive would add the client's work to the timing).
 */
export function get(url: string): Promise<{ status: number; ms: number; body: Buffer }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - started,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The URL of the i-th probed target. */
export function targetUrl(port: number, i: number) {
  return `http://127.0.0.1:${port}/target/${i}`;
}

/** blackbox_exporter's /probe URL for the i-th target, with the http_2xx module. */
export function probeUrl(blackboxPort: number, targetPort: number, i: number) {
  const target = encodeURIComponent(targetUrl(targetPort, i));
  return `http://127.0.0.1:${blackboxPort}/probe?module=http_2xx&target=${target}`;
}
