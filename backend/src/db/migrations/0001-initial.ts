/**
 * 0001: stores, terminals and enrollment; the trust bundles; customer accounts, wallets,
 * devices and certificates (the account routes add to these); the journal, settlement,
 * ledger, reservations, outcomes, flags and rate-limit counters. Portable SQL only: the same
 * statements run on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;

  await s
    .createTable('stores')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await s
    .createTable('enrollment_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('terminal_id', 'text')
    .execute();

  await s
    .createTable('terminals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('head_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('head_hash', 'text', (c) => c.notNull())
    .addColumn('head_created_at', 'bigint')
    .addColumn('last_journal_at', 'bigint')
    .addColumn('caught_up_at', 'bigint')
    .addColumn('outcome_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await s.createIndex('terminals_store').on('terminals').column('store_id').execute();

  await s
    .createTable('terminal_trust')
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('serial', 'bigint', (c) => c.notNull())
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('terminal_trust_pk', ['terminal_id', 'serial'])
    .execute();

  await s
    .createTable('trust_bundles')
    .addColumn('serial', 'bigint', (c) => c.primaryKey())
    .addColumn('issued_at_s', 'bigint', (c) => c.notNull())
    .addColumn('expires_at_s', 'bigint', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('bundle', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await s
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.unique())
    .addColumn('email', 'text', (c) => c.unique())
    .addColumn('password_hash', 'text')
    .addColumn('phone_verified_at', 'bigint')
    .addColumn('email_verified_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await s
    .createTable('ledger_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text')
    .addColumn('currency', 'integer', (c) => c.notNull())
    .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('ledger_accounts_owner', ['kind', 'owner_id', 'currency'])
    .execute();

  await s
    .createTable('wallets')
    .addColumn('id', 'text', (c) => c.primaryKey().references('ledger_accounts.id'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('currency', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('wallets_account_currency', ['account_id', 'currency'])
    .execute();

  await s
    .createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('wallet_id', 'text', (c) => c.notNull().references('wallets.id'))
    .addColumn('public_key', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('bound_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_reason', 'text')
    .addColumn('until_s', 'bigint')
    .execute();
  await s.createIndex('devices_account').on('devices').column('account_id').execute();
  await s.createIndex('devices_status').on('devices').columns(['status', 'until_s']).execute();

  await s
    .createTable('certificates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('issuer_kid', 'text', (c) => c.notNull())
    .addColumn('not_before_s', 'bigint', (c) => c.notNull())
    .addColumn('not_after_s', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'integer', (c) => c.notNull())
    .addColumn('per_payment_limit', 'bigint', (c) => c.notNull())
    .addColumn('cumulative_limit', 'bigint', (c) => c.notNull())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('certificates_device').on('certificates').columns(['device_id', 'not_after_s']).execute();

  await s
    .createTable('ledger_transactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('memo', 'text')
    .execute();

  await s
    .createTable('ledger_entries')
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('ledger_transactions.id'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('ledger_accounts.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_entries_pk', ['transaction_id', 'account_id'])
    .execute();
  await s.createIndex('ledger_entries_account').on('ledger_entries').column('account_id').execute();

  await s
    .createTable('journal_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'integer', (c) => c.notNull())
    .addColumn('token', 'text')
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('ref', 'text')
    .addColumn('trust_serial', 'bigint', (c) => c.notNull())
    .addColumn('authorization', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text')
    .addUniqueConstraint('journal_records_terminal_seq', ['terminal_id', 'seq'])
    .execute();
  await s.createIndex('journal_records_ref').on('journal_records').column('ref').execute();
  await s
    .createIndex('journal_records_declines')
    .on('journal_records')
    .columns(['store_id', 'decision', 'received_at'])
    .execute();

  await s
    .createTable('token_uses')
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('terminal_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text')
    .addColumn('reservation_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('token_uses_pk', ['device_id', 'counter'])
    .execute();

  await s
    .createTable('settlements')
    .addColumn('record_id', 'text', (c) => c.primaryKey().references('journal_records.id'))
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('wallet_id', 'text')
    .addColumn('device_id', 'text')
    .addColumn('from_wallet', 'bigint', (c) => c.notNull())
    .addColumn('from_operator', 'bigint', (c) => c.notNull())
    .addColumn('to_store', 'bigint', (c) => c.notNull())
    .addColumn('refunded', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('voided', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('transaction_id', 'text')
    .addColumn('settled_at', 'bigint', (c) => c.notNull())
    .execute();

  await s
    .createTable('outcomes')
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull().unique())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('outcomes_pk', ['terminal_id', 'seq'])
    .execute();

  await s
    .createTable('reservations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('sale_id', 'text', (c) => c.notNull())
    .addColumn('token', 'text')
    .addColumn('device_id', 'text')
    .addColumn('counter', 'bigint')
    .addColumn('wallet_id', 'text')
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'integer', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('reservations_sale', ['terminal_id', 'sale_id'])
    .execute();
  await s.createIndex('reservations_wallet').on('reservations').columns(['wallet_id', 'status']).execute();

  await s
    .createTable('flags')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('terminal_id', 'text')
    .addColumn('store_id', 'text')
    .addColumn('device_id', 'text')
    .addColumn('record_id', 'text')
    .addColumn('amount', 'bigint')
    .addColumn('currency', 'integer')
    .addColumn('detail', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .execute();
  await s.createIndex('flags_created').on('flags').column('created_at').execute();

  await s
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pk', ['key', 'window_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'rate_limits',
    'flags',
    'reservations',
    'outcomes',
    'settlements',
    'token_uses',
    'journal_records',
    'ledger_entries',
    'ledger_transactions',
    'certificates',
    'devices',
    'wallets',
    'ledger_accounts',
    'accounts',
    'trust_bundles',
    'terminal_trust',
    'terminals',
    'enrollment_codes',
    'stores',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
