/**
 * 0002: customer accounts (issue 5). Sign-ups waiting for both codes, hashed one-time codes,
 * login challenges and sessions, password resets, the notifications outbox, growing-delay
 * throttle counters, the history of every device ever bound, and card top-ups. Accounts gain
 * a risk tier and the password-reset cool-down. Portable SQL only, like 0001.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;

  // SQLite adds one column per ALTER TABLE.
  await s.alterTable('accounts').addColumn('risk', 'text', (c) => c.notNull().defaultTo('standard')).execute();
  await s.alterTable('accounts').addColumn('password_changed_at', 'bigint').execute();
  await s.alterTable('accounts').addColumn('reset_at', 'bigint').execute();
  await s.alterTable('accounts').addColumn('cooldown_until', 'bigint').execute();

  await s
    .createTable('signups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await s.createIndex('signups_phone').on('signups').columns(['phone', 'created_at']).execute();

  await s
    .createTable('one_time_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('destination', 'text')
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await s.createIndex('one_time_codes_subject').on('one_time_codes').columns(['subject_id', 'purpose']).execute();

  await s
    .createTable('login_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();

  await s
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('second_factor', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('ended_reason', 'text')
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('sessions_account').on('sessions').column('account_id').execute();

  await s
    .createTable('password_resets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text')
    .addColumn('login_hash', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await s.createIndex('password_resets_login').on('password_resets').columns(['login_hash', 'created_at']).execute();

  await s
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('redacted', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute();
  await s.createIndex('notifications_destination').on('notifications').columns(['destination', 'created_at']).execute();
  await s.createIndex('notifications_pending').on('notifications').columns(['status', 'next_attempt_at']).execute();
  await s.createIndex('notifications_account').on('notifications').columns(['account_id', 'created_at']).execute();

  await s
    .createTable('throttles')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'bigint', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    .addColumn('decay_ms', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('throttles_last').on('throttles').column('last_at').execute();

  await s
    .createTable('device_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('detail', 'text')
    .execute();
  await s.createIndex('device_history_account').on('device_history').columns(['account_id', 'at']).execute();

  await s
    .createTable('topups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('wallet_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('gateway_ref', 'text')
    .addColumn('decline_reason', 'text')
    .addColumn('transaction_id', 'text')
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await s.createIndex('topups_account').on('topups').columns(['account_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'topups',
    'device_history',
    'throttles',
    'notifications',
    'password_resets',
    'sessions',
    'login_challenges',
    'one_time_codes',
    'signups',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  for (const column of ['cooldown_until', 'reset_at', 'password_changed_at', 'risk']) {
    await db.schema.alterTable('accounts').dropColumn(column).execute();
  }
}
