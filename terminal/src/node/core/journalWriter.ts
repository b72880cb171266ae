import { sealRecord, type Ed25519, type JournalRecord, uuidv7 } from '@tegata/protocol';
import type { TerminalIdentity } from '../identity/terminalIdentity.js';
import type { ChainHead, RecordExtras, TerminalStore } from '../store/terminalStore.js';

export type RecordFields = Pick<JournalRecord, 'kind' | 'amount' | 'currency' | 'token' | 'decision' | 'reason' | 'ref' | 'authorization'>;

/**
 * Extends this register's chain (PROTOCOL.md §7): seals each record with the terminal key and
 * stores it with its outbox row inside the caller's transaction. The in-memory head moves only
 * when that transaction commits, so a rolled-back decision leaves no gap and no fork.
 */
export class JournalWriter {
  #head: ChainHead;
  #pending: ChainHead | null = null;

  constructor(
    private readonly store: TerminalStore,
    private readonly identity: TerminalIdentity,
    private readonly ed: Ed25519,
    private readonly random: (length: number) => Uint8Array,
  ) {
    this.#head = store.head();
  }

  get head(): ChainHead {
    return this.#head;
  }

  /** Continue the chain after `head` (the backend's, after a restore from backup). In `commit` only. */
  continueFrom(head: ChainHead): void {
    this.#pending = head;
  }

  /** Runs `fn` in one write transaction; returns its result once it has committed. */
  commit<T>(fn: () => T): T {
    this.#pending = null;
    try {
      const result = this.store.transaction(fn);
      if (this.#pending !== null) this.#head = this.#pending;
      return result;
    } finally {
      this.#pending = null;
    }
  }

  /** Runs `fn` in a transaction that always rolls back (a dry run); returns what it produced. */
  dryRun<T>(fn: () => T): T {
    let produced: { value: T } | undefined;
    try {
      this.store.transaction(() => {
        produced = { value: fn() };
        throw new DryRunRollback();
      });
    } catch (error) {
      if (!(error instanceof DryRunRollback)) throw error;
    } finally {
      this.#pending = null;
    }
    return produced!.value;
  }

  /** The next record: `createdAt` never earlier than the head's (§7). Inside `commit` or `dryRun` only. */
  append(fields: RecordFields, extras: RecordExtras, nowMs: number, trustSerial: number): JournalRecord & RecordExtras {
    const head = this.#pending ?? this.#head;
    const createdAt = Math.max(nowMs, head.createdAt);
    const record = sealRecord(this.ed, this.identity.seed, {
      id: uuidv7(createdAt, this.random),
      terminalId: this.identity.terminalId,
      seq: head.seq + 1,
      createdAt,
      trustSerial,
      prevHash: head.hash,
      ...fields,
    });
    this.store.appendRecord(record, extras);
    this.#pending = { seq: record.seq, hash: record.hash, createdAt };
    return { ...record, ...extras };
  }
}

/** Thrown to roll a dry run back; never escapes `dryRun`. */
class DryRunRollback extends Error {}
