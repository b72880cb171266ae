import type { Migration } from './migration.js';

/** The first schema: journal chain, outbox, replay cache, trust, config, scanners, sync state. */
export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  up: `
    CREATE TABLE journal (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL CHECK (kind IN ('payment', 'refund', 'void')),
      created_at INTEGER NOT NULL,
      amount INTEGER NOT NULL,
      currency INTEGER NOT NULL,
      token TEXT,
      decision TEXT NOT NULL CHECK (decision IN ('approved', 'declined')),
      reason TEXT,
      ref TEXT,
      trust_serial INTEGER NOT NULL,
      authorization TEXT,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL,
      signature TEXT NOT NULL,
      -- Local facts, not part of the signed record:
      sale_id TEXT,
      device_id TEXT,
      counter INTEGER,
      cert_key TEXT,
      mode TEXT CHECK (mode IN ('online', 'offline')),
      scan_source TEXT,
      scanner_id TEXT,
      outcome TEXT,
      outcome_at INTEGER
    ) STRICT;
    CREATE INDEX journal_cert_approved ON journal (cert_key, seq) WHERE decision = 'approved' AND kind = 'payment';
    CREATE INDEX journal_ref ON journal (ref) WHERE ref IS NOT NULL;

    -- What still has to reach the backend, in seq order.
    CREATE TABLE outbox (
      seq INTEGER PRIMARY KEY REFERENCES journal (seq),
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      rejected_code TEXT
    ) STRICT;

    -- Replay cache (PROTOCOL.md §4 check 14), kept until issued_at + ttl + 2·skew.
    CREATE TABLE seen_tokens (
      device_id TEXT NOT NULL,
      counter INTEGER NOT NULL,
      keep_until INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      PRIMARY KEY (device_id, counter)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX seen_tokens_expiry ON seen_tokens (keep_until);

    CREATE TABLE trust (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      serial INTEGER NOT NULL,
      issued_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      bundle TEXT NOT NULL,
      stored_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

    CREATE TABLE scanners (id TEXT PRIMARY KEY, config TEXT NOT NULL) STRICT;

    CREATE TABLE sync_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      acked_seq INTEGER NOT NULL,
      acked_hash TEXT NOT NULL,
      last_ack_sync_at INTEGER,
      offline_since INTEGER,
      clock_offset_ms INTEGER,
      clock_measured_at INTEGER
    ) STRICT;
    INSERT INTO sync_state (id, acked_seq, acked_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
  `,
};
