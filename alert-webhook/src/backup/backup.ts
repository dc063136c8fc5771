import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseCommandLine, type FlagSpec } from '@vigil/service-kit';
import SqliteDatabase from 'better-sqlite3';
import { loadConfig, type Config } from '../config';
import { describePostgres } from '../db/storage-error';

const USAGE = `usage: alert-webhook backup --output <file> [--config <file>]

Copies the SQLite database to <file> while the receiver runs (SQLite's online backup API): every
delivery answered before the copy started is in it. Restore: stop the receiver, put the file at
storage.sqlite.path (removing any -wal and -shm files beside it), start the receiver.
On PostgreSQL, back up with pg_dump (see the README's "Retention, backup and sizing").
The configuration file may also be given as VIGIL_WEBHOOK_CONFIG.
`;

export class BackupError extends Error {
  override name = 'BackupError';
}

/** What `alert-webhook backup` did: the file written and its size. */
export interface BackupResult {
  output: string;
  bytes: number;
  pages: number;
}

/**
 * Copies a live SQLite database page by page through its online backup API, into a temporary file
 * renamed into place once complete: `output` is either the whole copy or absent.
 */
export async function backupSqlite(path: string, output: string): Promise<BackupResult> {
  if (!existsSync(path)) throw new BackupError(`no database at ${path} (storage.sqlite.path)`);
  // Renamed over the live database, the copy would take its place and lose every delivery stored since.
  if (existsSync(output) && sameFile(path, output))
    throw new BackupError(
      `${output} is the database itself (storage.sqlite.path): write the backup elsewhere`,
    );
  // SQLite's own words would be "the directory does not exist", naming neither.
  const dir = dirname(output);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new BackupError(`cannot write ${output}: ${dir} is not a directory`);
  if (existsSync(output) && statSync(output).isDirectory())
    throw new BackupError(`${output} is a directory: give the backup's file name`);
  const partial = `${output}.partial`;
  const source = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
  try {
    // All remaining pages in each step: a step reads one snapshot (WAL: writers carry on), while a write
    // between two small steps would restart the copy, and a storm's writes would restart it forever.
    const { totalPages } = await source.backup(partial, { progress: () => 1_000_000_000 });
    renameSync(partial, output);
    return { output, bytes: statSync(output).size, pages: totalPages };
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    source.close();
  }
}

/** Whether two paths name one file (the same inode on the same device), however they are written. */
function sameFile(a: string, b: string): boolean {
  const [x, y] = [statSync(a), statSync(b)];
  return x.dev === y.dev && x.ino === y.ino;
}

/** The pg_dump command line that backs up the configured PostgreSQL database (no password: PGPASSWORD or ~/.pgpass). */
export function pgDumpCommand(storage: NonNullable<Config['storage']['postgres']>, output: string): string {
  const target = storage.url
    ? `--dbname='${storage.url.replace(/:[^:@/]*@/, '@')}'`
    : [
        storage.host && `--host=${storage.host}`,
        storage.port && `--port=${storage.port}`,
        storage.user && `--username=${storage.user}`,
        storage.database && `--dbname=${storage.database}`,
      ]
        .filter(Boolean)
        .join(' ');
  return `pg_dump --format=custom ${target} --file=${output}`;
}

const BACKUP_FLAGS: Record<string, FlagSpec> = {
  output: { type: 'string', description: 'the backup file to write' },
  config: { type: 'string', description: "the receiver's configuration file" },
  help: { type: 'boolean', description: 'print this help and exit' },
};

/** `alert-webhook backup`: exit code 0 with a JSON line saying what was written, else 1 (2 for a usage error). */
export async function runBackup(argv: string[], env = process.env): Promise<number> {
  let values: { output?: string; config?: string; help?: boolean };
  try {
    // The service's flag parser: a typo is refused naming the likely flag, as for the service itself.
    values = parseCommandLine(argv, BACKUP_FLAGS).values as typeof values;
  } catch (err) {
    process.stderr.write(`alert-webhook backup: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.output) {
    process.stderr.write(`alert-webhook backup: give --output <file>\n${USAGE}`);
    return 2;
  }
  try {
    const config = loadConfig(values.config ?? (env.VIGIL_WEBHOOK_CONFIG || undefined), env);
    if (config.storage.postgres) {
      throw new BackupError(
        `${describePostgres(config.storage.postgres, env)} is backed up with pg_dump, e.g.: ${pgDumpCommand(config.storage.postgres, values.output)}`,
      );
    }
    const result = await backupSqlite(config.storage.sqlite.path, values.output);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`alert-webhook backup: ${(err as Error).message}\n`);
    return 1;
  }
}
