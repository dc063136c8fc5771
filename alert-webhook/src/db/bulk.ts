import {
  sql,
  type ExpressionBuilder,
  type ReferenceExpression,
  type Insertable,
  type InsertQueryBuilder,
  type Kysely,
  type Transaction,
} from 'kysely';
import { isPostgres } from './postgres';
import type { DatabaseSchema } from './schema';

type Tx = Transaction<DatabaseSchema>;

/**
 * `insert into <table>` of many rows in one statement. On PostgreSQL the rows go as one array per column,
 * unnested (`select * from unnest($1::text[], …)`): a statement of a few parameters, where a VALUES list of
 * a thousand rows has ten thousand, which PostgreSQL spends longer parsing and planning than inserting.
 * `types` names each column with its PostgreSQL type; on SQLite the rows go as VALUES.
 */
export function insertMany<T extends keyof DatabaseSchema & string>(
  tx: Tx,
  table: T,
  rows: Insertable<DatabaseSchema[T]>[],
  types: Partial<Record<keyof Insertable<DatabaseSchema[T]> & string, 'text' | 'int8' | 'int4'>>,
): InsertQueryBuilder<DatabaseSchema, T, object> {
  const query = tx.insertInto(table) as unknown as InsertQueryBuilder<DatabaseSchema, T, object>;
  if (!isPostgres(tx as unknown as Kysely<unknown>)) return query.values(rows as never);
  const columns = Object.entries(types) as [string, string][];
  const arrays = columns.map(
    ([column, type]) =>
      sql`${arrayLiteral(rows.map((r) => (r as Record<string, unknown>)[column]))}::${sql.raw(type)}[]`,
  );
  return query
    .columns(columns.map(([column]) => column) as never)
    .expression(sql`select * from unnest(${sql.join(arrays)})` as never);
}

/**
 * A PostgreSQL array literal of text (or numbers), built here in one pass: pg's own conversion of a JS
 * array escapes each element twice over and concatenates, which in a storm was over a third of what
 * the merge thread allocated (so of its garbage collection).
 */
export function arrayLiteral(values: unknown[]): string {
  const elements = values.map((v) =>
    v === null || v === undefined ? 'NULL' : `"${String(v).replace(/[\\"]/g, '\\$&')}"`,
  );
  return `{${elements.join(',')}}`;
}

/** `column in (…values)`; on PostgreSQL `column = any($1)`, one parameter for the whole list (see above). */
export function oneOf<TB extends keyof DatabaseSchema>(
  tx: Tx,
  eb: ExpressionBuilder<DatabaseSchema, TB>,
  column: ReferenceExpression<DatabaseSchema, TB>,
  values: (string | number)[],
) {
  return isPostgres(tx as unknown as Kysely<unknown>)
    ? eb(column, '=', sql<never>`any(${values})`)
    : eb(column, 'in', values as never[]);
}
