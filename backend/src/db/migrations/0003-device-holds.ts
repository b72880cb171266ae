/**
 * 0003: replacing a phone without the phone (issue 17). A phone bound with an SMS session and
 * an e-mail code waits `pending_until` before it may pay; a session binds at most one phone
 * (`bind_used_at`); an account holds at most one active and one pending phone (partial unique
 * indexes, so racing binds cannot both win on any instance); the account's freeze ("this
 * wasn't me") and SIM-swap flag are stored with it. Portable SQL only, like 0001 and 0002.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  // SQLite adds one column per ALTER TABLE.
  await s.alterTable('devices').addColumn('pending_until', 'bigint').execute();
  await s.alterTable('sessions').addColumn('bind_used_at', 'bigint').execute();
  await s.alterTable('accounts').addColumn('frozen_at', 'bigint').execute();
  await s.alterTable('accounts').addColumn('sim_swap_flagged_at', 'bigint').execute();
  // Accounts of 0001/0002 that somehow hold two active phones keep only the newest active.
  await sql`
    update devices set status = 'revoked', revoked_reason = 'replaced', revoked_at = bound_at
    where status = 'active' and exists (
      select 1 from devices newer
      where newer.account_id = devices.account_id and newer.status = 'active'
        and (newer.bound_at > devices.bound_at or (newer.bound_at = devices.bound_at and newer.id > devices.id)))
  `.execute(db);
  await s.createIndex('devices_one_active').on('devices').column('account_id').unique().where(sql.ref('status'), '=', 'active').execute();
  await s.createIndex('devices_one_pending').on('devices').column('account_id').unique().where(sql.ref('status'), '=', 'pending').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('devices_one_pending').execute();
  await db.schema.dropIndex('devices_one_active').execute();
  // A phone still pending was never allowed to pay: it goes back as revoked.
  await sql`update devices set status = 'revoked', revoked_reason = 'pending_rolled_back' where status = 'pending'`.execute(db);
  await db.schema.alterTable('accounts').dropColumn('sim_swap_flagged_at').execute();
  await db.schema.alterTable('accounts').dropColumn('frozen_at').execute();
  await db.schema.alterTable('sessions').dropColumn('bind_used_at').execute();
  await db.schema.alterTable('devices').dropColumn('pending_until').execute();
}
