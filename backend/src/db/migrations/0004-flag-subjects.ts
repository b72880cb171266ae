/**
 * Flags about a source (a network stuffing passwords, a login name under attack, the whole
 * service) name it as their subject: while such a flag is open, seeing the same thing again
 * counts on it (occurrences, last seen) instead of raising another one — an attack that runs
 * for days is one item for the operator, not one per window. Portable SQL only, like 0001.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  // SQLite adds one column per ALTER TABLE.
  await s.alterTable('flags').addColumn('subject', 'text').execute();
  await s.alterTable('flags').addColumn('occurrences', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await s.alterTable('flags').addColumn('last_seen_at', 'bigint').execute();
  // At most one open flag per kind and subject; resolving it lets the next sighting raise a new one.
  await s
    .createIndex('flags_open_subject')
    .on('flags')
    .columns(['kind', 'subject'])
    .unique()
    .where(sql.ref('resolved_at'), 'is', null)
    .where(sql.ref('subject'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.dropIndex('flags_open_subject').execute();
  for (const column of ['last_seen_at', 'occurrences', 'subject']) await s.alterTable('flags').dropColumn(column).execute();
}
