import type { SyncTimers } from '../../src/node/sync/syncEngine.js';

interface PendingTimer {
  id: number;
  ms: number;
  callback: () => void;
}

/** Timers that fire only when a test says so, recording every delay asked for. */
export class ManualTimers implements SyncTimers {
  #nextId = 1;
  #pending: PendingTimer[] = [];
  /** Every delay ever scheduled, in order (cleared ones included). */
  readonly scheduled: number[] = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#pending.push({ id, ms, callback });
    this.scheduled.push(ms);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending = this.#pending.filter((timer) => timer.id !== handle);
  }

  /** Delays of the timers still waiting. */
  get pending(): number[] {
    return this.#pending.map((timer) => timer.ms);
  }

  /** Fires the timer due first; returns its delay. */
  fireNext(): number {
    const next = [...this.#pending].sort((a, b) => a.ms - b.ms)[0];
    if (next === undefined) throw new Error('no timer is pending');
    this.#pending = this.#pending.filter((timer) => timer !== next);
    next.callback();
    return next.ms;
  }

  /**
   * Fires the next timer and waits (no real sleeping beyond event-loop turns) until whatever it
   * started has scheduled the following timer, as a sync engine does after every round.
   */
  async fireAndSettle(): Promise<number> {
    const before = this.scheduled.length;
    const ms = this.fireNext();
    for (let turn = 0; turn < 1_000 && this.scheduled.length === before; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (this.scheduled.length === before) throw new Error('the fired timer never scheduled a next one');
    return ms;
  }
}
