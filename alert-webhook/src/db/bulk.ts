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

type ColumnType = 'text' | 'int4';

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
  types: Partial<Record<keyof Insertable<DatabaseSchema[T]> & string, ColumnType>>,
): InsertQueryBuilder<DatabaseSchema, T, object> {
  const query = tx.insertInto(table) as unknown as InsertQueryBuilder<DatabaseSchema, T, object>;
  if (!isPostgres(tx as unknown as Kysely<unknown>)) return query.values(rows as never);
  const columns = Object.entries(types) as [string, ColumnType][];
  const arrays = columns.map(
    ([column, type]) =>
      sql`${binaryArray(
        rows.map((r) => (r as Record<string, unknown>)[column]),
        type,
      )}::${sql.raw(type)}[]`,
  );
  return query
    .columns(columns.map(([column]) => column) as never)
    .expression(sql`select * from unnest(${sql.join(arrays)})` as never);
}

/** Each column type's element type (its OID) in PostgreSQL's binary array format. */
const ELEMENT_OIDS: Record<ColumnType, number> = { text: 25, int4: 23 };

/**
 * A one-dimensional array in PostgreSQL's binary format (array_recv), which pg sends as a binary
 * parameter since it is a Buffer: text goes as its UTF-8 bytes, where the text format (pg's own
 * conversion of a JS array) escapes every quote and backslash of each label set and concatenates, which
 * in a storm was over a third of what the merge thread allocated, and so of its garbage collection.
 */
function binaryArray(values: unknown[], type: ColumnType): Buffer {
  const texts = type === 'text' ? values.map((v) => (v === null || v === undefined ? v : String(v))) : [];
  let size = 20;
  values.forEach((v, i) => {
    if (v !== null && v !== undefined) size += type === 'int4' ? 4 : Buffer.byteLength(texts[i] as string);
    size += 4;
  });
  const out = Buffer.allocUnsafe(size);
  // One dimension, a has-nulls flag (array_recv ignores it), the element type; the length, lower bound 1.
  let at = out.writeInt32BE(1, 0);
  at = out.writeInt32BE(1, at);
  at = out.writeInt32BE(ELEMENT_OIDS[type], at);
  at = out.writeInt32BE(values.length, at);
  at = out.writeInt32BE(1, at);
  values.forEach((v, i) => {
    if (v === null || v === undefined) at = out.writeInt32BE(-1, at);
    else if (type === 'int4') at = out.writeInt32BE(int4(v), out.writeInt32BE(4, at));
    else {
      const written = out.write(texts[i] as string, at + 4);
      out.writeInt32BE(written, at);
      at += 4 + written;
    }
  });
  return out;
}

/** A whole number that int4 holds; anything else is refused, as PostgreSQL refuses it in text. */
function int4(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) {
    return value;
  }
  throw new TypeError(`not a 32-bit integer for an int4 column: ${String(value)}`);
}

/**
 * `column in (…values)`; on PostgreSQL `column = any($1::<type>[])`, one binary array parameter for the
 * whole list (see above), `type` being the column's.
 */
export function oneOf<TB extends keyof DatabaseSchema>(
  tx: Tx,
  eb: ExpressionBuilder<DatabaseSchema, TB>,
  column: ReferenceExpression<DatabaseSchema, TB>,
  values: (string | number)[],
  type: ColumnType,
) {
  return isPostgres(tx as unknown as Kysely<unknown>)
    ? eb(column, '=', sql<never>`any(${binaryArray(values, type)}::${sql.raw(type)}[])`)
    : eb(column, 'in', values as never[]);
}
