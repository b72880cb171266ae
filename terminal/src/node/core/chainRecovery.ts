import type { TerminalStore } from '../store/terminalStore.js';
import type { JournalWriter } from './journalWriter.js';
import type { Logger } from './ports.js';
import type { RegisterState } from './registerState.js';

export interface ChainRecoveryParts {
  store: TerminalStore;
  journal: JournalWriter;
  state: RegisterState;
  logger: Logger;
  terminalId: string;
  /** The chain head this process found at start: anything the backend has beyond it was lost here. */
  headAtStart: number;
  /** The core's commit (one transaction; the clock floor follows the newest record). */
  commit: <T>(fn: () => T) => T;
}

/** This chain against the backend's (PROTOCOL.md §7): consistent, restored from a backup, or forked. */
export class ChainRecovery {
  constructor(readonly parts: ChainRecoveryParts) {}

  /**
   * Compares the backend's head with this chain (§7). Ahead of what this database held at start:
   * restored from a backup, so the register continues from the backend's head (`continueFrom`).
   * A different hash at the same seq: the chains forked — nothing is sent until a person looks.
   */
  reconcile(head: { seq: number; hash: string }, continueFrom: () => void): 'consistent' | 'continued' | 'forked' {
    const { store, journal, state, logger, terminalId, headAtStart } = this.parts;
    if (!state.restoredFromBackup) {
      const ours = store.hashAt(head.seq);
      if (ours === head.hash) return 'consistent';
      // The backend holds records this database never had, or different ones made after this
      // process started: the database was restored, and everything since start is new.
      if (head.seq > journal.head.seq || head.seq > headAtStart) state.markRestored(headAtStart);
    }
    if (state.restoredFromBackup) {
      continueFrom();
      return 'continued';
    }
    logger.error({ terminalId, backendHead: head.seq }, 'the backend holds a different record at its head seq: the chains forked');
    return 'forked';
  }

  /**
   * After a restore from backup (§7): records made since the restore were never seen by the
   * backend and their seqs collide with its chain, so they are sealed again, in order, after the
   * backend's head; the register then continues from there and offline approvals reopen.
   * Null when the database was not restored (nothing changed).
   */
  continueFrom(head: { seq: number; hash: string }): number | null {
    const { store, journal, state, logger, terminalId, commit } = this.parts;
    const restoredAt = state.restoredAtSeq;
    if (restoredAt === null) return null;
    return commit(() => {
      const pending = store.recordsAfter(restoredAt);
      store.removeRecordsAfter(restoredAt);
      const lastCreated = pending.reduce((latest, record) => Math.max(latest, record.createdAt), 0);
      journal.continueFrom({ seq: head.seq, hash: head.hash, createdAt: 0 });
      for (const record of pending) {
        const { kind, amount, currency, token, decision, reason, ref, authorization, trustSerial, createdAt } = record;
        journal.append(
          { kind, amount, currency, token, decision, reason, ref, authorization },
          { saleId: record.saleId, deviceId: record.deviceId, counter: record.counter, certKey: record.certKey, mode: record.mode, scanSource: record.scanSource, scannerId: record.scannerId },
          createdAt,
          trustSerial,
        );
      }
      store.updateSyncState({ ackedSeq: head.seq, ackedHash: head.hash });
      state.clearRestored();
      logger.warn({ terminalId, backendHead: head.seq, moved: pending.length, lastCreated }, 'continued the chain from the backend head after a restore');
      return pending.length;
    });
  }
}
